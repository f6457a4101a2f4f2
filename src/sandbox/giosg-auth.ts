// giosg API authentication: `Authorization: Token <api token>` (persistent bot token) or
// `Bearer <token>`, compared in constant time. Answers DRF's 401 bodies otherwise.
import { timingSafeEqual } from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';

/** `other` finds a further token's principal (an installed app's bot); it is set on res.locals. */
export function giosgAuth(apiToken: string, other: (token: string) => { orgId: string; botUserId: string } | undefined = () => undefined) {
  const expected = Buffer.from(apiToken, 'utf8');
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('authorization');
    if (!header) {
      res.status(401).json({ detail: 'Authentication credentials were not provided.' });
      return;
    }
    const m = /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(header);
    const given = Buffer.from(m?.[1] ?? '', 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    const principal = m?.[1] ? other(m[1]) : undefined;
    if (principal) {
      res.locals.orgId = principal.orgId;
      res.locals.botUserId = principal.botUserId;
      return next();
    }
    res.status(401).json({ detail: 'Invalid token.' });
  };
}
