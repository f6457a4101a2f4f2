// Public shapes of the Graph API simulator, apart from its wiring so that routes, control
// API and tests can share them without importing each other.
import type { LoggedRequest } from './request-log';
import type { SentMedia, SimMediaKind, StoredMedia } from './graph-media';
import type { ReadMark } from './graph-read';
import type { SimTemplate } from './graph-templates';

export type { SentMedia, SimMediaKind, StoredMedia, ReadMark, SimTemplate };

export interface CustomerMediaInput {
  phoneNumberId: string;
  from: string;
  name?: string;
  id?: string;
  kind: SimMediaKind;
  /** An id from media.add (or any string, to test an unknown id). */
  mediaId: string;
  mimeType?: string;
  caption?: string;
  filename?: string;
  voice?: boolean;
}

export interface GraphMediaSim {
  byId: Map<string, StoredMedia>;
  /** Media messages the channel sent (their SentMessage is in `sent` too). */
  sent: SentMedia[];
  /** A file a customer "sends": real bytes, or a synthetic body of `size` bytes. */
  add(m: { mimeType: string; data?: Buffer; size?: number; seed?: number }): Promise<StoredMedia>;
  /** A messages webhook carrying that media, in Meta's shape. */
  customerMessage(m: CustomerMediaInput): object;
  /** The next n downloads of a media URL answer this HTTP status (401: an auth error on the download itself). */
  failDownloads(n: number, status: number): void;
}

export interface SimToken {
  token: string;
  appId: string;
  type?: 'SYSTEM_USER' | 'USER' | 'PAGE';
  scopes?: string[];
  /** WABA ids reported as target_ids of the WhatsApp scopes in granular_scopes. */
  targetIds?: string[];
  /** Unix seconds; 0 (default) = never. */
  expiresAt?: number;
  valid?: boolean;
  /** Phone number ids this token may use; omitted = all. */
  phoneAccess?: string[];
}

export interface SimPhone {
  id: string;
  wabaId: string;
  displayPhoneNumber: string;
  verifiedName: string;
  /** Registration and health fields of the phone number node; defaults: a healthy Cloud API number. */
  health?: Partial<SimPhoneHealth>;
}

export interface SimPhoneHealth {
  status: string;
  qualityRating: string;
  codeVerificationStatus: string;
  nameStatus: string;
  platformType: string;
}

export interface GraphSimOptions {
  port?: number;
  appId: string;
  appSecret: string;
  /** The app's name in subscribed_apps answers. */
  appName?: string;
  requireAppSecretProof?: boolean;
  /** Send `sent` then `delivered` status webhooks after each accepted message. */
  autoStatuses?: boolean;
  /** With autoStatuses, the customer also reads each message (a `read` status after `delivered`). */
  autoRead?: boolean;
  /** Waits between webhook attempts; default [1000, 5000, 30000]. */
  webhookRetryDelaysMs?: number[];
}

export type GraphMode = 'ok' | 'down' | '5xx' | 'slow' | 'timeout';

export interface MetaErrorSpec {
  httpStatus: number;
  code: number;
  subcode?: number;
  message?: string;
  type?: string;
}

export interface SentMessage {
  /** wamid */
  id: string;
  phoneNumberId: string;
  /** The phone number sent to, or the BSUID when the send named the customer by `recipient`. */
  to: string;
  /** Set when the send addressed a business-scoped user id (`recipient`) instead of a phone number. */
  recipient?: string;
  body: string;
  /** First 8 hex chars of sha256(token); the raw token is never kept here. */
  tokenFingerprint: string;
  at: number;
  /** Set for a template message: which one, with its body parameters (`body` is the rendered text). */
  template?: { name: string; language: string; params: string[] };
  /** Set for a media message: what was sent (its caption is `body`). */
  media?: { kind: SimMediaKind; mediaId?: string; mimeType?: string; filename?: string };
}

export type MessageType = 'text' | 'image' | 'audio' | 'document' | 'video' | 'location' | 'sticker';

export interface CustomerMessageInput {
  phoneNumberId: string;
  /** The customer's phone number; "" for a customer with a username who shares none. */
  from: string;
  /** The business-scoped user id (BSUID, e.g. "FI.6856184290916264"): sent as from_user_id / contacts[].user_id. */
  userId?: string;
  /** The customer's WhatsApp username (profile.username). */
  username?: string;
  name?: string;
  text?: string;
  id?: string;
  type?: MessageType;
  caption?: string;
}

export interface StatusUpdateInput {
  phoneNumberId: string;
  wamid: string;
  recipient: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  errors?: { code: number; title: string; message?: string }[];
}

export interface DeliveryResult {
  /** HTTP status of the last attempt; 0 when the connection failed. */
  status: number;
  attempts: number;
}

export interface GraphSim {
  /** e.g. http://127.0.0.1:PORT — clients append /v25.0/... */
  url: string;
  close(): Promise<void>;
  addToken(t: SimToken): void;
  /** Later use answers 190/463. */
  expireToken(token: string): void;
  /** Later use answers 190/467. */
  invalidateToken(token: string): void;
  removeScope(token: string, scope: string): void;
  /** Every later call with the token answers this Meta error (null heals it); 190s also in debug_token. */
  failToken(token: string, err: { code: number; subcode?: number; message?: string; httpStatus?: number } | null): void;
  addPhone(p: SimPhone): void;
  /** Changes a number's status fields (e.g. {qualityRating:'RED'}, {platformType:'NOT_APPLICABLE', status:'PENDING'}). */
  setPhoneHealth(phoneNumberId: string, h: Partial<SimPhoneHealth>): void;
  /** Apps subscribed to a WABA's webhooks. A WABA starts with this simulator's app subscribed. */
  subscribedApps(wabaId: string): string[];
  /** Removes an app (default: this simulator's) from a WABA's subscribed apps. */
  unsubscribeApp(wabaId: string, appId?: string): void;
  /** While true, POST /{waba-id}/subscribed_apps answers Meta's permission error (200). */
  refuseSubscribe(refuse: boolean): void;
  /** Our /webhooks/meta/:tenant URL. */
  setWebhookTarget(url: string): void;
  /** Signs with the app secret and retries any non-200 per webhookRetryDelaysMs, like Meta. */
  deliverWebhook(payload: object): Promise<DeliveryResult>;
  customerMessage(o: CustomerMessageInput): object;
  statusUpdate(o: StatusUpdateInput): object;
  accountUpdate(o: { wabaId: string; event: string }): object;
  sent: SentMessage[];
  /** Read marks (with or without typing) the business sent for customers' messages. */
  readMarks: ReadMark[];
  /** Every WABA's templates (live: tests may change a status or add one). Each phone's WABA starts with defaultTemplates(). */
  templates: SimTemplate[];
  /** Moves the customer's last message `ms` into the past (Meta refuses free-form messages 24 h after it). */
  ageCustomer(waId: string, ms: number): void;
  /** The customer opens the chat: a `read` status for every message sent to them not read yet. Returns how many. */
  customerReads(o: { phoneNumberId: string; waId: string }): Promise<number>;
  /** The next n sends fail with this Meta error. */
  failNext(n: number, err: MetaErrorSpec): void;
  setMode(mode: GraphMode, opts?: { latencyMs?: number }): void;
  /** Sends above this many per rolling second answer 130429; null = unlimited. */
  setThrottle(perSecond: number | null): void;
  requests: LoggedRequest[];
  /** Forget tokens, phones, sent messages, requests, injected faults and the webhook target. */
  reset(): void;
  media: GraphMediaSim;
}
