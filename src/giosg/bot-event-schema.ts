// giosg's chat webhook for the bot user (DESIGN.md section 5, public shape):
// {channel, action: added|changed|removed, resource_id, resource, app_user_auth?}.
// The envelope is parsed first: only `added` events carry a message we must understand.
import { z } from 'zod';

const idish = z.union([z.string().min(1), z.number()]).transform(String);

export const giosgChatEventEnvelope = z.object({
  channel: z.string().min(1),
  action: z.string().min(1),
  resource_id: idish,
  resource: z.unknown().optional(),
  app_user_auth: z.unknown().optional(),
});

export const giosgChatMessage = z.looseObject({
  id: idish,
  type: z.string().min(1),
  chat_id: idish,
  room_id: idish.nullish(),
  created_at: z.string().nullish(),
  sender_type: z.string().nullish(),
  sender_id: idish.nullish(),
  sender_name: z.string().nullish(),
  message: z.string().nullish(),
  attachments: z.array(z.unknown()).nullish(),
  response_value: z.string().nullish(),
  /** Not documented by giosg for every payload; used for the admin's language when present. */
  language: z.string().nullish(),
});

/** What the bot keeps of an event until its turn has run (after token scrubbing). */
export const storedBotEvent = z.object({
  id: z.string(),
  chatId: z.string(),
  senderId: z.string(),
  senderName: z.string().nullable(),
  senderType: z.string(),
  text: z.string(),
  responseValue: z.string().nullable(),
  language: z.string().nullable(),
  tokenPasted: z.boolean(),
  createdAt: z.string().nullable(),
});
export type StoredBotEvent = z.infer<typeof storedBotEvent>;
