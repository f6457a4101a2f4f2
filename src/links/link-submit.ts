// What happens to one POSTed token. Order matters and is deliberate:
//   1. the link must be open (cheap read; no Meta call for dead links);
//   2. validate against Meta WITHOUT claiming the link: a rejected token leaves it open;
//   3. one conditional UPDATE … RETURNING consumes it: exactly one concurrent winner;
//   4. only the winner's token enters the vault (pending → validated → CAS promote).
// Validating before the claim means a loser never has a pending row at all, so its token
// cannot become current, and no 'validating' state can be stranded by a crash mid-call.
// If the vault fails after the claim, the link is reopened so the admin can retry.
import type { Services } from '../services';
import type { LinkOwner, LinkRepo, LinkRow } from '../store/link-repo';
import type { Diagnosis, TokenFacts, TokenValidation, Warning } from '../vault/validation-types';
import { normalizeToken } from '../vault/validate-shape';
import { swapToken } from '../vault/swap';
import { linkRef } from './link-id';

/** The fifth rejected token burns the link (DESIGN.md section 7). */
export const MAX_ATTEMPTS = 5;

export type SubmitOutcome =
  | { kind: 'gone' }
  | { kind: 'accepted'; locale: string; facts: TokenFacts; warnings: Warning[]; versionId: number }
  | { kind: 'rejected'; link: LinkRow; diagnosis: Diagnosis; attemptsLeft: number; burnt: boolean }
  | { kind: 'retry'; link: LinkRow; diagnosis: Diagnosis }
  | { kind: 'lost_race'; locale: string }
  | { kind: 'save_failed'; link: LinkRow };

export async function submitToken(s: Services, repo: LinkRepo, validator: TokenValidation, idHash: string, raw: string): Promise<SubmitOutcome> {
  const link = await repo.findOpen(idHash, s.clock.now());
  if (!link) return { kind: 'gone' };

  const verdict = await validator.validate(link.tenant_id, raw);
  if (!verdict.ok) {
    // Not the admin's fault (Meta down, our app credentials): nothing counted, link kept.
    if (verdict.retryable) return { kind: 'retry', link, diagnosis: verdict.diagnosis };
    // An empty form is a slip, not a wrong token: it does not use up an attempt.
    if (verdict.diagnosis.code === 'empty') {
      return { kind: 'rejected', link, diagnosis: verdict.diagnosis, attemptsLeft: MAX_ATTEMPTS - link.failed_attempts, burnt: false };
    }
    const counted = await repo.recordRejection(idHash, s.clock.now(), MAX_ATTEMPTS);
    if (!counted) return { kind: 'gone' };
    return { kind: 'rejected', link, diagnosis: verdict.diagnosis, attemptsLeft: MAX_ATTEMPTS - counted.failedAttempts, burnt: counted.burnt };
  }

  const owner: LinkOwner | undefined = await repo.consume(idHash, s.clock.now());
  if (!owner) {
    const now = await repo.get(idHash);
    return now?.state === 'consumed' ? { kind: 'lost_race', locale: link.locale } : { kind: 'gone' };
  }

  let swapped;
  try {
    swapped = await swapToken(s, {
      tenantId: owner.tenant_id,
      token: normalizeToken(raw),
      verdict,
      adminUserId: owner.admin_user_id,
      chatId: owner.chat_id,
      locale: owner.locale,
      source: 'link',
      detail: { link: linkRef(idHash) },
    });
  } catch (err) {
    await repo.reopen(idHash);
    throw err;
  }
  if (!swapped.ok) {
    s.logger.warn({ tenant: owner.tenant_id, link: linkRef(idHash), reason: swapped.reason }, 'accepted token could not be promoted; link reopened');
    await repo.reopen(idHash);
    return { kind: 'save_failed', link };
  }
  await repo.attachVersion(idHash, swapped.versionId);
  return { kind: 'accepted', locale: owner.locale, facts: swapped.facts, warnings: verdict.warnings, versionId: swapped.versionId };
}
