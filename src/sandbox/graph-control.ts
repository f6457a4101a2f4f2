// /_sim control API of the Graph simulator, for the browser playground: play Meta
// ("expire the token", "go down") and a WhatsApp customer. Tokens only ever leave here as
// fingerprints.
import { SIM_BSUID } from './graph-send';
import express, { Router } from 'express';
import { z } from 'zod';
import { tokenFingerprint } from './fingerprint';
import { pageSince } from './cursor';
import { parseBody } from './control-util';
import { newWamid } from './graph-envelopes';
import { tokenFailure } from './graph-errors';
import type { GraphState, StoredToken } from './graph-state';
import type { GraphSim } from './graph-types';

const tokenBody = z.object({
  token: z.string().min(1),
  appId: z.string().min(1).optional(),
  type: z.enum(['SYSTEM_USER', 'USER', 'PAGE']).optional(),
  scopes: z.array(z.string()).optional(),
  targetIds: z.array(z.string()).optional(),
  expiresAt: z.number().int().nonnegative().optional(),
  valid: z.boolean().optional(),
  phoneAccess: z.array(z.string()).optional(),
});

const selectBody = z.union([z.object({ fingerprint: z.string().length(8) }), z.object({ all: z.literal(true) })]);

const failBody = z.intersection(
  selectBody,
  z.object({
    code: z.number().int().nonnegative(),
    subcode: z.number().int().nonnegative().optional(),
    message: z.string().min(1).max(500).optional(),
    httpStatus: z.number().int().min(400).max(599).optional(),
  }),
);

const modeBody = z.object({
  mode: z.enum(['ok', 'down', '5xx', 'slow', 'timeout']),
  latencyMs: z.number().int().nonnegative().optional(),
});

const customerBody = z
  .object({
    phoneNumberId: z.string().min(1),
    // "" with a userId: a customer with a WhatsApp username who shares no phone number.
    from: z.string().regex(/^(\+?\d{5,20})?$/),
    userId: z.string().regex(SIM_BSUID).optional(),
    username: z.string().min(1).max(64).optional(),
    name: z.string().optional(),
    type: z.enum(['text', 'location']).optional(),
    text: z.string().min(1).optional(),
  })
  .refine((b) => b.from !== '' || b.userId !== undefined, { path: ['from'], message: 'give a phone number or a userId' })
  .refine((b) => b.type === 'location' || b.text !== undefined, { path: ['text'], message: 'required for a text message' });

const templateStatusBody = z.object({ name: z.string().min(1), language: z.string().min(2).optional(), status: z.enum(['APPROVED', 'REJECTED', 'PENDING', 'PAUSED', 'DISABLED']) });
const ageBody = z.object({ waId: z.string().regex(/^\d{5,20}$/), hours: z.number().positive().max(24 * 365) });
const phoneHealthBody = z.object({
  phoneNumberId: z.string().min(1),
  status: z.string().min(1).max(40).optional(),
  qualityRating: z.string().min(1).max(40).optional(),
  codeVerificationStatus: z.string().min(1).max(40).optional(),
  nameStatus: z.string().min(1).max(40).optional(),
  platformType: z.string().min(1).max(40).optional(),
});

const wabaBody = z.object({ wabaId: z.string().min(1), appId: z.string().min(1).optional() });
const refuseBody = z.object({ refuse: z.boolean() });

const readsBody = z.object({ phoneNumberId: z.string().min(1), waId: z.string().regex(/^\d{5,20}$/) });

function selectTokens(state: GraphState, sel: z.infer<typeof selectBody>): StoredToken[] {
  const all = [...state.tokens.values()];
  return 'all' in sel ? all : all.filter((t) => tokenFingerprint(t.token) === sel.fingerprint);
}

export function graphControlRouter(state: GraphState, sim: GraphSim): Router {
  const r = Router();
  r.use(express.json({ limit: '256kb' }));

  r.get('/state', (_req, res) => {
    res.json({
      appId: state.appId,
      mode: state.mode,
      latencyMs: state.latencyMs,
      throttlePerSecond: state.throttlePerSecond,
      webhookTarget: state.webhookTarget ?? null,
      tokens: [...state.tokens.values()].map((t) => ({
        fingerprint: tokenFingerprint(t.token),
        appId: t.appId,
        type: t.type,
        scopes: t.scopes,
        targetIds: t.targetIds ?? null,
        expiresAt: t.expiresAt,
        status: state.status(t.token),
        failure: t.failure ? { code: t.failure.code, subcode: t.failure.subcode ?? null } : null,
      })),
      phones: [...state.phones.values()],
      subscriptions: Object.fromEntries([...state.subscriptions].map(([waba, apps]) => [waba, [...apps]])),
      sentCount: state.sent.length,
    });
  });

  r.post('/tokens', (req, res) => {
    const b = parseBody(tokenBody, req.body, res);
    if (!b) return;
    sim.addToken({ ...b, appId: b.appId ?? state.appId });
    res.status(201).json({ fingerprint: tokenFingerprint(b.token) });
  });

  r.post('/tokens/expire', (req, res) => {
    const b = parseBody(selectBody, req.body, res);
    if (!b) return;
    const hit = selectTokens(state, b);
    hit.forEach((t) => state.expire(t));
    res.json({ expired: hit.map((t) => tokenFingerprint(t.token)) });
  });

  r.post('/tokens/invalidate', (req, res) => {
    const b = parseBody(selectBody, req.body, res);
    if (!b) return;
    const hit = selectTokens(state, b);
    hit.forEach((t) => (t.valid = false));
    res.json({ invalidated: hit.map((t) => tokenFingerprint(t.token)) });
  });

  // Any Meta error on a token's every use, e.g. {code:190, subcode:460}: play each cause.
  r.post('/tokens/fail', (req, res) => {
    const b = parseBody(failBody, req.body, res);
    if (!b) return;
    const hit = selectTokens(state, b);
    const failure = tokenFailure(b);
    hit.forEach((t) => (t.failure = failure));
    res.json({ failing: hit.map((t) => tokenFingerprint(t.token)), code: failure.code, subcode: failure.subcode ?? null });
  });

  r.post('/tokens/heal', (req, res) => {
    const b = parseBody(selectBody, req.body, res);
    if (!b) return;
    const hit = selectTokens(state, b);
    hit.forEach((t) => (t.failure = undefined));
    res.json({ healed: hit.map((t) => tokenFingerprint(t.token)) });
  });

  r.post('/mode', (req, res) => {
    const b = parseBody(modeBody, req.body, res);
    if (!b) return;
    sim.setMode(b.mode, { latencyMs: b.latencyMs });
    res.json({ mode: state.mode, latencyMs: state.latencyMs });
  });

  r.post('/customer-message', async (req, res) => {
    const b = parseBody(customerBody, req.body, res);
    if (!b) return;
    if (!state.webhookTarget) {
      res.status(409).json({ error: 'no webhook target set' });
      return;
    }
    const id = newWamid();
    const result = await sim.deliverWebhook(sim.customerMessage({ ...b, id }));
    res.json({ messageId: id, ...result });
  });

  // Play a number's trouble: not registered, flagged, quality RED, a declined name.
  r.post('/phones/health', (req, res) => {
    const b = parseBody(phoneHealthBody, req.body, res);
    if (!b) return;
    const { phoneNumberId, ...health } = b;
    if (!state.phones.has(phoneNumberId)) return void res.status(404).json({ error: 'unknown phone number id' });
    sim.setPhoneHealth(phoneNumberId, health);
    res.json({ phoneNumberId, health: state.phones.get(phoneNumberId)!.health });
  });

  // The app drops out of a WABA's subscribed apps (as when someone removes it in Business Suite).
  r.post('/waba/unsubscribe', (req, res) => {
    const b = parseBody(wabaBody, req.body, res);
    if (!b) return;
    sim.unsubscribeApp(b.wabaId, b.appId);
    res.json({ wabaId: b.wabaId, subscribedApps: sim.subscribedApps(b.wabaId) });
  });

  // Meta refuses to subscribe the app (the system user lacks full control of the WABA).
  r.post('/waba/refuse-subscribe', (req, res) => {
    const b = parseBody(refuseBody, req.body, res);
    if (!b) return;
    sim.refuseSubscribe(b.refuse);
    res.json({ refuse: b.refuse });
  });

  r.get('/sent', (req, res) => {
    res.json(pageSince(state.sent, req.query.since));
  });

  r.get('/templates', (_req, res) => {
    res.json({ templates: state.templates });
  });

  r.post('/templates/status', (req, res) => {
    const b = parseBody(templateStatusBody, req.body, res);
    if (!b) return;
    const found = state.templates.filter((t) => t.name === b.name && (b.language === undefined || t.language === b.language));
    if (found.length === 0) return void res.status(404).json({ error: 'no such template' });
    for (const t of found) t.status = b.status;
    res.json({ changed: found.length });
  });

  // Moves a customer's last message into the past: Meta then refuses free-form replies to them (131047).
  r.post('/customers/age', (req, res) => {
    const b = parseBody(ageBody, req.body, res);
    if (!b) return;
    if (!state.lastInbound.has(b.waId)) return void res.status(404).json({ error: 'this customer has not written' });
    sim.ageCustomer(b.waId, b.hours * 3_600_000);
    res.json({ lastInboundAt: state.lastInbound.get(b.waId) });
  });

  r.get('/read-marks', (req, res) => {
    res.json(pageSince(state.readMarks, req.query.since));
  });

  // The customer has the chat open: every message sent to them gets its `read` status.
  r.post('/customer-reads', async (req, res) => {
    const b = parseBody(readsBody, req.body, res);
    if (!b) return;
    if (!state.webhookTarget) return void res.status(409).json({ error: 'no webhook target set' });
    res.json({ read: await sim.customerReads({ phoneNumberId: b.phoneNumberId, waId: b.waId }) });
  });

  return r;
}
