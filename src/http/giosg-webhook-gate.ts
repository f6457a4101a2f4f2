// The front of both giosg webhook routes: tenant lookup (404), the shared secret before
// the body is read (401), then JSON parsing (400 / 413). Counted per source and outcome.
import express, { Request, RequestHandler, Response, NextFunction } from 'express';
import type { Services } from '../services';
import { HttpError } from './errors';
import { webhookSecretMatches } from '../giosg/reply-auth';

export function giosgWebhookGate(s: Services, counted: (result: string) => void): RequestHandler[] {
  const json = express.json({ type: () => true, limit: '256kb' });
  const authenticate = async (req: Request<{ tenant: string }>, _res: Response, next: NextFunction) => {
    const tenant = await s.tenants.get(req.params.tenant);
    if (!tenant) {
      counted('unknown_tenant');
      throw new HttpError(404, 'unknown_tenant', 'No such tenant');
    }
    if (!webhookSecretMatches(req, tenant.giosgWebhookSecret)) {
      counted('secret');
      throw new HttpError(401, 'bad_secret', 'Missing or wrong webhook secret');
    }
    next();
  };
  const parse = (req: Request, res: Response, next: NextFunction) =>
    json(req, res, (err?: unknown) => {
      if (err) counted((err as { type?: string }).type === 'entity.too.large' ? 'too_large' : 'malformed_json');
      next(err);
    });
  return [authenticate as unknown as RequestHandler, parse];
}
