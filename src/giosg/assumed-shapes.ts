// ASSUMPTIONS. giosg has published the UMI register call but not the UMI message intake,
// the reply webhook body, a "start a chat as the bot user" call, or the list queries below. Until giosg confirms
// them, these are the shapes we assume (DESIGN.md section 5). Every assumed path and
// body lives in this file and nowhere else, so confirming them is a one-file change.
import { z } from 'zod';

export const ASSUMED_PATHS = {
  /** Send a customer's message into giosg; UMI creates or reuses the chat for thread_id. */
  umiIntake: (orgId: string, channelId: string) =>
    `/api/v5/orgs/${encodeURIComponent(orgId)}/unified_messaging/${encodeURIComponent(channelId)}/messages`,
  /** Open a new chat owned by the bot user (used to reach the admin team proactively). */
  createBotChat: (userId: string) => `/api/v5/users/${encodeURIComponent(userId)}/chats`,
  /**
   * giosg's Uploads API is public (docs.giosg.com, "Uploads API": POST an Upload resource,
   * then POST the file as form data to its signed `upload_url`); its collection path is not
   * shown there, so this one is assumed.
   */
  uploads: (orgId: string) => `/api/v5/orgs/${encodeURIComponent(orgId)}/uploads`,
};

/**
 * The client's look before retrying a POST whose answer was lost reads these lists: a
 * chat's messages newest first (giosg's lists are Django REST framework's, which take
 * `ordering`), and a chat's outgoing invitations (GET on the collection it POSTs to).
 */
export const ASSUMED_QUERIES = {
  newestMessagesFirst: 'ordering=-created_at&page_size=20',
};

const id = z.union([z.string(), z.number()]).transform(String);

export const messageList = z.object({
  results: z.array(
    z.object({ id, sender_id: z.union([z.string(), z.number()]).transform(String).nullish(), message: z.string().nullish(), created_at: z.string().optional() }).passthrough(),
  ),
});

export const invitationList = z.object({
  results: z.array(z.object({ id, invited_team_id: z.union([z.string(), z.number()]).transform(String) }).passthrough()),
});

/**
 * A file attached to a customer's message: an Upload (uploads API, documented attribute
 * names) referenced from UMI intake. UMI's docs say attachments need the full v5 API; how
 * an intake message carries one is assumed here.
 */
export const umiAttachment = z.object({
  upload_id: z.string(),
  file_name: z.string(),
  content_type: z.string(),
  file_size: z.number().int().nonnegative(),
  url: z.string(),
});
export type UmiAttachment = z.infer<typeof umiAttachment>;

export const umiIntakeRequest = z.object({
  thread_id: z.string(),
  text: z.string(),
  sender_name: z.string().optional(),
  external_message_id: z.string().optional(),
  attachments: z.array(umiAttachment).optional(),
});
export type UmiIntakeRequest = z.infer<typeof umiIntakeRequest>;

export const umiIntakeResponse = z
  .object({ id: z.union([z.string(), z.number()]).transform(String), chat_id: z.union([z.string(), z.number()]).transform(String).optional() })
  .passthrough();

export const createChatResponse = z.object({ id: z.union([z.string(), z.number()]).transform(String) }).passthrough();

/** An agent's attachment on a UMI reply (assumed: the Upload's download_url and attributes). */
export const replyAttachment = z.object({
  url: z.url(),
  file_name: z.string().optional(),
  original_file_name: z.string().optional(),
  content_type: z.string().optional(),
  file_size: z.number().int().nonnegative().optional(),
});
export type ReplyAttachment = z.infer<typeof replyAttachment>;

const replyMessage = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  // '' when the agent sent only a file.
  text: z.string(),
  attachments: z.array(replyAttachment).max(10).optional(),
  sender_type: z.string().optional(),
  sender_name: z.string().nullish(),
  created_at: z.string().optional(),
});

/** The reply webhook giosg calls when an agent answers a UMI chat. `message` may be a plain string. */
export const umiReplyWebhook = z.object({
  thread_id: z.string().min(1),
  chat_id: z.union([z.string(), z.number()]).transform(String).optional(),
  organization_id: z.string().optional(),
  channel_id: z.string().optional(),
  message: z.union([replyMessage, z.string()]),
});

/** Upload resource (docs.giosg.com Uploads API attribute names); upload_url's inner shape is assumed. */
export const uploadCreateRequest = z.object({
  original_file_name: z.string().min(1),
  file_size: z.number().int().nonnegative(),
  content_type: z.string().min(1),
  /** Base64 MD5 of the content, as the Uploads API asks. */
  file_hash: z.string().min(1),
});
export type UploadCreateRequest = z.infer<typeof uploadCreateRequest>;

export const uploadResource = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String),
    upload_url: z.object({ url: z.url(), fields: z.record(z.string(), z.string()).default({}) }).passthrough(),
    download_url: z.string().min(1),
  })
  .passthrough();
// ASSUMED (onboarding as a giosg App): giosg documents that a bot user's chat messages
// reach an app through a webhook subscription on the channel
// `/api/v5/users/{bot_user_id}/chats/*/messages`, but not the call that registers it from
// code. We assume an organization's webhook collection with DRF's usual shape, and that the
// UMI channel goes into the organization's first room when no room is chosen.
export const ASSUMED_APP_PATHS = {
  orgWebhooks: (orgId: string) => `/api/v5/orgs/${encodeURIComponent(orgId)}/webhooks`,
  orgRooms: (orgId: string) => `/api/v5/orgs/${encodeURIComponent(orgId)}/rooms`,
};

/** Inviting one user (the installing admin) into the bot's chat, like a team: `{invited_user_id}`. */
export const inviteUserBody = (userId: string) => ({ invited_user_id: userId });

export const webhookSubscriptionRequest = z.object({
  endpoint_url: z.string().url(),
  description: z.string(),
  subscriptions: z.array(z.object({ channel: z.string(), should_include_resource: z.boolean() })),
});
export type WebhookSubscriptionRequest = z.infer<typeof webhookSubscriptionRequest>;

export const webhookList = z.object({
  results: z.array(z.object({ id, endpoint_url: z.string() }).passthrough()),
});

export const roomList = z.object({
  results: z.array(z.object({ id, name: z.string().nullish() }).passthrough()),
});
