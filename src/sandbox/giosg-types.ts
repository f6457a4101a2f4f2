// Public shapes of the giosg simulator. The UMI intake and reply-webhook shapes are our
// assumptions (DESIGN.md section 5) until giosg confirms them; the simulator follows them.
import type { LoggedRequest } from './request-log';

export interface GiosgSimOptions {
  port?: number;
  apiToken: string;
  orgId: string;
  botUserId: string;
  /** Bytes of uploaded files kept for showing (default 64 MB; 0 keeps only their hashes, for benchmarks). */
  keepUploadBytes?: number;
  /** The giosg App this simulator installs (see giosg-app.ts); without it there is no /identity/token. */
  app?: { appId: string; appSecret: string };
}

/** A file on a UMI message, as the intake received it (assumed shape, assumed-shapes.ts). */
export interface UmiMessageAttachment {
  upload_id: string;
  file_name: string;
  content_type: string;
  file_size: number;
  url: string;
}

export interface AgentAttachmentInput {
  fileName: string;
  contentType: string;
  data: Buffer;
}

export type GiosgMode = 'ok' | 'down' | '5xx' | '429' | '401';

export interface UmiChannel {
  id: string;
  name: string;
  room_id: string;
  /** Contains our ?secret=; never shown by the control API. */
  reply_webhook_url: string;
  messaging_channel?: string;
  /** The organization that registered it (an installed app's), default the simulator's own. */
  orgId?: string;
}

export interface UmiMessage {
  id: string;
  channelId: string;
  thread_id: string;
  chat_id: string;
  text: string;
  sender_name?: string;
  external_message_id?: string;
  attachments?: UmiMessageAttachment[];
  at: number;
}

/** A message the API client (the bot user) posted into a chat. */
export interface ChatMessage {
  id: string;
  userId: string;
  chatId: string;
  message: string;
  attachments?: unknown[];
  at: number;
}

export interface SimChat {
  id: string;
  created_at: string;
  invitedTeams: string[];
  /** Users invited one by one (the installing admin into the setup chat). */
  invitedUsers?: string[];
  invitations: { id: string; chat_id: string; invited_team_id?: string; invited_user_id?: string; created_at: string }[];
  room_id: string;
  /** Set for chats UMI opened for a customer thread. */
  umiChannelId?: string;
  threadId?: string;
}

/** giosg's chat message resource, as listed by the API and carried in webhooks. */
export interface MessageResource {
  id: string;
  type: string;
  chat_id: string;
  room_id: string;
  created_at: string;
  sender_type: 'user' | 'visitor' | 'rule';
  sender_id: string;
  sender_name: string;
  message: string;
  attachments: unknown[];
  response_value: string | null;
  language?: string;
}

export interface AdminSaysInput {
  chatId: string;
  text?: string;
  responseValue?: string;
  senderId?: string;
  senderName?: string;
  language?: string;
  type?: string;
  /** Reuse an id to replay a delivery (dedupe tests). */
  resourceId?: string;
}

export interface GiosgSim {
  url: string;
  close(): Promise<void>;
  umiChannels: UmiChannel[];
  addUmiChannel(c: { id: string; reply_webhook_url: string; name?: string; room_id?: string }): void;
  umiMessages: UmiMessage[];
  /** POSTs the assumed reply-webhook body to the channel's reply_webhook_url. */
  agentReply(o: { channelId: string; threadId: string; text: string; messageId?: string; attachments?: AgentAttachmentInput[] }): Promise<{ status: number }>;
  /** Uploads (the Uploads API): the channel's customer files and agents' attachments. */
  uploads: Map<string, import('./giosg-uploads').SimUpload>;
  /** A finished upload (an agent's file) and its signed download URL. */
  putUpload(fileName: string, contentType: string, data: Buffer): { id: string; downloadUrl: string };
  chatMessages: ChatMessage[];
  /** What admins said to the bot through adminSays (not part of chatMessages). */
  adminMessages: MessageResource[];
  chats: SimChat[];
  /** Our /webhooks/giosg/:tenant?secret=... URL. */
  setBotWebhook(url: string): void;
  adminSays(o: AdminSaysInput): Promise<{ status: number; resourceId: string }>;
  setMode(mode: GiosgMode, opts?: { retryAfterSec?: number }): void;
  /** The next n API requests answer this HTTP status. */
  failNext(n: number, status: number): void;
  /**
   * The next n POSTs are carried out, then their answer is lost: the connection drops
   * ('drop') or a 5xx comes back. What a timeout after giosg did the work looks like.
   */
  loseNextAnswers(n: number, how: 'drop' | number): void;
  requests: LoggedRequest[];
  /** Forget channels, chats, messages, requests, faults and the bot webhook. */
  reset(): void;
  /** giosg's App install flow (needs options.app). */
  app: {
    orgs: import('./giosg-app').AppOrg[];
    subscriptions: import('./giosg-app').WebhookSub[];
    setTriggerUrl(url: string): void;
    installForNewOrg(o?: { orgId?: string; name?: string; installerUserId?: string }): Promise<{ org: import('./giosg-app').AppOrg; answer: import('./giosg-app').TriggerAnswer; data: string }>;
    uninstall(orgId: string): Promise<import('./giosg-app').TriggerAnswer>;
    sign(claims: import('./giosg-app').TriggerClaimsInput, o?: { expiresInS?: number; secret?: string }): Promise<string>;
    open(params: Record<string, string>): Promise<import('./giosg-app').TriggerAnswer>;
    /** The installing admin writes in a chat of that organization's bot. */
    adminSays(orgId: string, input: Omit<AdminSaysInput, 'senderId'>): Promise<{ status: number; resourceId: string }>;
  };
}
