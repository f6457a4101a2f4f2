// The WhatsApp token vault. Senders call current() on every send; it is served from
// memory and invalidated on every stage change (locally, and across instances through
// the swap announcer).
import { fingerprint, SecretBox } from './crypto';
import { TokenRepo, PromoteOutcome, TokenVersionRow, ValidationFacts, NewVersion } from '../store/token-repo';
import type { Clock } from '../clock';
import type { ChannelEventBus } from '../events';
import type { Diagnosis, TokenValidation, ValidationResult } from './validation-types';

export interface CurrentToken {
  versionId: number;
  token: string;
  fingerprint: string;
  expiresAt: number | null;
  validatedAt: number | null;
  promotedAt: number | null;
  verifiedName: string | null;
  displayPhoneNumber: string | null;
}

export type PassedValidation = Extract<ValidationResult, { ok: true }>;

export type SubmitOutcome = { ok: true; versionId: number } | { ok: false; versionId: number; reason: string; diagnosis?: Diagnosis };

export type RollbackOutcome =
  | { ok: true; versionId: number }
  | { ok: false; reason: 'no_previous' | 'invalid' | 'stale' | 'not_validated' | 'not_pending' | 'not_found'; diagnosis?: Diagnosis };

export interface TokenVaultDeps {
  repo: TokenRepo;
  box: SecretBox;
  clock: Clock;
  /** Every token is checked with it before it can become current: a new one, and a rolled-back one. */
  validation: TokenValidation;
  events?: ChannelEventBus;
}

/** What the vault keeps beside a version from a passed validation. */
function factsOf(v: PassedValidation): Omit<ValidationFacts, 'validatedAt'> {
  const { tokenType, expiresAt, verifiedName, displayPhoneNumber } = v.facts;
  return { tokenType, expiresAt, verifiedName, displayPhoneNumber };
}

const aad = (tenantId: string) => `token:${tenantId}`;

export class TokenVault {
  private readonly cache = new Map<string, Promise<CurrentToken | null>>();

  private readonly repo: TokenRepo;
  private readonly box: SecretBox;
  private readonly clock: Clock;
  private readonly validation: TokenValidation;
  private readonly events?: ChannelEventBus;

  constructor(d: TokenVaultDeps) {
    this.repo = d.repo;
    this.box = d.box;
    this.clock = d.clock;
    this.validation = d.validation;
    this.events = d.events;
  }

  /** The live token, or null when the tenant has none. Decrypted once per change, not per send. */
  current(tenantId: string): Promise<CurrentToken | null> {
    let hit = this.cache.get(tenantId);
    if (!hit) {
      hit = this.load(tenantId);
      this.cache.set(tenantId, hit);
      // A failed read must not be cached: the next send retries the database.
      hit.catch(() => this.cache.delete(tenantId));
    }
    return hit;
  }

  invalidate(tenantId?: string): void {
    if (tenantId === undefined) this.cache.clear();
    else this.cache.delete(tenantId);
  }

  async addPending(tenantId: string, token: string, actor: string, source: string): Promise<number> {
    return this.repo.insertPending(this.sealVersion(tenantId, token, actor, source));
  }

  private sealVersion(tenantId: string, token: string, actor: string, source: string): NewVersion {
    const sealed = this.box.seal(token, aad(tenantId));
    return { tenantId, keyId: sealed.keyId, box: sealed.box, fingerprint: fingerprint(token), source, createdBy: actor, createdAt: this.clock.now() };
  }

  async markValidated(tenantId: string, versionId: number, facts: Omit<ValidationFacts, 'validatedAt'>, actor: string): Promise<void> {
    await this.repo.markValidated(tenantId, versionId, { ...facts, validatedAt: this.clock.now() }, actor);
    // Re-validation of the live version changes what status shows.
    this.invalidate(tenantId);
  }

  async reject(tenantId: string, versionId: number, actor: string, reason: string): Promise<void> {
    await this.repo.reject(tenantId, versionId, actor, reason, this.clock.now());
  }

  async promote(
    tenantId: string,
    versionId: number,
    expectedCurrentId: number | null,
    actor: string,
    detail?: Record<string, unknown>,
  ): Promise<PromoteOutcome> {
    const outcome = await this.repo.promote(tenantId, versionId, expectedCurrentId, actor, this.clock.now(), detail);
    if (outcome.ok) this.changed(tenantId, versionId, actor);
    return outcome;
  }

  /** Stores a token straight as current, only when the tenant has none (WHATSAPP_ACCESS_TOKEN seeding). */
  async seedIfEmpty(tenantId: string, token: string, actor: string, source: string): Promise<number | null> {
    const id = await this.repo.insertInitialCurrent(this.sealVersion(tenantId, token, actor, source));
    if (id !== null) this.changed(tenantId, id, actor);
    return id;
  }

  /**
   * Full path for a new token: pending → validated → current, in that order, so that
   * only a validated token can ever become current. `validated` is a verdict the caller
   * got from this same validation moments ago (the link page shows it before the swap);
   * without it the vault validates.
   */
  async submit(
    tenantId: string,
    token: string,
    actor: string,
    source: string,
    o: { validated?: PassedValidation; detail?: Record<string, unknown> } = {},
  ): Promise<SubmitOutcome> {
    const versionId = await this.addPending(tenantId, token, actor, source);
    const verdict = o.validated ?? (await this.validation.validate(tenantId, token));
    if (!verdict.ok) {
      await this.reject(tenantId, versionId, actor, verdict.diagnosis.code);
      return { ok: false, versionId, reason: verdict.diagnosis.code, diagnosis: verdict.diagnosis };
    }
    await this.markValidated(tenantId, versionId, factsOf(verdict), actor);
    // Retry the CAS a few times: a concurrent swap may have moved current under us, and
    // the newest validated token should still win rather than fail the admin's submit.
    for (let i = 0; i < 3; i++) {
      const cur = await this.repo.current(tenantId);
      const outcome = await this.promote(tenantId, versionId, cur ? cur.id : null, actor, o.detail);
      if (outcome.ok) return { ok: true, versionId };
      if (outcome.reason !== 'stale') return { ok: false, versionId, reason: outcome.reason };
    }
    return { ok: false, versionId, reason: 'stale' };
  }

  /**
   * Re-promotes the previous token as a new version, only after it validates again: it
   * may have been revoked since it was replaced.
   */
  async rollback(tenantId: string, actor: string): Promise<RollbackOutcome> {
    const prev = await this.repo.previous(tenantId);
    if (!prev) return { ok: false, reason: 'no_previous' };
    const token = this.open(prev);
    const cur = await this.repo.current(tenantId);
    const versionId = await this.addPending(tenantId, token, actor, `rollback:${prev.id}`);
    const verdict = await this.validation.validate(tenantId, token);
    if (!verdict.ok) {
      await this.reject(tenantId, versionId, actor, verdict.diagnosis.code);
      return { ok: false, reason: 'invalid', diagnosis: verdict.diagnosis };
    }
    await this.markValidated(tenantId, versionId, factsOf(verdict), actor);
    const outcome = await this.promote(tenantId, versionId, cur ? cur.id : null, actor, { rollback_of: prev.id });
    if (!outcome.ok) {
      await this.reject(tenantId, versionId, actor, outcome.reason);
      return { ok: false, reason: outcome.reason };
    }
    return { ok: true, versionId };
  }

  /** Decrypts a stored version; throws DecryptionError (loudly) on a wrong key. */
  open(row: Pick<TokenVersionRow, 'key_id' | 'box' | 'tenant_id'>): string {
    return this.box.open({ keyId: row.key_id, box: row.box }, aad(row.tenant_id));
  }

  versions(tenantId: string, limit?: number) {
    return this.repo.list(tenantId, limit);
  }

  audit(tenantId: string, limit?: number) {
    return this.repo.auditTrail(tenantId, limit);
  }

  get tokens(): TokenRepo {
    return this.repo;
  }

  private async load(tenantId: string): Promise<CurrentToken | null> {
    const row = await this.repo.current(tenantId);
    if (!row) return null;
    return {
      versionId: row.id,
      token: this.open(row),
      fingerprint: row.fingerprint,
      expiresAt: row.expires_at,
      validatedAt: row.validated_at,
      promotedAt: row.promoted_at,
      verifiedName: row.verified_name,
      displayPhoneNumber: row.display_phone_number,
    };
  }

  private changed(tenantId: string, versionId: number | null, actor: string) {
    this.invalidate(tenantId);
    this.events?.emit('token.changed', { tenantId, versionId, actor });
  }
}
