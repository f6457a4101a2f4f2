// GET /apps/giosg/trigger — giosg App triggers (install, uninstall and the rest).
// Order: the query's shape (400), the JWT (HS256 with the app secret, unexpired, our app
// id: 401/400 with a code), and only then anything stored. A replay of the same `data`
// is answered from the first attempt's outcome (409 while that one still runs), so an
// install is carried out once however often the browser or giosg repeats it.
import { createHash } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import type { Services } from '../services';
import { HttpError } from '../http/errors';
import { errorSummary } from '../log';
import { TRIGGER_TYPES, TriggerError, triggerQuery, verifyTriggerData } from '../giosg/app-trigger';
import { GiosgError } from '../giosg/client';
import { AppInstaller, InstallRefused } from './app-installer';

export const TRIGGER_ROUTE = '/apps/giosg/trigger';

interface StoredOutcome {
  status: number;
  body: Record<string, unknown>;
}

export function triggerRoutes(app: Express, s: Services, appCreds: { appId: string; appSecret: string }, installer: AppInstaller): void {
  const counted = (result: string) => s.metrics.webhooks.inc({ source: 'giosg_app', result });

  app.get(TRIGGER_ROUTE, async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const q = triggerQuery.safeParse(req.query);
    if (!q.success) {
      counted('malformed');
      throw new HttpError(400, 'trigger_malformed', `Invalid trigger query at ${q.error.issues[0]?.path.join('.') || '(root)'}`);
    }
    let claims;
    try {
      claims = await verifyTriggerData(q.data.data, appCreds, new Date(s.clock.now()));
    } catch (err) {
      if (!(err instanceof TriggerError)) throw err;
      counted(err.code);
      throw new HttpError(err.status, err.code, err.message);
    }
    const redirect = q.data.redirect_uri === undefined ? undefined : safeRedirect(q.data.redirect_uri);
    if (redirect === null) {
      counted('trigger_redirect');
      throw new HttpError(400, 'trigger_redirect', 'redirect_uri is not an http(s) URL');
    }
    const type = q.data.type;
    if (!(TRIGGER_TYPES as readonly string[]).includes(type) || (type !== 'install' && type !== 'uninstall')) {
      counted('ignored');
      res.status(200).json({ ok: true, ignored: type });
      return;
    }

    const hash = createHash('sha256').update(q.data.data).digest('hex');
    const claim = await installer.installs.claimTrigger(hash, type, claims.org_id, s.clock.now());
    if (claim.kind === 'running') {
      counted('in_progress');
      throw new HttpError(409, 'trigger_in_progress', 'This trigger is being carried out; try again in a moment');
    }
    if (claim.kind === 'done') {
      counted('replayed');
      const stored = JSON.parse(claim.outcome ?? '{}') as StoredOutcome;
      return answer(res, stored, redirect);
    }

    let outcome: StoredOutcome;
    try {
      const done = type === 'install' ? await installer.install(claims) : await installer.uninstall(claims);
      outcome = { status: 200, body: { ok: true, type, tenant: done.tenantId, lifecycle: done.lifecycle } };
    } catch (err) {
      const known = err instanceof InstallRefused ? { status: err.code === 'unknown_installation' ? 404 : 422, code: err.code, message: err.message } : err instanceof GiosgError ? { status: 502, code: 'giosg_failed', message: err.message } : null;
      await installer.installs.finishTrigger(hash, 'failed', JSON.stringify({ status: known?.status ?? 500 }), s.clock.now());
      counted('failed');
      s.logger.warn({ organization: claims.org_id, type, err: errorSummary(err) }, 'giosg App trigger failed; a replay retries it');
      if (known) throw new HttpError(known.status, known.code, known.message);
      throw err;
    }
    await installer.installs.finishTrigger(hash, 'done', JSON.stringify(outcome), s.clock.now());
    counted('ok');
    answer(res, outcome, redirect);
  });
}

function answer(res: Response, o: StoredOutcome, redirect: string | undefined): void {
  // giosg's install flow runs in the admin's browser: send it back where giosg asked.
  if (redirect !== undefined && o.status === 200) res.redirect(302, redirect);
  else res.status(o.status).json(o.body);
}

function safeRedirect(uri: string): string | null {
  try {
    const u = new URL(uri);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}
