// The hot swap: a token that passed validation goes pending → validated → current in the
// vault (one compare-and-swap). The vault announces token.changed, which resumes the
// channel; token.swapped tells the bot to confirm in the chat the link came from.
import type { Services } from '../services';
import type { TokenFacts, ValidationResult, TokenValidator, Diagnosis } from './validation-types';
import { toVaultVerdict } from './validation';

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
  const verdict = toVaultVerdict(r.verdict);
  const result = await s.vault.submit(r.tenantId, r.token, actor, r.source, async () => verdict, r.detail);
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

export type RollbackResult =
  | { ok: true; versionId: number }
  | { ok: false; reason: 'no_previous' | 'invalid' | 'stale' | 'not_validated' | 'not_pending' | 'not_found' | 'no_validator'; diagnosis?: Diagnosis };

/**
 * Re-promotes the previous token as a new version, only after it passes validation again
 * (it may have been revoked since it was replaced). For the CLI and the bot's rollback.
 */
export async function rollbackToken(s: Services, tenantId: string, actor: string): Promise<RollbackResult> {
  const validator: TokenValidator | undefined = s.validator;
  if (!validator) return { ok: false, reason: 'no_validator' };
  let diagnosis: Diagnosis | undefined;
  const outcome = await s.vault.rollback(tenantId, actor, async (t, token) => {
    const r = await validator.validate(t, token);
    if (!r.ok) diagnosis = r.diagnosis;
    return toVaultVerdict(r);
  });
  if (!outcome.ok) {
    s.logger.warn({ tenant: tenantId, actor, reason: outcome.reason, diagnosis: diagnosis?.code }, 'token rollback refused');
    return { ok: false, reason: outcome.reason, diagnosis };
  }
  s.metrics.tokenSwaps.inc({ source: 'rollback' });
  s.logger.info({ tenant: tenantId, versionId: outcome.versionId, actor }, 'token rolled back');
  return { ok: true, versionId: outcome.versionId };
}
