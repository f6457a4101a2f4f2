// CSRF for the link form: csrf-csrf's double-submit cookie, HMAC-bound to the link (its id
// hash is the "session"), so a token minted for one link is useless on another. The
// secret is derived from the vault key so every instance accepts every other's forms.
import { createHmac, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { hashLinkId } from './link-id';

export interface LinkCsrf {
  /** Sets the cookie (scoped to this link's path) and returns the value for the hidden field. */
  issue(req: Request, res: Response, linkId: string): string;
  valid(req: Request): boolean;
}

export function linkCsrf(o: { encryptionKey: Buffer | undefined; secureCookies: boolean }): LinkCsrf {
  // Without a key (sandbox before one is generated) a per-process secret still protects the form.
  const secret = createHmac('sha256', o.encryptionKey ?? randomBytes(32)).update('one-time-link-csrf').digest('hex');
  const { generateCsrfToken, validateRequest } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => hashLinkId(String(req.params.id ?? '')),
    // __Secure- makes browsers refuse the cookie over plain HTTP, so only on https bases.
    cookieName: o.secureCookies ? '__Secure-wa-link-csrf' : 'wa-link-csrf',
    cookieOptions: { sameSite: 'strict', secure: o.secureCookies, httpOnly: true, path: '/t' },
    getCsrfTokenFromRequest: (req) => {
      const v = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof v === 'string' ? v : undefined;
    },
  });
  return {
    issue: (req, res, linkId) => generateCsrfToken(req, res, { cookieOptions: { path: `/t/${linkId}` } }),
    valid: (req) => {
      try {
        return validateRequest(req);
      } catch {
        return false;
      }
    },
  };
}
