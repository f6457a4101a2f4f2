// The bot speaking first in a chat (alerts, the swap confirmation), through the adapter's
// continueConversation so it uses the same send path (and errors) as dialog replies.
import type { GiosgBotAdapter } from './adapter';
import { referenceFor } from './adapter-activity';
import type { ButtonAction } from '../giosg/client';
import type { Tenant } from '../vault/tenants';

export interface BotSay {
  text: string;
  buttons?: ButtonAction[];
}

export class BotSpeaker {
  /** `adapter` is asked for at the first message, so a bot that never speaks never loads Botkit. */
  constructor(private readonly adapter: () => GiosgBotAdapter) {}

  /** Posts into the chat; returns giosg's message id. Errors propagate. */
  async say(tenant: Tenant, chatId: string, m: BotSay): Promise<string> {
    let id = '';
    await this.adapter().continueConversation(referenceFor(tenant.id, tenant.giosgBotUserId, chatId), async (ctx) => {
      const res = await ctx.sendActivity({
        type: 'message',
        text: m.text,
        channelData: { quick_replies: (m.buttons ?? []).map((b) => ({ title: b.text, payload: b.value })) },
      });
      id = res?.id ?? '';
    });
    return id;
  }
}
