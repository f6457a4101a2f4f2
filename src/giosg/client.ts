// Typed REST client for giosg. Knows giosg's paths and bodies (the unpublished ones come
// from assumed-shapes.ts). The bot's calls retry 429 and 5xx, honouring Retry-After. UMI
// intake, the relay's one request per customer message, goes on the lean node:http
// transport without retries of its own: the relay queue retries it with backoff and
// Retry-After (axios cost 2–4× the CPU per request, on the loop that acknowledges webhooks).
import axios, { AxiosError, AxiosInstance } from 'axios';
import axiosRetry from 'axios-retry';
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { ASSUMED_PATHS, createChatResponse, UmiIntakeRequest, umiIntakeResponse } from './assumed-shapes';
import { requestJson, HttpTransportError } from '../http/json-request';

export interface GiosgClientOptions {
  baseUrl: string;
  apiToken: string;
  timeoutMs?: number;
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

const messageResource = z.object({ id: z.union([z.string(), z.number()]).transform(String) }).passthrough();
export const MAX_CHAT_MESSAGE = 2000;

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 32 }), https: new https.Agent({ keepAlive: true, maxSockets: 32 }) };

export class GiosgClient {
  private readonly http: AxiosInstance;
  private readonly baseUrl: string;
  private readonly authHeader: string;
  private readonly timeoutMs: number;

  constructor(o: GiosgClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.authHeader = `Token ${o.apiToken}`;
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.http = axios.create({
      baseURL: this.baseUrl,
      timeout: this.timeoutMs,
      httpAgent: agents.http,
      httpsAgent: agents.https,
      headers: { Authorization: `Token ${o.apiToken}`, 'Content-Type': 'application/json' },
      maxRedirects: 0,
    });
    const maxWait = o.maxRetryAfterMs ?? 30_000;
    axiosRetry(this.http, {
      retries: o.retries ?? 3,
      // POSTs are retried too: intake is idempotent on external_message_id and the
      // alternative (surfacing every blip) only moves the retry to our queue.
      retryCondition: (err) => {
        const s = err.response?.status;
        if (s === 429 || (s !== undefined && s >= 500)) return retryAfterMs(err) <= maxWait;
        return axiosRetry.isNetworkError(err) || err.code === 'ECONNABORTED';
      },
      retryDelay: (count, err) => {
        const ra = retryAfterMs(err);
        if (ra > 0) return ra;
        return Math.min(4000, 200 * 2 ** (count - 1)) * (0.5 + Math.random() / 2);
      },
      shouldResetTimeout: true,
    });
  }

  async umiSendMessage(orgId: string, channelId: string, body: UmiIntakeRequest): Promise<{ id: string; chatId?: string }> {
    const data = await this.callOnce('POST', ASSUMED_PATHS.umiIntake(orgId, channelId), body);
    const parsed = umiIntakeResponse.safeParse(data);
    if (!parsed.success) throw new GiosgError('unexpected UMI intake response', 'server');
    return { id: parsed.data.id, chatId: parsed.data.chat_id };
  }

  async registerUmiChannel(orgId: string, body: { name: string; messaging_channel: string; room_id: string; reply_webhook_url: string }) {
    const data = await this.call('post', `/api/v5/orgs/${encodeURIComponent(orgId)}/unified_messaging`, body);
    return messageResource.parse(data);
  }

  async postChatMessage(userId: string, chatId: string, input: ChatMessageInput): Promise<{ id: string }> {
    const body: Record<string, unknown> = { message: truncate(input.message, MAX_CHAT_MESSAGE) };
    if (input.buttons && input.buttons.length > 0) {
      body.attachments = [{ text: '', actions: input.buttons.map((b) => ({ text: b.text, type: 'button', value: b.value })) }];
    }
    const data = await this.call('post', `/api/v5/users/${encodeURIComponent(userId)}/chats/${encodeURIComponent(chatId)}/messages`, body);
    const parsed = messageResource.safeParse(data);
    if (!parsed.success) throw new GiosgError('unexpected chat message response', 'server');
    return { id: parsed.data.id };
  }

  async createChat(userId: string): Promise<{ id: string }> {
    const data = await this.call('post', ASSUMED_PATHS.createBotChat(userId), {});
    const parsed = createChatResponse.safeParse(data);
    if (!parsed.success) throw new GiosgError('unexpected create chat response', 'server');
    return { id: parsed.data.id };
  }

  async inviteTeam(userId: string, chatId: string, teamId: string): Promise<void> {
    await this.call('post', `/api/v5/users/${encodeURIComponent(userId)}/chats/${encodeURIComponent(chatId)}/outgoing_chat_invitations`, {
      invited_team_id: teamId,
    });
  }

  private async call(method: 'get' | 'post', url: string, data?: unknown): Promise<unknown> {
    try {
      const res = await this.http.request({ method, url, data });
      return res.data;
    } catch (err) {
      throw toGiosgError(err);
    }
  }

  /** One request, no retries (the caller's queue retries): for the relay's hot path. */
  private async callOnce(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let answer;
    try {
      answer = await requestJson({ method, url: `${this.baseUrl}${path}`, headers: { Authorization: this.authHeader }, body, timeoutMs: this.timeoutMs });
    } catch (err) {
      const code = err instanceof HttpTransportError ? err.code : undefined;
      throw new GiosgError(`giosg request failed (${code ?? 'network error'})`, 'network');
    }
    if (answer.status >= 200 && answer.status < 300) return answer.data;
    throw errorForStatus(answer.status, answer.headers['retry-after']);
  }
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function retryAfterMs(err: AxiosError): number {
  return parseRetryAfter(err.response?.headers?.['retry-after']);
}

function parseRetryAfter(h: unknown): number {
  if (h === undefined || h === null) return 0;
  const secs = Number(h);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(String(h));
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : 0;
}

function toGiosgError(err: unknown): GiosgError {
  const e = err as AxiosError;
  const status = e.response?.status;
  if (status === undefined) return new GiosgError(`giosg request failed (${e.code ?? 'network error'})`, 'network');
  return errorForStatus(status, e.response?.headers?.['retry-after']);
}

function errorForStatus(status: number, retryAfter: unknown): GiosgError {
  if (status === 401 || status === 403) return new GiosgError(`giosg rejected our credentials (HTTP ${status})`, 'auth', status);
  if (status === 429) return new GiosgError('giosg rate limited the request', 'rate_limited', status, parseRetryAfter(retryAfter));
  if (status >= 500) return new GiosgError(`giosg answered HTTP ${status}`, 'server', status);
  return new GiosgError(`giosg refused the request (HTTP ${status})`, 'client', status);
}
