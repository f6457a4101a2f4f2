// The playground's JSON API: a same-origin proxy onto the simulators' /_sim control APIs
// (the page may only connect to us), plus the channel's status. Inputs are checked here
// with the rules the simulators apply, so a bad request gets a clear 422 from us and
// never reaches them. Developer-facing errors (English); the page shows its own strings.
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { HttpError } from '../http/errors';
import { i18n, normalizeLocale } from '../i18n';
import type { Services } from '../services';
import type { ChannelControl } from '../channel/channel-types';
import { SimControlClient, SimUnreachableError, type SimAnswer } from './sim-control-client';
import { DEMO, newDemoToken } from './demo-tenant';
import { AppInstallRepo } from '../store/app-install-repo';

export interface PlaygroundContext {
  tenantId: string;
  graph: SimControlClient;
  giosg: SimControlClient;
}

const chatId = z.string().trim().min(1).max(100);
const text = z.string().trim().min(1).max(4096);
const waId = z
  .string()
  .transform((v) => v.replace(/[\s()-]/g, '').replace(/^\+/, ''))
  .pipe(z.string().regex(/^\d{5,20}$/, 'expected a phone number of 5 to 20 digits'));

const adminSay = z
  .object({
    chatId,
    text: text.max(2000).optional(),
    responseValue: z.string().min(1).max(200).optional(),
    lang: z.enum(['en', 'fi', 'sv']).optional(),
  })
  .refine((b) => (b.text === undefined) !== (b.responseValue === undefined), { message: 'give text or responseValue', path: ['text'] });
/** A giosg thread: the customer's number, or the BSUID of a username-only customer. */
export const threadId = z.union([waId, z.string().regex(/^[A-Z]{2}\.[A-Za-z0-9]{1,128}$/)]);
const customerSend = z
  .object({
    from: waId,
    name: z.string().trim().min(1).max(100).optional(),
    text: text.optional(),
    type: z.enum(['text', 'location']).optional(),
    // Plays a customer with a WhatsApp username and no phone number shared.
    usernameOnly: z.boolean().optional(),
  })
  .refine((b) => b.type === 'location' || b.text !== undefined, { path: ['text'], message: 'required for a text message' });
const agentReply = z.object({ threadId, text });

/** The playground's stand-in BSUID for a username-only customer with this number (numbers stay the pane's handle). */
export const playgroundBsuid = (number: string): string => `FI.${number}`;
const usernameOf = (name: string | undefined): string => (name ?? 'customer').toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '.').replace(/^\.+|\.+$/g, '') || 'customer';
const tenantParam = z.object({ tenant: z.string().trim().min(1).max(100).optional() });
const appInstall = z.object({ name: z.string().trim().min(1).max(100).optional() });
const metaMode = z.object({ mode: z.enum(['ok', 'slow', '5xx', 'down']) });
const cursor = z.object({ since: z.coerce.number().int().min(0).default(0) });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.join('.') || 'body';
  throw new HttpError(422, 'invalid_input', `${path}: ${issue.message}`, { path });
}

/** A simulator answer the page can use, or a 502 that says what the simulator said. */
function expectOk(a: SimAnswer, what: string): Record<string, unknown> {
  if (a.status >= 200 && a.status < 300) return (a.body ?? {}) as Record<string, unknown>;
  const detail = typeof a.body === 'object' && a.body && 'error' in a.body ? String((a.body as { error: unknown }).error) : `HTTP ${a.status}`;
  throw new HttpError(502, 'simulator_refused', `${what}: ${detail}`);
}

/** Whether our own webhook (called by a simulator) took the delivery. */
const accepted = (status: unknown): boolean => typeof status === 'number' && status >= 200 && status < 300;

interface SimChatView {
  id: string;
  created_at: string;
  invitedTeams: string[];
  umiChannelId?: string;
}

interface SimTimelineMessage {
  id: string;
  type: string;
  chat_id: string;
  created_at: string;
  sender_type: string;
  sender_id: string;
  sender_name: string;
  message: string;
  attachments: unknown[];
  response_value: string | null;
}

export function playgroundApi(s: Services, channel: ChannelControl, ctx: PlaygroundContext): Router {
  const r = Router();
  r.use(express.json({ limit: '64kb' }));
  r.use((_req, res, next) => {
    // Minted tokens and chat contents: nothing here belongs in a cache.
    res.set('Cache-Control', 'no-store');
    next();
  });

  r.get('/strings', (req: Request, res: Response) => {
    const lang = normalizeLocale(typeof req.query.lang === 'string' ? req.query.lang : undefined, s.config.defaultLocale);
    const bundle = i18n().getResourceBundle(lang, 'sandbox') as Record<string, unknown> | undefined;
    res.json({ lang, strings: bundle ?? {} });
  });

  r.get('/overview', (_req, res) => {
    res.json({
      tenantId: ctx.tenantId,
      phone: { id: DEMO.phoneNumberId, display: DEMO.displayPhoneNumber, verifiedName: DEMO.verifiedName },
      adminChatId: DEMO.adminChatId,
      adminTeamId: DEMO.giosgAdminTeamId,
      umiChannelId: DEMO.giosgUmiChannelId,
    });
  });

  r.get('/status', async (req, res) => {
    const app = await appTenant(req.query.tenant);
    const [graph, giosg] = await Promise.all([ctx.graph.get('/state'), ctx.giosg.get('/state')]);
    const g = expectOk(graph, 'graph state') as { mode: string; tokens: { fingerprint: string; status: string }[] };
    const gi = expectOk(giosg, 'giosg state') as { mode: string };
    res.json({
      meta: { mode: g.mode, tokens: g.tokens.map((t) => ({ fingerprint: t.fingerprint, status: t.status })) },
      giosg: { mode: gi.mode },
      channel: await channel.status(app ? app.tenant.id : ctx.tenantId),
    });
  });

  const installs = new AppInstallRepo(s.store.db);
  /** The tenant a pane shows: the demo one, or an organization that installed the App here. */
  async function appTenant(raw: unknown) {
    const { tenant } = parse(tenantParam, { tenant: raw });
    if (tenant === undefined || tenant === ctx.tenantId) return null;
    const install = await installs.get(tenant);
    const t = install ? await s.tenants.get(tenant) : null;
    if (!install || !t) throw new HttpError(404, 'unknown_tenant', `no App tenant ${tenant}`);
    return { install, tenant: t };
  }

  // The tenants the playground can show: the demo one and every organization that installed the App.
  r.get('/tenants', async (_req, res) => {
    const all = await installs.list();
    const tenants: { id: string; name: string; kind: 'demo' | 'app'; lifecycle: string | null; setupStep: string | null }[] = [{ id: ctx.tenantId, name: DEMO.verifiedName, kind: 'demo', lifecycle: null, setupStep: null }];
    for (const i of all) {
      const t = await s.tenants.get(i.tenant_id);
      if (t) tenants.push({ id: t.id, name: t.name, kind: 'app', lifecycle: i.lifecycle, setupStep: i.setup_step });
    }
    res.json({ tenants });
  });

  // "Install the app for a new organization": giosg's simulator opens our trigger URL as the admin's browser would.
  r.post('/app/install', async (req, res) => {
    const b = parse(appInstall, req.body);
    const answer = expectOk(await ctx.giosg.post('/app/install', { name: b.name }), 'app install') as { org: { orgId: string }; status: number };
    res.json({ orgId: answer.org.orgId, tenantId: `giosg-${answer.org.orgId}`, triggerStatus: answer.status });
  });

  // What the setup dialog asks for, as the sandbox's Meta knows it (a sandbox: its app secret is no secret).
  r.get('/app/meta-side', async (_req, res) => {
    const demo = await s.tenants.get(ctx.tenantId);
    res.json({ wabaId: DEMO.wabaId, phoneNumberId: DEMO.phoneNumberId, appId: DEMO.metaAppId, appSecret: demo?.metaAppSecret ?? null });
  });

  r.get('/admin/chats', async (req, res) => {
    const app = await appTenant(req.query.tenant);
    if (app) {
      const chats = app.install.setup_chat_id ? [{ id: app.install.setup_chat_id, kind: 'setup', invitedTeams: [], createdAt: null }] : [];
      return void res.json({ chats });
    }
    const state = expectOk(await ctx.giosg.get('/state'), 'giosg state') as { chats: SimChatView[] };
    // The admin's own chat with the bot exists before its first message, as in giosg.
    const chats: { id: string; kind: 'bot' | 'alert'; invitedTeams: string[]; createdAt: string | null }[] = [
      { id: DEMO.adminChatId, kind: 'bot', invitedTeams: [], createdAt: null },
    ];
    // Other organizations' chats (their setup with the bot) belong to their own pane.
    const elsewhere = new Set((await installs.list()).map((i) => i.setup_chat_id));
    for (const c of state.chats) {
      if (c.umiChannelId || c.id === DEMO.adminChatId || elsewhere.has(c.id)) continue;
      chats.push({ id: c.id, kind: 'alert', invitedTeams: c.invitedTeams, createdAt: c.created_at });
    }
    res.json({ chats });
  });

  r.get('/admin/chats/:chatId/messages', async (req: Request<{ chatId: string }>, res) => {
    const id = parse(chatId, req.params.chatId);
    const app = await appTenant(req.query.tenant);
    const botUserId = app ? app.tenant.giosgBotUserId : DEMO.giosgBotUserId;
    const page = expectOk(await ctx.giosg.get(`/chats/${encodeURIComponent(id)}/messages`), 'chat messages') as { items: SimTimelineMessage[] };
    res.json({
      items: page.items
        .filter((m) => m.type === 'msg')
        .map((m) => ({
          id: m.id,
          fromBot: m.sender_id === botUserId,
          senderName: m.sender_name,
          text: m.message,
          attachments: m.attachments,
          responseValue: m.response_value,
          createdAt: m.created_at,
        })),
    });
  });

  r.post('/admin/say', async (req, res) => {
    const b = parse(adminSay, req.body);
    const app = await appTenant((req.body as { tenant?: unknown } | undefined)?.tenant);
    if (app) {
      const said = expectOk(
        await ctx.giosg.post('/app/admin-says', { orgId: app.tenant.giosgOrganizationId, chatId: b.chatId, text: b.text, responseValue: b.responseValue, language: b.lang }),
        'admin message',
      );
      return void res.json({ delivered: accepted(said.status), webhookStatus: said.status });
    }
    const answer = expectOk(
      await ctx.giosg.post('/admin-says', { chatId: b.chatId, text: b.text, responseValue: b.responseValue, language: b.lang }),
      'admin message',
    );
    res.json({ delivered: accepted(answer.status), webhookStatus: answer.status });
  });

  r.post('/customer/send', async (req, res) => {
    const b = parse(customerSend, req.body);
    const answer = expectOk(
      await ctx.graph.post('/customer-message', {
        phoneNumberId: DEMO.phoneNumberId,
        from: b.usernameOnly ? '' : b.from,
        ...(b.usernameOnly ? { userId: playgroundBsuid(b.from), username: usernameOf(b.name) } : {}),
        name: b.name,
        type: b.type ?? 'text',
        text: b.text,
      }),
      'customer message',
    );
    res.json({ delivered: accepted(answer.status), webhookStatus: answer.status, attempts: answer.attempts, messageId: answer.messageId });
  });

  r.get('/customer/received', async (req, res) => {
    const { since } = parse(cursor, req.query);
    const to = req.query.to === undefined ? undefined : parse(threadId, req.query.to);
    const page = expectOk(await ctx.graph.get(`/sent?since=${since}`), 'sent messages') as {
      items: { id: string; to: string; body: string; at: number; phoneNumberId: string; media?: unknown }[];
      next: number;
    };
    res.json({
      items: page.items
        .filter((m) => m.phoneNumberId === DEMO.phoneNumberId && (to === undefined || m.to === to))
        .map((m) => ({ id: m.id, to: m.to, text: m.body, at: m.at, media: m.media ?? null })),
      next: page.next,
    });
  });

  // What the customer's phone shows of the business: its read marks (blue ticks on the
  // customer's messages) and typing indicators.
  r.get('/customer/read-marks', async (req, res) => {
    const { since } = parse(cursor, req.query);
    const page = expectOk(await ctx.graph.get(`/read-marks?since=${since}`), 'read marks') as { items: { phoneNumberId: string; messageId: string; typing: boolean; at: number }[]; next: number };
    res.json({ items: page.items.filter((m) => m.phoneNumberId === DEMO.phoneNumberId).map((m) => ({ messageId: m.messageId, typing: m.typing, at: m.at })), next: page.next });
  });

  // The customer looks at the chat: what the business sent them is read (Meta sends `read` statuses).
  r.post('/customer/read', async (req, res) => {
    const b = parse(z.object({ from: waId }), req.body);
    const answer = expectOk(await ctx.graph.post('/customer-reads', { phoneNumberId: DEMO.phoneNumberId, waId: b.from }), 'customer reads');
    res.json({ read: answer.read });
  });

  // Ages the customer's conversation on Meta's side (the 24-hour window then refuses free text).
  r.post('/customer/age', async (req, res) => {
    const b = parse(z.object({ from: waId, hours: z.number().positive().max(24 * 30) }), req.body);
    const answer = await ctx.graph.post('/customers/age', { waId: b.from, hours: b.hours });
    if (answer.status === 404) throw new HttpError(409, 'customer_has_not_written', 'this customer has not written yet: send a message from the phone first');
    expectOk(answer, 'age conversation');
    res.json({ delivered: true, aged: b.hours });
  });

  // The bot's lines in one customer's giosg chat (delivery ticks, notices), for the agent pane.
  r.get('/giosg/thread-notes', async (req, res) => {
    const thread = parse(threadId, req.query.threadId);
    const state = expectOk(await ctx.giosg.get('/state'), 'giosg state') as { chats: (SimChatView & { threadId?: string })[] };
    const chat = state.chats.find((c) => c.umiChannelId === DEMO.giosgUmiChannelId && c.threadId === thread);
    if (!chat) return void res.json({ items: [] });
    const page = expectOk(await ctx.giosg.get(`/chats/${encodeURIComponent(chat.id)}/messages`), 'chat messages') as { items: SimTimelineMessage[] };
    res.json({ items: page.items.filter((m) => m.type === 'msg' && m.sender_id === DEMO.giosgBotUserId).map((m) => ({ id: m.id, text: m.message, createdAt: m.created_at })) });
  });

  r.get('/giosg/umi-messages', async (req, res) => {
    const { since } = parse(cursor, req.query);
    const page = expectOk(await ctx.giosg.get(`/umi-messages?since=${since}`), 'UMI messages') as {
      items: { id: string; thread_id: string; text: string; sender_name?: string; at: number; channelId: string; attachments?: { upload_id: string; file_name: string; content_type: string; file_size: number }[] }[];
      next: number;
    };
    res.json({
      items: page.items.map((m) => ({
        id: m.id,
        threadId: m.thread_id,
        text: m.text,
        senderName: m.sender_name ?? null,
        at: m.at,
        attachments: (m.attachments ?? []).map((a) => ({ uploadId: a.upload_id, fileName: a.file_name, contentType: a.content_type, size: a.file_size })),
      })),
      next: page.next,
    });
  });

  r.post('/agent/reply', async (req, res) => {
    const b = parse(agentReply, req.body);
    const answer = expectOk(
      await ctx.giosg.post('/agent-reply', { channelId: DEMO.giosgUmiChannelId, threadId: b.threadId, text: b.text }),
      'agent reply',
    );
    res.json({ delivered: accepted(answer.status), webhookStatus: answer.status });
  });

  r.post('/meta/expire', async (_req, res) => {
    const answer = expectOk(await ctx.graph.post('/tokens/expire', { all: true }), 'expire tokens') as { expired: string[] };
    res.json({ expired: answer.expired });
  });

  r.post('/meta/mode', async (req, res) => {
    const b = parse(metaMode, req.body);
    const answer = expectOk(await ctx.graph.post('/mode', { mode: b.mode }), 'Meta mode');
    res.json({ mode: answer.mode });
  });

  // Plays Business Suite's "Generate new token": the page shows it once so it can be copied
  // into the one-time link form. Not logged anywhere.
  r.post('/meta/mint', async (_req, res) => {
    const t = newDemoToken();
    const answer = expectOk(await ctx.graph.post('/tokens', t), 'mint token') as { fingerprint: string };
    res.json({ token: t.token, fingerprint: answer.fingerprint });
  });

  // A simulator that does not answer is a bad gateway, not our internal error.
  r.use((err: unknown, _req: Request, _res: Response, next: (e?: unknown) => void) => {
    next(err instanceof SimUnreachableError ? new HttpError(502, 'simulator_unreachable', err.message) : err);
  });

  return r;
}
