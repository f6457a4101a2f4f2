// Who is talking to the bot in this turn, read from the activity our adapter built.
import type { BotWorker } from 'botkit';
import { tenantOfChannel } from './adapter-activity';

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

type MessageLike = { button?: unknown; value?: unknown; tokenPasted?: unknown; channelData?: { button?: unknown; tokenPasted?: unknown } };

// Botkit copies our channelData onto the message; inside a dialog handler the raw activity
// may arrive instead, with the same fields still under channelData.

/** The pressed button's value (see GiosgChannelData), or null for typed text. */
export function buttonOf(message: MessageLike): string | null {
  const b = message.button ?? message.channelData?.button;
  if (typeof b === 'string') return b;
  return typeof message.value === 'string' ? message.value : null;
}

/** The admin pasted something token-like (already scrubbed from the text). */
export function tokenPasted(message: MessageLike): boolean {
  return (message.tokenPasted ?? message.channelData?.tokenPasted) === true;
}
