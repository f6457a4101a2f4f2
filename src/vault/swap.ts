// The hot swap: a token that passed validation goes pending → validated → current in the
// vault (one compare-and-swap). The vault announces token.changed, which resumes the
// channel; token.swapped tells the bot to confirm in the chat the link came from.
import type { Services } from '../services';
import type { TokenFacts, ValidationResult } from './validation-types';
import type { RollbackOutcome } from './token-vault';

export interface SwapRequest {
  tenantId: string;
  /** Already normalized and accepted by the validator. */
  token: string;
  verdict: Extract<ValidationResult, { ok: true }>;
  adminUserId: string;
  chatId: string | null;
  locale: string;
  source: string;
  detail?: Record<string, unknown>;
}

export type SwapOutcome = { ok: true; versionId: number; facts: TokenFacts } | { ok: false; reason: string };

export async function swapToken(s: Services, r: SwapRequest): Promise<SwapOutcome> {
  const actor = `admin:${r.adminUserId}`;
  // The token was validated moments ago in this same request; the vault records those
  // facts rather than asking Meta twice (which would also widen the swap gap).
  const result = await s.vault.submit(r.tenantId, r.token, actor, r.source, { validated: r.verdict, detail: r.detail });
  if (!result.ok) return { ok: false, reason: result.reason };
  s.metrics.tokenSwaps.inc({ source: r.source });
  const facts = r.verdict.facts;
  s.logger.info({ tenant: r.tenantId, versionId: result.versionId, actor, ...r.detail }, 'token swapped');
  s.events.emit('token.swapped', {
    tenantId: r.tenantId,
    versionId: result.versionId,
    actor,
    chatId: r.chatId,
    locale: r.locale,
    verifiedName: facts.verifiedName,
    displayPhoneNumber: facts.displayPhoneNumber,
    expiresAt: facts.expiresAt,
  });
  return { ok: true, versionId: result.versionId, facts };
}

/**
 * The one rollback path, for the bot's dialog and the CLI alike: the vault validates the
 * previous token again (it may have been revoked since it was replaced), audits with the
 * actor, and this counts and logs the outcome.
 */
export async function rollbackToken(s: Pick<Services, 'vault' | 'metrics' | 'logger'>, tenantId: string, actor: string): Promise<RollbackOutcome> {
  const outcome = await s.vault.rollback(tenantId, actor);
  s.metrics.tokenRollbacks.inc({ result: outcome.ok ? 'done' : outcome.reason });
  if (!outcome.ok) {
    s.logger.warn({ tenant: tenantId, actor, reason: outcome.reason, diagnosis: outcome.diagnosis?.code }, 'token rollback refused');
    return outcome;
  }
  s.metrics.tokenSwaps.inc({ source: 'rollback' });
  s.logger.info({ tenant: tenantId, versionId: outcome.versionId, actor }, 'token rolled back');
  return outcome;
}
