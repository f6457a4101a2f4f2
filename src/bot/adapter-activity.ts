// Translation between giosg chat messages and Bot Framework activities. The tenant rides
// in channelId (`giosg:<tenant>`), the conversation is the giosg chat, the user the sender.
import type { Activity, ConversationReference } from 'botbuilder';
import type { ButtonAction } from '../giosg/client';
import type { StoredBotEvent } from '../giosg/bot-event-schema';

export const CHANNEL_PREFIX = 'giosg:';

export function channelIdFor(tenantId: string): string {
  return `${CHANNEL_PREFIX}${tenantId}`;
}

export function tenantOfChannel(channelId: string | undefined): string | null {
  if (!channelId || !channelId.startsWith(CHANNEL_PREFIX)) return null;
  const id = channelId.slice(CHANNEL_PREFIX.length);
  return id.length > 0 ? id : null;
}

export function conversationFor(chatId: string) {
  return { id: chatId, isGroup: false, conversationType: 'giosg-chat', name: '' };
}

/**
 * Where Botkit keeps dialog state for a chat: BotkitConversationState joins the
 * conversation's non-empty values (sorted by field name), then the user id.
 */
export function stateKeyPrefix(tenantId: string, chatId: string): string {
  const conv = conversationFor(chatId) as Record<string, unknown>;
  const joined = Object.keys(conv)
    .filter((k) => k !== 'properties')
    .sort()
    .map((k) => conv[k])
    .filter((v) => v !== '' && v !== null && v !== undefined)
    .join('-');
  return `${channelIdFor(tenantId)}/conversations/${joined}-`;
}

/** Extra fields Botkit copies from channelData onto the message handlers see. */
export interface GiosgChannelData {
  tenantId: string;
  locale: string;
  senderType: string;
  senderName: string | null;
  /** The button value when the admin pressed a button rather than typing. */
  button: string | null;
  tokenPasted: boolean;
}

export function activityFromEvent(tenantId: string, botUserId: string, e: StoredBotEvent, locale: string): Partial<Activity> {
  // A button press: its value is what the dialog matches on (giosg shows the label as text).
  const text = e.responseValue ?? e.text;
  const channelData: GiosgChannelData = {
    tenantId,
    locale,
    senderType: e.senderType,
    senderName: e.senderName,
    button: e.responseValue,
    tokenPasted: e.tokenPasted,
  };
  return {
    type: 'message',
    id: e.id,
    timestamp: e.createdAt ? new Date(e.createdAt) : new Date(),
    channelId: channelIdFor(tenantId),
    conversation: conversationFor(e.chatId),
    from: { id: e.senderId, name: e.senderName ?? '' },
    recipient: { id: botUserId, name: '' },
    text,
    value: e.responseValue ?? undefined,
    locale,
    channelData,
  };
}

export function referenceFor(tenantId: string, botUserId: string, chatId: string): Partial<ConversationReference> {
  return {
    channelId: channelIdFor(tenantId),
    conversation: conversationFor(chatId),
    bot: { id: botUserId, name: '' },
  };
}

interface QuickReply {
  title?: unknown;
  payload?: unknown;
}

/** Buttons of an outgoing activity: Botkit's quick_replies, or Bot Framework suggestedActions. */
export function buttonsOf(activity: Partial<Activity>): ButtonAction[] {
  const qr = (activity.channelData as { quick_replies?: QuickReply[] } | undefined)?.quick_replies;
  if (Array.isArray(qr) && qr.length > 0) {
    return qr.filter((q) => typeof q.title === 'string' && typeof q.payload === 'string').map((q) => ({ text: q.title as string, value: q.payload as string }));
  }
  const actions = activity.suggestedActions?.actions ?? [];
  return actions
    .map((a) => ({ text: String(a.title ?? a.value ?? ''), value: String(a.value ?? a.title ?? '') }))
    .filter((b) => b.text.length > 0 && b.value.length > 0);
}

/** giosg caps a chat message at 2000 characters: longer texts go out as several messages. */
export function splitText(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}
