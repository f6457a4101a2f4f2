// Authenticates giosg's webhooks: the tenant's secret as X-Webhook-Secret or ?secret=
// (giosg only supports secrets in the URL), compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export function webhookSecretMatches(req: Request, expected: string): boolean {
  const header = req.get('x-webhook-secret');
  const query = (req.query as Record<string, unknown>).secret;
  const given = header ?? (typeof query === 'string' ? query : undefined);
  if (given === undefined) return false;
  // Hashing first makes both sides the same length, so the compare leaks nothing about it.
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
