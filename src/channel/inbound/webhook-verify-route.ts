// GET /webhooks/meta/:tenant: Meta's subscription handshake. The POST of the same path is
// answered by webhook-intake.ts on bare node:http, in front of Express, and nowhere else.
import type { Express, Request, Response } from 'express';
import type { TenantService } from '../../vault/tenants';
import { HttpError } from '../../http/errors';
import { secretEquals } from '../../meta/webhook-signature';

export function metaWebhookVerifyRoute(app: Express, tenants: TenantService): void {
  app.get('/webhooks/meta/:tenant', async (req: Request<{ tenant: string }>, res: Response) => {
    const tenant = await tenants.get(req.params.tenant);
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
}
