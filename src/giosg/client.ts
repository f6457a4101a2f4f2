// Typed REST client for giosg: giosg's paths and bodies (the unpublished ones come from
// assumed-shapes.ts) over one transport, src/http/json-request.ts.
//
// Retries never create a second chat message, chat or invitation:
// - a POST is retried only when giosg provably did not act on it: a 429 (its throttle
//   answers before the view runs) or a connection that was never made;
// - after an ambiguous failure (a timeout, a dropped connection, a 5xx: giosg may have done
//   the work) a chat message or invitation is looked up first and retried only when it is
//   not there; a chat is not retried at all (nothing tells our chat from another; a chat
//   nobody was invited to is seen by nobody, and the caller's next attempt opens another);
// - UMI intake is not retried here: the relay queue retries it, and giosg dedupes it on
//   external_message_id;
// - GETs are retried on 429, 5xx and network errors.
import { z } from 'zod';
import {
  ASSUMED_APP_PATHS,
  inviteUserBody,
  roomList,
  webhookList,
  type WebhookSubscriptionRequest,
  ASSUMED_PATHS,
  ASSUMED_QUERIES,
  createChatResponse,
  invitationList,
  messageList,
  UmiIntakeRequest,
  umiIntakeResponse,
} from './assumed-shapes';
import { requestJson, HttpTransportError } from '../http/json-request';

export interface GiosgClientOptions {
  baseUrl: string;
  apiToken: string;
  timeoutMs?: number;
  /** Further attempts after the first, where a retry is safe (see above). */
  retries?: number;
  /** Upper bound for one Retry-After wait; longer waits surface as an error so the caller's queue retries later. */
  maxRetryAfterMs?: number;
}

export type GiosgErrorKind = 'auth' | 'rate_limited' | 'server' | 'network' | 'client';

export class GiosgError extends Error {
  constructor(
    message: string,
    readonly kind: GiosgErrorKind,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** giosg may have carried the request out although we got no answer saying so. */
    readonly maybeDone = false,
  ) {
    super(message);
    this.name = 'GiosgError';
  }
}

export interface ButtonAction {
  text: string;
  value: string;
}

export interface ChatMessageInput {
  message: string;
  buttons?: ButtonAction[];
}

const umiChannelList = z.object({
  results: z.array(z.object({ id: z.union([z.string(), z.number()]).transform(String), reply_webhook_url: z.string() }).passthrough()),
});

const userInvitationList = z.object({
  results: z.array(z.object({ invited_user_id: z.union([z.string(), z.number()]).transform(String).nullish() }).passthrough()),
});

const messageResource = z.object({ id: z.union([z.string(), z.number()]).transform(String) }).passthrough();
export const MAX_CHAT_MESSAGE = 2000;

/** The request never reached giosg: nothing can have happened. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
/** Our message may be listed a little before the moment we sent it, by the two clocks' skew. */
const LOOKUP_SKEW_MS = 60_000;

type Method = 'GET' | 'POST';

export class GiosgClient {
  private readonly baseUrl: string;
  private readonly authHeader: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxRetryAfterMs: number;

  constructor(o: GiosgClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.authHeader = `Token ${o.apiToken}`;
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.retries = o.retries ?? 3;
    this.maxRetryAfterMs = o.maxRetryAfterMs ?? 30_000;
  }

  async umiSendMessage(orgId: string, channelId: string, body: UmiIntakeRequest): Promise<{ id: string; chatId?: string }> {
    const data = await this.once('POST', ASSUMED_PATHS.umiIntake(orgId, channelId), body);
    const parsed = umiIntakeResponse.safeParse(data);
    if (!parsed.success) throw new GiosgError('unexpected UMI intake response', 'server');
    return { id: parsed.data.id, chatId: parsed.data.chat_id };
  }

  async postChatMessage(userId: string, chatId: string, input: ChatMessageInput): Promise<{ id: string }> {
    const message = truncate(input.message, MAX_CHAT_MESSAGE);
    const body: Record<string, unknown> = { message };
    if (input.buttons && input.buttons.length > 0) {
      body.attachments = [{ text: '', actions: input.buttons.map((b) => ({ text: b.text, type: 'button', value: b.value })) }];
    }
    const path = `${chatPath(userId, chatId)}/messages`;
    const since = Date.now() - LOOKUP_SKEW_MS;
    const data = await this.post(path, body, async () => {
      const listed = messageList.safeParse(await this.get(`${path}?${ASSUMED_QUERIES.newestMessagesFirst}`));
      if (!listed.success) return undefined;
      return listed.data.results.find(
        (m) => m.sender_id === userId && m.message === message && (m.created_at === undefined || Date.parse(m.created_at) >= since),
      );
    });
    const parsed = messageResource.safeParse(data);
    if (!parsed.success) throw new GiosgError('unexpected chat message response', 'server');
    return { id: parsed.data.id };
  }

  async createChat(userId: string): Promise<{ id: string }> {
    const data = await this.post(ASSUMED_PATHS.createBotChat(userId), {}, null);
    const parsed = createChatResponse.safeParse(data);
    if (!parsed.success) throw new GiosgError('unexpected create chat response', 'server');
    return { id: parsed.data.id };
  }

  async inviteTeam(userId: string, chatId: string, teamId: string): Promise<void> {
    const path = `${chatPath(userId, chatId)}/outgoing_chat_invitations`;
    await this.post(path, { invited_team_id: teamId }, async () => {
      const listed = invitationList.safeParse(await this.get(path));
      return listed.success ? listed.data.results.find((i) => i.invited_team_id === teamId) : undefined;
    });
  }

  async inviteUser(botUserId: string, chatId: string, userId: string): Promise<void> {
    const path = `${chatPath(botUserId, chatId)}/outgoing_chat_invitations`;
    await this.post(path, inviteUserBody(userId), async () => {
      const listed = userInvitationList.safeParse(await this.get(path));
      return listed.success ? listed.data.results.find((i) => i.invited_user_id === userId) : undefined;
    });
  }

  /**
   * Subscribes an endpoint to giosg's webhooks. Looked up first and after a lost answer by
   * its URL, so a repeated install never registers a second subscription.
   */
  async subscribeWebhook(orgId: string, body: WebhookSubscriptionRequest): Promise<{ id: string; created: boolean }> {
    const path = ASSUMED_APP_PATHS.orgWebhooks(orgId);
    const find = async () => {
      const listed = webhookList.safeParse(await this.get(path));
      return listed.success ? listed.data.results.find((w) => w.endpoint_url === body.endpoint_url) : undefined;
    };
    const existing = await find();
    if (existing) return { id: existing.id, created: false };
    const parsed = messageResource.safeParse(await this.post(path, body, find));
    if (!parsed.success) throw new GiosgError('unexpected webhook subscription response', 'server');
    return { id: parsed.data.id, created: true };
  }

  /** Registers a UMI channel (giosg's public register call), reusing one with the same reply URL. */
  async registerUmiChannel(orgId: string, body: { name: string; messaging_channel: string; room_id: string; reply_webhook_url: string }): Promise<{ id: string; created: boolean }> {
    const path = `/api/v5/orgs/${encodeURIComponent(orgId)}/unified_messaging`;
    const find = async () => {
      const listed = umiChannelList.safeParse(await this.get(path));
      return listed.success ? listed.data.results.find((c) => c.reply_webhook_url === body.reply_webhook_url) : undefined;
    };
    const existing = await find();
    if (existing) return { id: existing.id, created: false };
    const parsed = messageResource.safeParse(await this.post(path, body, find));
    if (!parsed.success) throw new GiosgError('unexpected UMI register response', 'server');
    return { id: parsed.data.id, created: true };
  }

  async firstRoomId(orgId: string): Promise<string | null> {
    const listed = roomList.safeParse(await this.get(ASSUMED_APP_PATHS.orgRooms(orgId)));
    if (!listed.success) throw new GiosgError('unexpected room list response', 'server');
    return listed.data.results[0]?.id ?? null;
  }

  /**
   * A POST, retried only where that cannot do the work twice. `lookup` finds the result of
   * an attempt whose answer was lost; null means there is no way to look (no retry then).
   */
  private async post(path: string, body: unknown, lookup: (() => Promise<unknown>) | null): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once('POST', path, body);
      } catch (err) {
        if (!(err instanceof GiosgError)) throw err;
        if (err.maybeDone) {
          if (lookup === null) throw err;
          // If the lookup fails too we cannot know: surfacing the error is the safe answer.
          const found = await lookup().catch(() => {
            throw err;
          });
          if (found !== undefined) return found;
        } else if (!this.provablyNotDone(err)) {
          throw err;
        }
        if (attempt >= this.retries) throw err;
        await sleep(this.delay(err, attempt));
      }
    }
  }

  private async get(path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once('GET', path);
      } catch (err) {
        if (!(err instanceof GiosgError) || attempt >= this.retries) throw err;
        if (!(err.kind === 'network' || err.kind === 'server' || this.provablyNotDone(err))) throw err;
        await sleep(this.delay(err, attempt));
      }
    }
  }

  private provablyNotDone(err: GiosgError): boolean {
    if (err.kind === 'rate_limited') return (err.retryAfterMs ?? 0) <= this.maxRetryAfterMs;
    return err.kind === 'network' && !err.maybeDone;
  }

  private delay(err: GiosgError, attempt: number): number {
    if (err.retryAfterMs && err.retryAfterMs > 0) return err.retryAfterMs;
    return Math.min(4000, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);
  }

  private async once(method: Method, path: string, body?: unknown): Promise<unknown> {
    let answer;
    try {
      answer = await requestJson({ method, url: `${this.baseUrl}${path}`, headers: { Authorization: this.authHeader }, body, timeoutMs: this.timeoutMs });
    } catch (err) {
      // Only the code travels on: the request (with its Authorization header) is never attached.
      const code = err instanceof HttpTransportError ? err.code : undefined;
      const maybeDone = method === 'POST' && !(code !== undefined && NEVER_CONNECTED.has(code));
      throw new GiosgError(`giosg request failed (${code ?? 'network error'})`, 'network', undefined, undefined, maybeDone);
    }
    if (answer.status >= 200 && answer.status < 300) return answer.data;
    throw errorForStatus(answer.status, answer.headers['retry-after'], method);
  }
}

function chatPath(userId: string, chatId: string): string {
  return `/api/v5/users/${encodeURIComponent(userId)}/chats/${encodeURIComponent(chatId)}`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function parseRetryAfter(h: unknown): number {
  if (h === undefined || h === null) return 0;
  const secs = Number(h);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(String(h));
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : 0;
}

export function errorForStatus(status: number, retryAfter: unknown, method: Method): GiosgError {
  if (status === 401 || status === 403) return new GiosgError(`giosg rejected our credentials (HTTP ${status})`, 'auth', status);
  if (status === 429) return new GiosgError('giosg rate limited the request', 'rate_limited', status, parseRetryAfter(retryAfter));
  // A 5xx may come from a proxy after giosg did the work.
  if (status >= 500) return new GiosgError(`giosg answered HTTP ${status}`, 'server', status, undefined, method === 'POST');
  return new GiosgError(`giosg refused the request (HTTP ${status})`, 'client', status);
}
