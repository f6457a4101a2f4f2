// The only code that knows the Graph API's HTTP shapes. Tokens are passed in per call
// (read from the vault on every send) and never kept, logged or put in a URL.
// HTTP goes through http/json-request.ts (node:http; why not axios: see there).
import { recipientFields } from './customer-address';
import { requestJson, HttpTransportError, type HttpAnswer } from '../http/json-request';
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { GraphError } from './graph-errors';

export interface GraphClientOptions {
  baseUrl: string;
  version: string;
  timeoutMs?: number;
}

const errorBody = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    error_data: z.object({ details: z.string().optional() }).passthrough().optional(),
    fbtrace_id: z.string().optional(),
  }).passthrough(),
});

const sendResponse = z.object({
  messages: z.array(z.object({ id: z.string() }).passthrough()).min(1),
}).passthrough();

const templateComponent = z
  .object({
    type: z.string(),
    format: z.string().optional(),
    text: z.string().optional(),
  })
  .passthrough();
const metaTemplate = z
  .object({
    id: z.string().optional(),
    name: z.string(),
    language: z.string(),
    status: z.string(),
    category: z.string().optional(),
    components: z.array(templateComponent).default([]),
  })
  .passthrough();
export type MetaTemplate = z.infer<typeof metaTemplate>;
const templatesPage = z
  .object({
    data: z.array(metaTemplate),
    paging: z.object({ cursors: z.object({ before: z.string().optional(), after: z.string().optional() }).optional(), next: z.string().optional() }).optional(),
  })
  .passthrough();

const readResponse = z.object({ success: z.literal(true) }).passthrough();

const debugTokenResponse = z.object({
  data: z.object({
    is_valid: z.boolean(),
    app_id: z.string().optional(),
    type: z.string().optional(),
    application: z.string().optional(),
    expires_at: z.number().optional(),
    data_access_expires_at: z.number().optional(),
    scopes: z.array(z.string()).optional(),
    granular_scopes: z.array(z.object({ scope: z.string(), target_ids: z.array(z.string()).optional() }).passthrough()).optional(),
    user_id: z.string().optional(),
    error: z.object({ code: z.number().optional(), message: z.string().optional(), subcode: z.number().optional() }).passthrough().optional(),
  }).passthrough(),
});
export type DebugTokenData = z.infer<typeof debugTokenResponse>['data'];

const phoneResponse = z.object({
  id: z.string().optional(),
  display_phone_number: z.string().optional(),
  verified_name: z.string().optional(),
  status: z.string().optional(),
}).passthrough();
export type PhoneInfo = z.infer<typeof phoneResponse>;

// GET /{waba-id}/subscribed_apps: the apps that get this WABA's webhooks.
const subscribedAppsResponse = z.object({
  data: z.array(z.object({ whatsapp_business_api_data: z.object({ id: z.string(), name: z.string().optional(), link: z.string().optional() }).passthrough() }).passthrough()),
}).passthrough();
export interface SubscribedApp {
  id: string;
  name: string | null;
}

const wabaPhonesResponse = z.object({ data: z.array(z.object({ id: z.string() }).passthrough()) }).passthrough();

const successResponse = z.object({ success: z.boolean() }).passthrough();

/** The phone number node's registration and health fields (WhatsApp Cloud API, phone number reference). */
export const PHONE_HEALTH_FIELDS = 'display_phone_number,verified_name,status,quality_rating,code_verification_status,name_status,platform_type';
const phoneHealthResponse = z.object({
  id: z.string().optional(),
  display_phone_number: z.string().optional(),
  verified_name: z.string().optional(),
  status: z.string().optional(),
  quality_rating: z.string().optional(),
  code_verification_status: z.string().optional(),
  name_status: z.string().optional(),
  platform_type: z.string().optional(),
}).passthrough();
export type PhoneHealth = z.infer<typeof phoneHealthResponse>;

export function appSecretProof(token: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(token).digest('hex');
}

export class GraphClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(o: GraphClientOptions) {
    this.base = `${o.baseUrl.replace(/\/+$/, '')}/${o.version}`;
    this.timeoutMs = o.timeoutMs ?? 10_000;
  }

  async sendText(p: { phoneNumberId: string; token: string; appSecret: string; to: string; body: string }): Promise<{ wamid: string }> {
    const res = await this.request('post', `/${encodeURIComponent(p.phoneNumberId)}/messages`, p.token, p.appSecret, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      ...recipientFields(p.to),
      type: 'text',
      text: { body: p.body, preview_url: false },
    });
    const parsed = sendResponse.safeParse(res);
    if (!parsed.success) throw new GraphError('unexpected send response from Graph API', 200, undefined, undefined, undefined, undefined);
    return { wamid: parsed.data.messages[0].id };
  }

  /**
   * Sends an approved message template (the only message Meta lets through outside the
   * customer's 24-hour window), its body parameters as text in order.
   */
  async sendTemplate(p: { phoneNumberId: string; token: string; appSecret: string; to: string; name: string; language: string; bodyParams: string[] }): Promise<{ wamid: string }> {
    const res = await this.request('post', `/${encodeURIComponent(p.phoneNumberId)}/messages`, p.token, p.appSecret, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      ...recipientFields(p.to),
      type: 'template',
      template: {
        name: p.name,
        language: { code: p.language },
        ...(p.bodyParams.length > 0 ? { components: [{ type: 'body', parameters: p.bodyParams.map((text) => ({ type: 'text', text })) }] } : {}),
      },
    });
    const parsed = sendResponse.safeParse(res);
    if (!parsed.success) throw new GraphError('unexpected send response from Graph API', 200, undefined, undefined, undefined, undefined);
    return { wamid: parsed.data.messages[0].id };
  }

  /**
   * One page of the WABA's message templates (`GET /{waba-id}/message_templates`); `after`
   * is the cursor Meta returned for the next page.
   */
  async listTemplates(p: { wabaId: string; token: string; appSecret: string; after?: string; limit?: number }): Promise<{ templates: MetaTemplate[]; after: string | null }> {
    const res = await this.request('get', `/${encodeURIComponent(p.wabaId)}/message_templates`, p.token, p.appSecret, undefined, {
      fields: 'name,language,status,category,components',
      limit: String(p.limit ?? 100),
      ...(p.after ? { after: p.after } : {}),
    });
    const parsed = templatesPage.safeParse(res);
    if (!parsed.success) throw new GraphError('unexpected message_templates response from Graph API', 200, undefined, undefined, undefined, undefined);
    const next = parsed.data.paging?.next ? (parsed.data.paging.cursors?.after ?? null) : null;
    return { templates: parsed.data.data, after: next };
  }

  /**
   * Marks a customer's message (and every earlier one) read, so they see blue ticks, and with
   * `typing` shows "typing…" until our next message or for 25 s, as Meta documents for the
   * read status. A short timeout of its own: it comes just before a reply and must not use up
   * the reply's lease.
   */
  async markRead(p: { phoneNumberId: string; token: string; appSecret: string; messageId: string; typing: boolean; timeoutMs?: number }): Promise<void> {
    const res = await this.request(
      'post',
      `/${encodeURIComponent(p.phoneNumberId)}/messages`,
      p.token,
      p.appSecret,
      { messaging_product: 'whatsapp', status: 'read', message_id: p.messageId, ...(p.typing ? { typing_indicator: { type: 'text' } } : {}) },
      undefined,
      p.timeoutMs,
    );
    if (!readResponse.safeParse(res).success) throw new GraphError('unexpected read-status response from Graph API', 200, undefined, undefined, undefined, undefined);
  }

  /** Introspects a token with the app token (app id|secret), as Meta documents for debug_token. */
  async debugToken(p: { inputToken: string; appId: string; appSecret: string }): Promise<DebugTokenData> {
    const res = await this.http('GET', '/debug_token', { input_token: p.inputToken, access_token: `${p.appId}|${p.appSecret}` });
    if (res.status >= 400) throw fromErrorBody(res.status, res.data);
    const parsed = debugTokenResponse.safeParse(res.data);
    if (!parsed.success) throw new GraphError('unexpected debug_token response', res.status, undefined, undefined, undefined, undefined);
    return parsed.data.data;
  }

  async probePhone(p: { phoneNumberId: string; token: string; appSecret: string }): Promise<PhoneInfo> {
    const res = await this.request('get', `/${encodeURIComponent(p.phoneNumberId)}`, p.token, p.appSecret, undefined, {
      fields: 'display_phone_number,verified_name,status',
    });
    const parsed = phoneResponse.safeParse(res);
    if (!parsed.success) throw new GraphError('unexpected phone number response', 200, undefined, undefined, undefined, undefined);
    return parsed.data;
  }

  async subscribedApps(p: { wabaId: string; token: string; appSecret: string }): Promise<SubscribedApp[]> {
    const res = await this.request('get', `/${encodeURIComponent(p.wabaId)}/subscribed_apps`, p.token, p.appSecret);
    const parsed = subscribedAppsResponse.safeParse(res);
    if (!parsed.success) throw new GraphError('unexpected subscribed_apps response', 200, undefined, undefined, undefined, undefined);
    return parsed.data.data.map((d) => ({ id: d.whatsapp_business_api_data.id, name: d.whatsapp_business_api_data.name ?? null }));
  }

  /** Subscribes the token's app to the WABA's webhooks (POST /{waba-id}/subscribed_apps). */
  async subscribeApp(p: { wabaId: string; token: string; appSecret: string }): Promise<boolean> {
    const res = await this.request('post', `/${encodeURIComponent(p.wabaId)}/subscribed_apps`, p.token, p.appSecret, {});
    const parsed = successResponse.safeParse(res);
    return parsed.success && parsed.data.success;
  }

  /** The ids of the WABA's phone numbers (GET /{waba-id}/phone_numbers, first page: a WABA has a handful). */
  async wabaPhoneNumberIds(p: { wabaId: string; token: string; appSecret: string }): Promise<string[]> {
    const res = await this.request('get', `/${encodeURIComponent(p.wabaId)}/phone_numbers`, p.token, p.appSecret, undefined, { fields: 'id,display_phone_number', limit: '100' });
    const parsed = wabaPhonesResponse.safeParse(res);
    if (!parsed.success) throw new GraphError('unexpected phone_numbers response', 200, undefined, undefined, undefined, undefined);
    return parsed.data.data.map((d) => d.id);
  }

  async phoneHealth(p: { phoneNumberId: string; token: string; appSecret: string }): Promise<PhoneHealth> {
    const res = await this.request('get', `/${encodeURIComponent(p.phoneNumberId)}`, p.token, p.appSecret, undefined, { fields: PHONE_HEALTH_FIELDS });
    const parsed = phoneHealthResponse.safeParse(res);
    if (!parsed.success) throw new GraphError('unexpected phone number response', 200, undefined, undefined, undefined, undefined);
    return parsed.data;
  }

  private async request(method: 'get' | 'post', path: string, token: string, appSecret: string, body?: unknown, params?: Record<string, string>, timeoutMs?: number) {
    const res = await this.http(method === 'get' ? 'GET' : 'POST', path, { ...params, appsecret_proof: appSecretProof(token, appSecret) }, { Authorization: `Bearer ${token}` }, body, timeoutMs);
    if (res.status >= 400 || (res.data && typeof res.data === 'object' && 'error' in res.data)) throw fromErrorBody(res.status, res.data);
    return res.data as unknown;
  }

  /** One request; every status is returned for the caller to classify. Only transport failures throw. */
  private async http(method: 'GET' | 'POST', path: string, query: Record<string, string>, headers: Record<string, string> = {}, body?: unknown, timeoutMs?: number): Promise<HttpAnswer> {
    try {
      return await requestJson({ method, url: `${this.base}${path}?${new URLSearchParams(query).toString()}`, headers, body, timeoutMs: timeoutMs ?? this.timeoutMs });
    } catch (err) {
      throw transportError(err);
    }
  }
}

export function fromErrorBody(status: number, data: unknown): GraphError {
  const parsed = errorBody.safeParse(data);
  if (!parsed.success) return new GraphError(`Graph API answered HTTP ${status}`, status, undefined, undefined, undefined, undefined);
  const e = parsed.data.error;
  return new GraphError(e.message ?? `Graph API answered HTTP ${status}`, status, e.code, e.error_subcode, e.error_data?.details, e.fbtrace_id);
}

export function transportError(err: unknown): GraphError {
  const e = err as HttpTransportError;
  const what = e instanceof HttpTransportError && e.timedOut ? 'timed out' : `failed (${e?.code ?? 'network error'})`;
  // No status and no code: classified transient.
  return new GraphError(`Graph API request ${what}`, undefined, undefined, undefined, undefined, undefined);
}
