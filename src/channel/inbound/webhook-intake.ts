// POST /webhooks/meta/:tenant, the one handler of Meta's webhooks: on bare node:http in
// front of Express (the way bolt-js keeps an HTTPReceiver beside its ExpressReceiver),
// because Express costs several times the CPU per request on the loop that acknowledges
// them (bench/README.md). Answers in this order: 404 unknown tenant, 401 missing/bad
// signature (before any parsing), 413 over 3 MB, 400 malformed JSON, 422 with the field's
// path, and 200 only after the row is committed (group commit, store/webhook-batch-writer.ts).
// Anything else (the GET handshake, other paths) is left to Express (returns false).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../../services';
import type { WebhookBatchWriter } from '../../store/webhook-batch-writer';
import { verifySignature } from '../../meta/webhook-signature';
import { validateWebhook } from '../../meta/webhook-schemas';
import { MAX_WEBHOOK_BYTES } from '../../meta/limits';
import { discardRest } from '../../http/drain';
import { errorBody, fixedAnswer, sendFast } from './webhook-answers';
import type { Tenant } from '../../vault/tenants';

const PREFIX = '/webhooks/meta/';
const ROUTE = '/webhooks/meta/:tenant';
const answerOk = fixedAnswer(200, Buffer.from('EVENT_RECEIVED'), 'text/plain; charset=utf-8');
const STORE_FAILURE_LOG_EVERY_MS = 5_000;

type Result = 'accepted' | 'unknown_tenant' | 'signature' | 'malformed_json' | 'schema' | 'too_large' | 'store_failed';

export interface IntakeDeps {
  s: Services;
  writer: WebhookBatchWriter;
  /**
   * Called (at most once per event-loop turn) after rows were committed, with the event
   * loop's time spent on requests since the last call: wakes the processor.
   */
  onStored(workMs: number): void;
}

/** Answers the request and returns true when it is ours; false leaves it to Express. */
export type WebhookIntake = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Tenant id from the URL when it is exactly our route; undefined hands the request to Express. */
export function fastRouteTenant(method: string | undefined, url: string | undefined): string | undefined {
  if (method !== 'POST' || !url || !url.startsWith(PREFIX)) return undefined;
  let rest = url.slice(PREFIX.length);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if (rest === '' || rest.includes('/')) return undefined;
  if (!rest.includes('%')) return rest;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined; // Express answers malformed escapes itself
  }
}

export function metaWebhookIntake(d: IntakeDeps): WebhookIntake {
  const { s, writer } = d;
  const counters = new Map<Result, { inc(): void }>();
  const count = (r: Result) => {
    let c = counters.get(r);
    if (!c) counters.set(r, (c = s.metrics.webhooks.labels({ source: 'meta', result: r })));
    c.inc();
  };
  // One histogram child per status, so an observation does not hash a labels object.
  const durations = new Map<number, { observe(v: number): void }>();
  const observe = (started: bigint, status: number) => {
    let h = durations.get(status);
    if (!h) durations.set(status, (h = s.metrics.httpDuration.labels(ROUTE, String(status))));
    h.observe(Number(process.hrtime.bigint() - started) / 1e9);
  };

  let kickScheduled = false;
  let checkMs = 0;
  let writerMsAtKick = 0;
  const kick = () => {
    if (kickScheduled) return;
    kickScheduled = true;
    setImmediate(() => {
      kickScheduled = false;
      const workMs = checkMs + writer.stats.busyMs - writerMsAtKick;
      checkMs = 0;
      writerMsAtKick = writer.stats.busyMs;
      d.onStored(workMs);
    });
  };

  let lastStoreLog = 0;
  let suppressed = 0;
  const logStoreFailure = (err: unknown) => {
    const now = Date.now();
    if (now - lastStoreLog < STORE_FAILURE_LOG_EVERY_MS) {
      suppressed++;
      return;
    }
    lastStoreLog = now;
    const e = err as { name?: string; message?: string; code?: unknown };
    s.logger.error({ err: { name: e?.name, message: e?.message, code: e?.code }, alsoFailedSinceLastLog: suppressed }, 'webhook not stored; answered 503 so Meta retries');
    suppressed = 0;
  };

  const reject = (res: ServerResponse, started: bigint, status: number, why: Result, code: string, message: string, details?: unknown, close = false) => {
    count(why);
    sendFast(res, status, errorBody(code, message, details), 'application/json; charset=utf-8', close);
    observe(started, status);
  };

  const bug = (res: ServerResponse) => (err: unknown) => {
    // Only a bug gets here; answer like Express's error handler would.
    s.logger.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message }, route: ROUTE }, 'unhandled error');
    if (!res.headersSent) sendFast(res, 500, errorBody('internal', 'Internal error'), 'application/json; charset=utf-8', true);
  };

  return (req, res) => {
    const tenantId = fastRouteTenant(req.method, req.url);
    if (tenantId === undefined) return false;
    const started = process.hrtime.bigint();
    // The common case runs without a promise: a cached tenant, then callbacks (each
    // promise and await per request showed in the profile of this route).
    const cached = s.tenants.peek(tenantId);
    if (cached) {
      try {
        receive(req, res, cached, started);
      } catch (err) {
        bug(res)(err);
      }
    } else {
      s.tenants.get(tenantId).then((tenant) => {
        if (!tenant) return reject(res, started, 404, 'unknown_tenant', 'unknown_tenant', 'No such tenant');
        receive(req, res, tenant, started);
      }).catch(bug(res));
    }
    return true;
  };

  function receive(req: IncomingMessage, res: ServerResponse, tenant: Tenant, started: bigint): void {
    const header = req.headers['x-hub-signature-256'];
    // A request without a signature is refused before its body is even read.
    if (typeof header !== 'string' || header === '') {
      return reject(res, started, 401, 'signature', 'bad_signature', 'Missing or invalid X-Hub-Signature-256');
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > MAX_WEBHOOK_BYTES) {
      // Read and dropped first: a client still sending cannot read an answer (http/drain.ts).
      return discardRest(req, () => reject(res, started, 413, 'too_large', 'payload_too_large', 'Request body is larger than 3 MB'));
    }
    readBody(req, (body) => {
      const t0 = performance.now();
      if (body === 'too_large') return discardRest(req, () => reject(res, started, 413, 'too_large', 'payload_too_large', 'Request body is larger than 3 MB'));
      try {
        onBody(res, tenant, header, body, started);
      } catch (err) {
        bug(res)(err);
      }
      checkMs += performance.now() - t0;
    });
  }

  function onBody(res: ServerResponse, tenant: Tenant, header: string, body: Buffer | 'aborted', started: bigint): void {
    if (body === 'aborted') return; // the client is gone; nothing stored, nobody to answer

    if (!verifySignature(body, header, tenant.metaAppSecret).ok) {
      return reject(res, started, 401, 'signature', 'bad_signature', 'Missing or invalid X-Hub-Signature-256');
    }
    const text = body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return reject(res, started, 400, 'malformed_json', 'malformed_json', 'Request body is not valid JSON');
    }
    const valid = validateWebhook(parsed);
    if (!valid.ok) {
      const { path, message } = valid.problem;
      return reject(res, started, 422, 'schema', 'schema_mismatch', `Invalid field at ${path}: ${message}`, { path });
    }
    writer.submit(tenant.id, text, s.clock.now(), (err) => {
      if (err !== undefined) {
        // Not stored means not acknowledged: Meta retries on any non-200.
        s.store.writes.noteFailure(err);
        logStoreFailure(err);
        return reject(res, started, 503, 'store_failed', 'store_unavailable', 'The event could not be stored; retry later');
      }
      s.store.writes.noteSuccess();
      count('accepted');
      answerOk(res);
      observe(started, 200);
      kick();
    });
  }
}

/** The whole body, or why not. Stops buffering at the 3 MB limit. */
function readBody(req: IncomingMessage, then: (body: Buffer | 'too_large' | 'aborted') => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  const whole = () => (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  const finish = (v: Buffer | 'too_large' | 'aborted') => {
    if (done) return;
    done = true;
    req.removeListener('data', onData);
    then(v);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_WEBHOOK_BYTES) {
      chunks.length = 0;
      finish('too_large');
      return;
    }
    chunks.push(chunk);
  };
  req.on('data', onData);
  req.once('end', () => finish(whole()));
  req.once('error', () => finish('aborted'));
  req.once('close', () => finish(req.complete ? whole() : 'aborted'));
}
