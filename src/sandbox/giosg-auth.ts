// giosg API authentication: `Authorization: Token <api token>` (persistent bot token) or
// `Bearer <token>`, compared in constant time. Answers DRF's 401 bodies otherwise.
import { timingSafeEqual } from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';

export function giosgAuth(apiToken: string) {
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
    res.status(401).json({ detail: 'Invalid token.' });
  };
}
