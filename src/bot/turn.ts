// Who is talking to the bot in this turn, read from the activity our adapter built.
import type { BotWorker } from 'botkit';
import { tenantOfChannel } from '../giosg/adapter-activity';

export interface TurnInfo {
  tenantId: string;
  chatId: string;
  userId: string;
  senderType: string;
}

export function turnOf(bot: BotWorker): TurnInfo {
  const activity = bot.getConfig('context').activity;
  const tenantId = tenantOfChannel(activity.channelId);
  if (!tenantId) throw new Error(`bot turn outside a giosg conversation (channelId ${String(activity.channelId)})`);
  const cd = (activity.channelData ?? {}) as { senderType?: string };
  return { tenantId, chatId: activity.conversation.id, userId: activity.from.id, senderType: cd.senderType ?? 'user' };
}

/** Fields our adapter puts on every Botkit message (see GiosgChannelData). */
export function buttonOf(message: { button?: unknown; value?: unknown }): string | null {
  if (typeof message.button === 'string') return message.button;
  return typeof message.value === 'string' ? message.value : null;
}
