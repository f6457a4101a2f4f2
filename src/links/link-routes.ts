// GET /t/:id renders the form (never consumes: chat apps and mail scanners prefetch);
// POST /t/:id takes the token. Unknown, expired, used and burnt links all get the same
// 410 page, so the answer never tells which ids exist. The posted body is never logged.
import fs from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import cookieParser from 'cookie-parser';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Services } from '../services';
import { errorSummary } from '../log';
import { LOCALES, normalizeLocale, translator } from '../i18n';
import type { LinkRepo } from '../store/link-repo';
import type { TokenValidation } from '../vault/validation-types';
import { describeDiagnosis, describeWarning, formatDate } from '../vault/validation-messages';
import { hashLinkId, LINK_ID_PATTERN, linkRef } from './link-id';
import type { LinkCsrf } from './link-csrf';
import { renderForm, renderMessage, STYLESHEET_PATH, withSandboxBanner, type Notice } from './link-page';
import { MAX_ATTEMPTS, submitToken, type SubmitOutcome } from './link-submit';
import { submitAppSecret, type SecretOutcome } from './secret-submit';

export interface LinkRouteLimits {
  /** Requests per IP per window, for GET and POST separately. */
  getPerWindow: number;
  postPerWindow: number;
  windowMs: number;
}

export const DEFAULT_LIMITS: LinkRouteLimits = { getPerWindow: 120, postPerWindow: 30, windowMs: 10 * 60_000 };

const postBody = z.object({ token: z.string().optional(), _csrf: z.string().optional() });

export function linkRoutes(s: Services, deps: { repo: LinkRepo; validator: TokenValidation; csrf: LinkCsrf; limits: LinkRouteLimits }) {
  const css = fs.readFileSync(stylesheetFile(), 'utf8');
  return (app: Express): void => {
    app.get(STYLESHEET_PATH, (_req, res) => {
      res.set('Cache-Control', 'public, max-age=3600').type('text/css').send(css);
    });

    const router = express.Router();
    router.use('/t', linkHeaders);
    // The sandbox says it is a sandbox on every page, this one included.
    if (s.config.sandbox) router.use('/t', (_req, res, next) => ((res.locals.sandbox = true), next()));
    const limiter = (limit: number) =>
      rateLimit({
        windowMs: deps.limits.windowMs,
        limit,
        standardHeaders: 'draft-8',
        legacyHeaders: false,
        handler: (req, res) => {
          s.metrics.linkSubmissions.inc({ outcome: 'rate_limited' });
          page(res, 429, messagePage(requestLocale(req), 'rate', 'error'));
        },
      });

    router.get('/t/:id', limiter(deps.limits.getPerWindow), cookieParser(), async (req, res) => {
      const id = String(req.params.id);
      const link = LINK_ID_PATTERN.test(id) ? await deps.repo.findOpen(hashLinkId(id), s.clock.now()) : undefined;
      if (!link) return gone(req, res);
      page(res, 200, renderForm({
        locale: link.locale,
        action: `/t/${id}`,
        csrfToken: deps.csrf.issue(req, res, id),
        minutesLeft: minutesLeft(link.expires_at, s.clock.now()),
        attemptsLeft: MAX_ATTEMPTS - link.failed_attempts,
        kind: link.kind,
      }));
    });

    router.post(
      '/t/:id',
      limiter(deps.limits.postPerWindow),
      cookieParser(),
      // Tokens are opaque and long but nowhere near this; the cap only stops abuse.
      express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 10 }),
      async (req, res) => {
        const id = String(req.params.id);
        if (!LINK_ID_PATTERN.test(id)) return gone(req, res);
        if (!deps.csrf.valid(req)) {
          s.metrics.linkSubmissions.inc({ outcome: 'csrf' });
          s.logger.warn({ link: linkRef(hashLinkId(id)) }, 'link submission with a missing or wrong CSRF token');
          return page(res, 403, messagePage(requestLocale(req), 'csrf', 'error'));
        }
        const body = postBody.safeParse(req.body);
        if (!body.success) return page(res, 400, messagePage(requestLocale(req), 'bad_request', 'error'));
        const idHash = hashLinkId(id);
        const open = await deps.repo.findOpen(idHash, s.clock.now());
        if (open?.kind === 'app_secret') {
          const done = await submitAppSecret(s, deps.repo, idHash, body.data.token ?? '');
          s.metrics.linkSubmissions.inc({ outcome: `secret_${done.kind}` });
          s.logger.info({ link: linkRef(idHash), outcome: `secret_${done.kind}`, ...('reason' in done ? { diagnosis: done.reason } : {}) }, 'link submission (app secret)');
          return respondSecret(req, res, id, done);
        }
        const outcome = await submitToken(s, deps.repo, deps.validator, idHash, body.data.token ?? '');
        s.metrics.linkSubmissions.inc({ outcome: outcomeLabel(outcome) });
        s.logger.info({ link: linkRef(idHash), outcome: outcomeLabel(outcome), ...('diagnosis' in outcome ? { diagnosis: outcome.diagnosis.code } : {}) }, 'link submission');
        respond(req, res, id, outcome);
      },
    );

    // Errors on these routes answer as pages; the log gets the error's summary only,
    // never the request body (it may hold the token).
    const onError: ErrorRequestHandler = (err, req, res, _next) => {
      const e = err as { type?: string; status?: number };
      if (res.headersSent) return void res.end();
      const locale = requestLocale(req);
      if (e?.type === 'entity.too.large') return page(res, 413, messagePage(locale, 'bad_request', 'error'));
      if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return page(res, 400, messagePage(locale, 'bad_request', 'error'));
      s.logger.error({ err: errorSummary(err), route: req.route?.path }, 'one-time link request failed');
      page(res, 500, messagePage(locale, 'error', 'error'));
    };
    router.use(onError);
    app.use(router);
  };

  function respond(req: Request, res: Response, id: string, o: SubmitOutcome): void {
    switch (o.kind) {
      case 'gone':
        return gone(req, res);
      case 'accepted': {
        const t = translator(o.locale);
        const warnings: Notice | undefined = o.warnings.length
          ? { tone: 'warning', heading: t('links:warnings_heading'), lines: o.warnings.map((w) => describeWarning(w, o.locale)) }
          : undefined;
        return page(res, 200, renderMessage({
          locale: o.locale,
          tone: 'success',
          heading: t('links:success_heading'),
          lines: [t('links:success_body')],
          details: [
            [t('links:success_name'), o.facts.verifiedName ?? t('links:unknown')],
            [t('links:success_number'), o.facts.displayPhoneNumber ?? t('links:unknown')],
            [t('links:success_expiry'), o.facts.expiresAt === null ? t('links:never') : formatDate(o.facts.expiresAt, o.locale)],
          ],
          notice: warnings,
        }));
      }
      case 'rejected': {
        const t = translator(o.link.locale);
        const message = describeDiagnosis(o.diagnosis, o.link.locale);
        if (o.burnt) {
          return page(res, 410, renderMessage({ locale: o.link.locale, tone: 'error', heading: t('links:rejected_heading'), lines: [message, t('links:burnt')] }));
        }
        return formAgain(req, res, id, 422, o.link, o.attemptsLeft, { tone: 'error', heading: t('links:rejected_heading'), lines: [message, t('links:still_open')] });
      }
      case 'retry': {
        const t = translator(o.link.locale);
        return formAgain(req, res, id, 503, o.link, MAX_ATTEMPTS - o.link.failed_attempts, {
          tone: 'error',
          heading: t('links:retry_heading'),
          lines: [describeDiagnosis(o.diagnosis, o.link.locale)],
        });
      }
      case 'lost_race':
        return page(res, 409, messagePage(o.locale, 'race', 'error'));
      case 'save_failed': {
        const t = translator(o.link.locale);
        return formAgain(req, res, id, 503, o.link, MAX_ATTEMPTS - o.link.failed_attempts, {
          tone: 'error',
          heading: t('links:save_failed_heading'),
          lines: [t('links:save_failed_body')],
        });
      }
    }
  }

  function respondSecret(req: Request, res: Response, id: string, o: SecretOutcome): void {
    switch (o.kind) {
      case 'gone':
        return gone(req, res);
      case 'lost_race':
        return page(res, 409, messagePage(o.locale, 'race', 'error'));
      case 'accepted': {
        const t = translator(o.locale);
        return page(res, 200, renderMessage({
          locale: o.locale,
          tone: 'success',
          heading: t('links:secret.success_heading'),
          lines: [t('links:secret.success_body')],
          details: [
            [t('links:secret.callback_url'), o.callbackUrl],
            [t('links:secret.verify_token'), o.verifyToken],
          ],
        }));
      }
      case 'rejected': {
        const t = translator(o.link.locale);
        const message = t(`links:secret.${o.reason}`, { appId: o.appId });
        if (o.burnt) return page(res, 410, renderMessage({ locale: o.link.locale, tone: 'error', heading: t('links:secret.rejected_heading'), lines: [message, t('links:burnt')] }));
        return formAgain(req, res, id, 422, o.link, o.attemptsLeft, { tone: 'error', heading: t('links:secret.rejected_heading'), lines: [message, t('links:secret.still_open')] });
      }
      case 'retry': {
        const t = translator(o.link.locale);
        return formAgain(req, res, id, 503, o.link, MAX_ATTEMPTS - o.link.failed_attempts, { tone: 'error', heading: t('links:secret.rejected_heading'), lines: [t('links:secret.retry_body')] });
      }
    }
  }

  function formAgain(req: Request, res: Response, id: string, status: number, link: { locale: string; expires_at: number; kind?: 'token' | 'app_secret' }, attemptsLeft: number, notice: Notice): void {
    page(res, status, renderForm({
      kind: link.kind,
      locale: link.locale,
      action: `/t/${id}`,
      csrfToken: deps.csrf.issue(req, res, id),
      minutesLeft: minutesLeft(link.expires_at, s.clock.now()),
      attemptsLeft,
      notice,
    }));
  }

  function gone(req: Request, res: Response): void {
    page(res, 410, messagePage(requestLocale(req), 'gone', 'error'));
  }
}

/** Headers every link response carries, error pages included. */
const linkHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'X-Robots-Tag': 'noindex, nofollow',
  });
  next();
};

function page(res: Response, status: number, html: string): void {
  res.status(status).type('html').send(res.locals.sandbox ? withSandboxBanner(html) : html);
}

function messagePage(locale: string, key: 'gone' | 'csrf' | 'race' | 'rate' | 'bad_request' | 'error', tone: 'error' | 'info'): string {
  const t = translator(locale);
  return renderMessage({ locale, tone, heading: t(`links:${key}_heading`), lines: [t(`links:${key}_body`)] });
}

/** Without a link (gone, CSRF) the page follows the browser's language. */
function requestLocale(req: Request): string {
  return normalizeLocale(req.acceptsLanguages([...LOCALES]) || undefined);
}

function minutesLeft(expiresAt: number, now: number): number {
  return Math.max(1, Math.ceil((expiresAt - now) / 60_000));
}

function outcomeLabel(o: SubmitOutcome): string {
  if (o.kind === 'rejected' && o.burnt) return 'burnt';
  return o.kind;
}

function stylesheetFile(): string {
  // Works from src/ (ts-jest) and from dist/src/ (built; tsc does not copy CSS).
  const candidates = [path.join(__dirname, 'assets', 'link.css'), path.resolve(__dirname, '..', '..', '..', 'src', 'links', 'assets', 'link.css')];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error('src/links/assets/link.css not found');
  return found;
}
