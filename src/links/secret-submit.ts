// What happens to one POSTed Meta app secret (a setup link of kind 'app_secret'), in the
// token path's order: the link must be open; the secret is checked with Meta WITHOUT
// claiming the link (an app access token id|secret that Meta refuses is a wrong secret);
// one conditional UPDATE consumes the link; only the winner's secret is stored (sealed in
// the tenant row). The secret is never logged, echoed or kept anywhere else.
import type { Services } from '../services';
import type { LinkRepo, LinkRow } from '../store/link-repo';
import { GraphError } from '../meta/graph-errors';
import { MAX_ATTEMPTS } from './link-submit';

export type SecretOutcome =
  | { kind: 'gone' }
  | { kind: 'accepted'; locale: string; callbackUrl: string; verifyToken: string }
  | { kind: 'rejected'; link: LinkRow; reason: 'bad_shape' | 'wrong_secret'; appId: string; attemptsLeft: number; burnt: boolean }
  | { kind: 'retry'; link: LinkRow }
  | { kind: 'lost_race'; locale: string };

/** Meta's app secrets are 32 hex digits; anything secret-like is tried, whitespace never is. */
const SECRET_SHAPE = /^[\x21-\x7e]{16,256}$/;

export async function submitAppSecret(s: Services, repo: LinkRepo, idHash: string, raw: string): Promise<SecretOutcome> {
  const link = await repo.findOpen(idHash, s.clock.now());
  if (!link) return { kind: 'gone' };
  const tenant = await s.tenants.get(link.tenant_id);
  if (!tenant) return { kind: 'gone' };
  const secret = raw.trim();
  const rejected = async (reason: 'bad_shape' | 'wrong_secret', count: boolean): Promise<SecretOutcome> => {
    if (!count) return { kind: 'rejected', link, reason, appId: tenant.metaAppId, attemptsLeft: MAX_ATTEMPTS - link.failed_attempts, burnt: false };
    const counted = await repo.recordRejection(idHash, s.clock.now(), MAX_ATTEMPTS);
    if (!counted) return { kind: 'gone' };
    return { kind: 'rejected', link, reason, appId: tenant.metaAppId, attemptsLeft: MAX_ATTEMPTS - counted.failedAttempts, burnt: counted.burnt };
  };
  // A slip (empty, a space inside) costs no attempt: Meta was not asked.
  if (!SECRET_SHAPE.test(secret)) return rejected('bad_shape', false);

  try {
    // The app's own access token, introspected with itself: Meta answers only when id and secret belong together.
    await s.graph.debugToken({ inputToken: `${tenant.metaAppId}|${secret}`, appId: tenant.metaAppId, appSecret: secret });
  } catch (err) {
    if (err instanceof GraphError && (err.errorClass === 'transient' || err.errorClass === 'throttled')) return { kind: 'retry', link };
    if (!(err instanceof GraphError)) throw err;
    return rejected('wrong_secret', true);
  }

  const owner = await repo.consume(idHash, s.clock.now());
  if (!owner) {
    const now = await repo.get(idHash);
    return now?.state === 'consumed' ? { kind: 'lost_race', locale: link.locale } : { kind: 'gone' };
  }
  try {
    await s.tenants.update(tenant.id, { metaAppSecret: secret });
  } catch (err) {
    await repo.reopen(idHash);
    throw err;
  }
  s.events.emit('app_secret.stored', { tenantId: tenant.id, chatId: owner.chat_id, adminUserId: owner.admin_user_id, locale: owner.locale });
  return { kind: 'accepted', locale: owner.locale, callbackUrl: `${s.config.publicBaseUrl}/webhooks/meta/${encodeURIComponent(tenant.id)}`, verifyToken: tenant.metaVerifyToken };
}
