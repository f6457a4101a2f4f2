// The giosg App side of the simulator: what giosg does when an organization installs or
// uninstalls our app. It mints a bot user and a single-use app_user_code, opens our
// trigger URL with a `data` JWT signed HS256 with the app secret (as giosg does), answers
// /identity/token with a persistent token for that bot user, and keeps the organizations'
// webhook subscriptions and rooms (assumed shapes, src/giosg/assumed-shapes.ts).
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import express, { Router, type Request, type Response } from 'express';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { GiosgState } from './giosg-state';

export interface AppPrincipal {
  orgId: string;
  botUserId: string;
}

export interface AppOrg {
  orgId: string;
  name: string;
  botUserId: string;
  installerUserId: string;
  roomId: string;
  installed: boolean;
}

export interface WebhookSub {
  id: string;
  orgId: string;
  endpoint_url: string;
  subscriptions: { channel: string; should_include_resource: boolean }[];
}

export interface TriggerAnswer {
  status: number;
  location?: string;
  body: unknown;
}

/** The simulator's app world; lives on GiosgState so reset() can clear it. */
export class AppWorld {
  readonly orgs: AppOrg[] = [];
  readonly subs: WebhookSub[] = [];
  /** Persistent bot tokens handed out by /identity/token. */
  readonly tokens = new Map<string, AppPrincipal>();
  readonly codes = new Map<string, AppPrincipal & { used: boolean }>();
  triggerUrl: string | undefined;

  reset(): void {
    this.orgs.length = 0;
    this.subs.length = 0;
    this.tokens.clear();
    this.codes.clear();
    this.triggerUrl = undefined;
  }
}

const tokenForm = z.object({ grant_type: z.literal('authorization_code'), code: z.string().min(1), client_id: z.string().min(1), client_secret: z.string().min(1) });
const subBody = z.object({
  endpoint_url: z.url(),
  description: z.string().optional(),
  subscriptions: z.array(z.object({ channel: z.string().min(1), should_include_resource: z.boolean().optional() })).min(1),
});

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** POST /identity/token (form-encoded, before the API's token check). */
export function identityRouter(state: GiosgState, app: { appId: string; appSecret: string } | undefined): Router {
  const r = Router();
  r.post('/identity/token', express.urlencoded({ extended: false }), (req: Request, res: Response) => {
    const f = tokenForm.safeParse(req.body);
    if (!f.success) return void res.status(400).json({ error: 'invalid_request', error_description: 'grant_type, code, client_id and client_secret are required' });
    if (!app || f.data.client_id !== app.appId || !same(f.data.client_secret, app.appSecret)) {
      return void res.status(400).json({ error: 'invalid_client', error_description: 'Client authentication failed.' });
    }
    const code = state.app.codes.get(f.data.code);
    if (!code || code.used) return void res.status(400).json({ error: 'invalid_grant', error_description: 'Invalid or used code.' });
    code.used = true;
    const token = `giosg-bot-${randomBytes(24).toString('base64url')}`;
    state.app.tokens.set(token, { orgId: code.orgId, botUserId: code.botUserId });
    res.json({ access_token: token, token_type: 'Token', expires_in: null, user_id: code.botUserId, organization_id: code.orgId, app_id: app.appId });
  });
  return r;
}

/** Organization webhooks and rooms, for a token of that organization. */
export function appOrgRouter(state: GiosgState): Router {
  const r = Router({ mergeParams: true });
  r.use((req: Request<{ org: string }>, res: Response, next) => {
    if (req.params.org === ((res.locals.orgId as string | undefined) ?? state.orgId)) return next();
    res.status(403).json({ detail: 'You do not have permission to perform this action.' });
  });
  r.get('/webhooks', (req: Request<{ org: string }>, res) => {
    res.json({ next: null, previous: null, results: state.app.subs.filter((s) => s.orgId === req.params.org) });
  });
  r.post('/webhooks', (req: Request<{ org: string }>, res) => {
    const b = subBody.safeParse(req.body);
    if (!b.success) return void res.status(400).json({ [String(b.error.issues[0]?.path[0] ?? 'non_field_errors')]: ['This field is required.'] });
    const sub: WebhookSub = {
      id: randomUUID(),
      orgId: req.params.org,
      endpoint_url: b.data.endpoint_url,
      subscriptions: b.data.subscriptions.map((s) => ({ channel: s.channel, should_include_resource: s.should_include_resource ?? false })),
    };
    state.app.subs.push(sub);
    res.status(201).json(sub);
  });
  r.get('/rooms', (req: Request<{ org: string }>, res) => {
    const org = state.app.orgs.find((o) => o.orgId === req.params.org);
    res.json({ next: null, previous: null, results: [{ id: org?.roomId ?? 'sandbox-room', name: 'Customer service' }] });
  });
  return r;
}

export function principalFor(state: GiosgState, token: string): AppPrincipal | undefined {
  return state.app.tokens.get(token);
}

export interface TriggerClaimsInput {
  org_id: string;
  app_id?: string;
  user_id?: string | null;
  app_user_id?: string | null;
  app_user_code?: string | null;
  inst_id?: string | null;
  chat_id?: string | null;
  visitor_id?: string | null;
}

/** Signs a trigger's data JWT as giosg does (HS256, the app secret, exp a minute ahead). */
export async function signTrigger(app: { appId: string; appSecret: string }, claims: TriggerClaimsInput, o: { expiresInS?: number; secret?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ app_id: app.appId, chat_id: null, visitor_id: null, inst_id: null, user_id: null, app_user_id: null, app_user_code: null, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + (o.expiresInS ?? 60))
    .sign(new TextEncoder().encode(o.secret ?? app.appSecret));
}

/** Opens the trigger URL like the admin's browser does (a GET, no redirects followed). */
export function openTrigger(triggerUrl: string, params: Record<string, string>): Promise<TriggerAnswer> {
  const url = new URL(triggerUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* an HTML or empty answer stays text */
        }
        resolve({ status: res.statusCode ?? 0, location: res.headers.location, body });
      });
    });
    req.on('error', reject);
  });
}

/** A new organization installs the app: mint its bot user and code, then open our trigger. */
export async function installForNewOrg(state: GiosgState, app: { appId: string; appSecret: string }, o: { orgId?: string; name?: string; installerUserId?: string } = {}): Promise<{ org: AppOrg; answer: TriggerAnswer; data: string }> {
  if (!state.app.triggerUrl) throw new Error('giosg simulator: no app trigger URL set');
  const existing = o.orgId ? state.app.orgs.find((x) => x.orgId === o.orgId) : undefined;
  const org: AppOrg = existing ?? {
    orgId: o.orgId ?? randomUUID(),
    name: o.name ?? `Organization ${state.app.orgs.length + 1}`,
    botUserId: randomUUID(),
    installerUserId: o.installerUserId ?? randomUUID(),
    roomId: randomUUID(),
    installed: false,
  };
  if (!existing) state.app.orgs.push(org);
  const code = randomBytes(16).toString('hex');
  state.app.codes.set(code, { orgId: org.orgId, botUserId: org.botUserId, used: false });
  const data = await signTrigger(app, { org_id: org.orgId, user_id: org.installerUserId, app_user_id: org.botUserId, app_user_code: code, inst_id: randomUUID() });
  const answer = await openTrigger(state.app.triggerUrl, { type: 'install', data, token: 'short-lived-access-token', redirect_uri: 'https://service.giosg.com/settings/apps' });
  if (answer.status === 302 || answer.status === 200) org.installed = true;
  return { org, answer, data };
}

export async function uninstallOrg(state: GiosgState, app: { appId: string; appSecret: string }, orgId: string): Promise<TriggerAnswer> {
  if (!state.app.triggerUrl) throw new Error('giosg simulator: no app trigger URL set');
  const org = state.app.orgs.find((x) => x.orgId === orgId);
  const data = await signTrigger(app, { org_id: orgId, user_id: org?.installerUserId ?? null, app_user_id: org?.botUserId ?? null });
  const answer = await openTrigger(state.app.triggerUrl, { type: 'uninstall', data });
  if (org && answer.status === 200) org.installed = false;
  // giosg revokes the bot's tokens with the installation.
  for (const [t, p] of state.app.tokens) if (p.orgId === orgId) state.app.tokens.delete(t);
  return answer;
}
