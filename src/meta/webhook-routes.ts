// GET/POST /webhooks/meta/:tenant. The POST path is deliberately lean (Meta wants a median
// answer under 250 ms): look up the tenant (cached), check the signature over the raw
// bytes, JSON.parse + zod, one insert, 200. Everything else happens in the processor.
import express, { Express, Request, Response } from 'express';
import type { Services } from '../services';
import type { WebhookRepo } from '../store/webhook-repo';
import { HttpError } from '../http/errors';
import { secretEquals, verifySignature } from './webhook-signature';
import { validateWebhook } from './webhook-schemas';

export const MAX_WEBHOOK_BYTES = 3 * 1024 * 1024;

type Reject = 'unknown_tenant' | 'signature' | 'malformed_json' | 'schema' | 'too_large' | 'store_failed';

export function metaWebhookRoutes(app: Express, s: Services, repo: WebhookRepo, onStored: () => void): void {
  const raw = express.raw({ type: () => true, limit: MAX_WEBHOOK_BYTES });
  const rejected = (why: Reject) => s.metrics.webhooks.inc({ source: 'meta', result: why });

  app.get('/webhooks/meta/:tenant', async (req: Request<{ tenant: string }>, res: Response) => {
    const tenant = await s.tenants.get(req.params.tenant);
    if (!tenant) throw new HttpError(404, 'unknown_tenant', 'No such tenant');
    const q = req.query as Record<string, unknown>;
    const mode = q['hub.mode'];
    const token = q['hub.verify_token'];
    const challenge = q['hub.challenge'];
    if (mode !== 'subscribe' || typeof token !== 'string' || !secretEquals(token, tenant.metaVerifyToken)) {
      throw new HttpError(403, 'verification_failed', 'Verification failed');
    }
    if (typeof challenge !== 'string' || challenge === '') throw new HttpError(400, 'missing_challenge', 'hub.challenge is required');
    res.status(200).type('text/plain').send(challenge);
  });

  app.post('/webhooks/meta/:tenant', async (req: Request<{ tenant: string }>, res: Response) => {
    const tenant = await s.tenants.get(req.params.tenant);
    if (!tenant) {
      rejected('unknown_tenant');
      throw new HttpError(404, 'unknown_tenant', 'No such tenant');
    }
    const header = req.get('x-hub-signature-256');
    // A request without a signature is refused before its body is even read.
    if (!header) {
      rejected('signature');
      throw new HttpError(401, 'bad_signature', 'Missing or invalid X-Hub-Signature-256');
    }
    try {
      await new Promise<void>((resolve, reject) => raw(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
    } catch (err) {
      const e = err as { type?: string; status?: number };
      if (e.type === 'entity.too.large' || e.status === 413) {
        rejected('too_large');
        throw new HttpError(413, 'payload_too_large', 'Request body is larger than 3 MB');
      }
      throw err;
    }
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const sig = verifySignature(body, header, tenant.metaAppSecret);
    if (!sig.ok) {
      rejected('signature');
      throw new HttpError(401, 'bad_signature', 'Missing or invalid X-Hub-Signature-256');
    }
    const text = body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      rejected('malformed_json');
      throw new HttpError(400, 'malformed_json', 'Request body is not valid JSON');
    }
    const valid = validateWebhook(parsed);
    if (!valid.ok) {
      rejected('schema');
      throw new HttpError(422, 'schema_mismatch', `Invalid field at ${valid.problem.path}: ${valid.problem.message}`, { path: valid.problem.path });
    }
    try {
      await repo.insert(tenant.id, text, s.clock.now());
      s.store.writes.noteSuccess();
    } catch (err) {
      // Not stored means not acknowledged: Meta retries on any non-200.
      s.store.writes.noteFailure(err);
      rejected('store_failed');
      throw err;
    }
    s.metrics.webhooks.inc({ source: 'meta', result: 'accepted' });
    res.status(200).type('text/plain').send('EVENT_RECEIVED');
    onStored();
  });
}
