// Meta Graph API simulator (WhatsApp Cloud API subset) for the integration tests and the
// sandbox. Serves debug_token, the phone-number probe and message sends with Meta's error
// shapes, signs and retries webhooks like Meta, and lets tests or the playground inject
// token expiry, outages and throttling. Loopback only.
import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { listenOnLoopback } from './http-server';
import { requestLog } from './request-log';
import { sleep } from './sleep';
import { GraphState } from './graph-state';
import { metaErrors, tokenFailure } from './graph-errors';
import { graphFaults, DEFAULT_SLOW_MS } from './graph-faults';
import { debugTokenHandler } from './graph-debug-token';
import { phoneHandler } from './graph-phone';
import { subscribedAppsHandlers } from './graph-waba';
import { sendHandler } from './graph-send';
import { readHandler, isReadRequest } from './graph-read';
import { customerKey, templateListHandler, templateSendHandler } from './graph-templates';
import { graphControlRouter } from './graph-control';
import { deliverSigned, DEFAULT_RETRY_DELAYS_MS } from './graph-webhooks';
import * as envelopes from './graph-envelopes';
import { tokenFingerprint } from './fingerprint';
import type { GraphSim, GraphSimOptions, SentMessage } from './graph-types';
import { MediaStore, byMessageType, mediaDownloadHandler, mediaLookupHandler, mediaSendHandler, mediaUploadHandler, syntheticSha256 } from './graph-media';
import { customerMediaMessage } from './graph-media-envelopes';
import { graphMediaControlRouter } from './graph-media-control';

export type * from './graph-types';
export { appSecretProof } from './graph-auth';
export { signPayload } from './graph-webhooks';

const VERSION = /^v\d+(\.\d+)?$/;
// Meta takes about a second; a short pause keeps the status from overtaking the send answer.
const STATUS_DELAY_MS = 50;

export async function startGraphSimulator(o: GraphSimOptions): Promise<GraphSim> {
  const state = new GraphState(o.appId);
  const media = new MediaStore();
  const retryDelays = o.webhookRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const auth = { appSecret: o.appSecret, requireAppSecretProof: o.requireAppSecretProof ?? false };
  const shutdown = new AbortController();
  const background = new Set<Promise<unknown>>();

  const track = (p: Promise<unknown>): void => {
    const quiet = p.catch(() => undefined); // background webhooks have nobody to report to
    background.add(quiet);
    void quiet.finally(() => background.delete(quiet));
  };

  const stored = (token: string) => {
    const t = state.tokens.get(token);
    if (!t) throw new Error(`graph simulator: unknown token ${tokenFingerprint(token)}`);
    return t;
  };

  const sim: GraphSim = {
    url: '',
    close: async () => undefined,
    addToken: (t) => void state.addToken(t),
    expireToken: (token) => state.expire(stored(token)),
    invalidateToken: (token) => void (stored(token).valid = false),
    removeScope: (token, scope) => {
      const t = stored(token);
      t.scopes = t.scopes.filter((s) => s !== scope);
    },
    failToken: (token, err) => void (stored(token).failure = err ? tokenFailure(err) : undefined),
    addPhone: (p) => state.addPhone(p),
    setPhoneHealth: (id, h) => {
      const p = state.phones.get(id);
      if (!p) throw new Error(`graph simulator: unknown phone ${id}`);
      p.health = { ...p.health, ...h };
    },
    subscribedApps: (wabaId) => [...(state.subscriptions.get(wabaId) ?? [])],
    refuseSubscribe: (refuse) => void (state.refuseSubscribe = refuse),
    unsubscribeApp: (wabaId, appId) => void state.subscriptions.get(wabaId)?.delete(appId ?? o.appId),
    templates: state.templates,
    ageCustomer: (waId, ms) => {
      const key = customerKey(waId);
      const last = state.lastInbound.get(key);
      if (last !== undefined) state.lastInbound.set(key, last - ms);
    },
    setWebhookTarget: (url) => void (state.webhookTarget = url),
    deliverWebhook: async (payload) => {
      if (!state.webhookTarget) throw new Error('graph simulator: no webhook target set');
      return deliverSigned(state.webhookTarget, payload, o.appSecret, retryDelays, shutdown.signal);
    },
    customerMessage: (m) => {
      const payload = envelopes.customerMessage(state.phones, m) as { entry: { changes: { value: { messages?: { id: string; from: string; from_user_id?: string }[] } }[] }[] };
      for (const msg of payload.entry[0]?.changes[0]?.value.messages ?? []) {
        state.customerMessageIds.add(msg.id);
        state.lastInbound.set(customerKey(msg.from || msg.from_user_id || ''), Date.now());
      }
      return payload;
    },
    statusUpdate: (s) => envelopes.statusUpdate(state.phones, s),
    accountUpdate: (a) => envelopes.accountUpdate(a),
    sent: state.sent,
    readMarks: state.readMarks,
    customerReads: async ({ phoneNumberId, waId }) => {
      const unread = state.sent.filter((m) => m.phoneNumberId === phoneNumberId && m.to.replace(/\D/g, '') === waId && !state.readByCustomer.has(m.id));
      for (const m of unread) state.readByCustomer.add(m.id);
      for (const m of unread) await sim.deliverWebhook(sim.statusUpdate({ phoneNumberId, wamid: m.id, recipient: m.to, status: 'read' }));
      return unread.length;
    },
    failNext: (n, err) => state.failNext(n, err),
    setMode: (mode, opts) => {
      state.mode = mode;
      state.latencyMs = opts?.latencyMs ?? (mode === 'slow' ? DEFAULT_SLOW_MS : 0);
    },
    setThrottle: (perSecond) => void (state.throttlePerSecond = perSecond),
    requests: state.requests,
    reset: () => {
      state.reset();
      media.reset();
    },
    media: {
      byId: media.byId,
      sent: media.sentMedia,
      add: async (m) => {
        if (m.data) return media.add({ mimeType: m.mimeType, size: m.data.length, data: m.data, sha256: createHash('sha256').update(m.data).digest('base64') });
        const seed = m.seed ?? 1;
        return media.add({ mimeType: m.mimeType, size: m.size ?? 0, seed, sha256: await syntheticSha256(seed, m.size ?? 0) });
      },
      customerMessage: (m) => {
        const payload = customerMediaMessage(state.phones, media, m) as { entry: { changes: { value: { messages?: { id: string; from: string; from_user_id?: string }[] } }[] }[] };
        for (const msg of payload.entry[0]?.changes[0]?.value.messages ?? []) {
          state.customerMessageIds.add(msg.id);
          state.lastInbound.set(customerKey(msg.from || msg.from_user_id || ''), Date.now());
        }
        return payload;
      },
      failDownloads: (n, status) => media.failDownloads(n, status),
    },
  };

  const onAccepted = (m: SentMessage): void => {
    if (!o.autoStatuses || !state.webhookTarget) return;
    track(
      (async () => {
        for (const status of o.autoRead ? (['sent', 'delivered', 'read'] as const) : (['sent', 'delivered'] as const)) {
          if (status === 'read') state.readByCustomer.add(m.id);
          await sleep(STATUS_DELAY_MS, shutdown.signal);
          if (shutdown.signal.aborted) return;
          await sim.deliverWebhook(
            sim.statusUpdate({ phoneNumberId: m.phoneNumberId, wamid: m.id, recipient: m.to, status }),
          );
        }
      })(),
    );
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(() => state.requests));
  app.use('/_sim/media', graphMediaControlRouter(sim));
  app.use('/_sim', graphControlRouter(state, sim));
  app.use(graphFaults(state));
  // Before the JSON parser: the file is streamed, never buffered.
  app.post('/:version/:phoneNumberId/media', mediaUploadHandler(state, media, auth));
  app.get('/_media/download', mediaDownloadHandler(state, media, auth));
  app.use(express.json({ limit: '1mb' }));
  app.param('version', (req: Request, res: Response, next: NextFunction, v: string) => {
    if (VERSION.test(v)) return next();
    const e = metaErrors.unknownPath(req.path);
    res.status(e.httpStatus).json(e.body);
  });
  app.get('/:version/debug_token', debugTokenHandler(state, o.appSecret));
  const waba = subscribedAppsHandlers(state, auth, o.appName ?? 'WhatsApp channel');
  app.get('/:version/:wabaId/subscribed_apps', waba.list);
  app.post('/:version/:wabaId/subscribed_apps', waba.subscribe);
  app.get('/:version/:wabaId/phone_numbers', waba.phoneNumbers);
  app.get('/:version/:mediaId', mediaLookupHandler(state, media, auth, () => sim.url));
  app.get('/:version/:phoneNumberId', phoneHandler(state, auth));
  const sends = byMessageType(mediaSendHandler(state, media, auth, onAccepted), sendHandler(state, auth, onAccepted));
  const reads = readHandler(state, auth);
  const templateSends = templateSendHandler(state, auth, onAccepted);
  app.post('/:version/:phoneNumberId/messages', (req: Request, res: Response) => {
    if (isReadRequest(req.body)) return reads(req, res);
    if ((req.body as { type?: unknown } | undefined)?.type === 'template') return templateSends(req, res);
    sends(req, res);
  });
  app.get('/:version/:wabaId/message_templates', templateListHandler(state, auth));
  app.use((req: Request, res: Response) => {
    const e = metaErrors.unknownPath(req.path);
    res.status(e.httpStatus).json(e.body);
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Malformed JSON and oversized bodies come here from express.json().
    const status = (err as { status?: number }).status;
    const e =
      status && status < 500 ? metaErrors.invalidParam('(#100) Invalid parameter') : metaErrors.serverError();
    res.status(e.httpStatus).json(e.body);
  });

  const listening = await listenOnLoopback(app, o.port ?? 0);
  sim.url = listening.url;
  sim.close = async () => {
    shutdown.abort();
    await listening.close();
    await Promise.allSettled([...background]);
  };
  return sim;
}
