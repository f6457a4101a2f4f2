// Botkit adapter for giosg chats (a botbuilder BotAdapter, shaped like Botkit's own
// platform adapters). Incoming: a stored giosg event becomes an activity and runs a turn.
// Outgoing: each activity is POSTed to the chat as the bot user; quick replies become
// giosg buttons. Unlike Botkit's Facebook adapter, send errors are raised, never
// swallowed: the turn fails and the inbox retries it.
import { BotAdapter, TurnContext } from 'botbuilder';
import type { Activity, ConversationReference, ResourceResponse } from 'botbuilder';
import { MAX_CHAT_MESSAGE, type GiosgClient } from '../giosg/client';
import { activityFromEvent, buttonsOf, splitText, tenantOfChannel } from './adapter-activity';
import type { StoredBotEvent } from '../giosg/bot-event-schema';
import type { Tenant } from '../vault/tenants';

export interface GiosgAdapterDeps {
  tenant(tenantId: string): Promise<Tenant | null>;
  giosgFor(tenant: Tenant): GiosgClient;
}

export class GiosgAdapterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GiosgAdapterError';
  }
}

export class GiosgBotAdapter extends BotAdapter {
  /** Botkit registers its adapter as a plugin by this name. */
  readonly name = 'giosg adapter';

  constructor(private readonly deps: GiosgAdapterDeps) {
    super();
  }

  /** Runs one bot turn for an admin's message (`logic` is Botkit's handleTurn). */
  async processEvent(tenant: Tenant, event: StoredBotEvent, locale: string, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const context = new TurnContext(this, activityFromEvent(tenant.id, tenant.giosgBotUserId, event, locale));
    await this.runMiddleware(context, logic);
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const tenantId = tenantOfChannel(context.activity.channelId);
    if (!tenantId) throw new GiosgAdapterError(`not a giosg conversation (channelId ${String(context.activity.channelId)})`);
    const tenant = await this.deps.tenant(tenantId);
    if (!tenant) throw new GiosgAdapterError(`unknown tenant ${tenantId}`);
    const client = this.deps.giosgFor(tenant);
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      // Typing indicators and Botkit's delays have no giosg counterpart.
      if (activity.type !== 'message') {
        responses.push({ id: '' });
        continue;
      }
      const chatId = activity.conversation?.id ?? context.activity.conversation?.id;
      if (!chatId) throw new GiosgAdapterError('outgoing activity has no conversation id');
      const buttons = buttonsOf(activity);
      const parts = splitText(activity.text ?? '', MAX_CHAT_MESSAGE);
      let id = '';
      for (let i = 0; i < parts.length; i++) {
        const last = i === parts.length - 1;
        const posted = await client.postChatMessage(tenant.giosgBotUserId, chatId, { message: parts[i], buttons: last ? buttons : undefined });
        id = posted.id;
      }
      responses.push({ id });
    }
    return responses;
  }

  async updateActivity(): Promise<void> {
    throw new GiosgAdapterError('the giosg adapter cannot edit a sent chat message');
  }

  async deleteActivity(): Promise<void> {
    throw new GiosgAdapterError('the giosg adapter cannot delete a sent chat message');
  }

  /** Lets the bot speak first in a chat (alerts, confirmations after a swap). */
  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const request = TurnContext.applyConversationReference({ type: 'event', name: 'continueConversation' }, reference, true);
    const context = new TurnContext(this, request);
    await this.runMiddleware(context, logic);
  }
}
