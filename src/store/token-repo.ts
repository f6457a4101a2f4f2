// SQL for the token vault: versions, the compare-and-swap promotion, and the audit log.
import { Kysely, Selectable, Transaction, sql } from 'kysely';
import type { Database, TokenStage, TokenVersionTable } from './schema';
import type { Engine } from './db';

export type TokenVersionRow = {
  [K in keyof TokenVersionTable]: K extends 'id' ? number : TokenVersionTable[K];
};

export type PromoteOutcome =
  | { ok: true; previousId: number | null }
  | { ok: false; reason: 'not_found' | 'not_pending' | 'not_validated' | 'stale' };

class PromoteAbort extends Error {
  constructor(readonly reason: 'not_found' | 'not_pending' | 'not_validated' | 'stale') {
    super(reason);
  }
}

export interface NewVersion {
  tenantId: string;
  keyId: string;
  box: string;
  fingerprint: string;
  source: string;
  createdBy: string;
  createdAt: number;
}

export interface ValidationFacts {
  validatedAt: number;
  expiresAt: number | null;
  tokenType: string | null;
  verifiedName: string | null;
  displayPhoneNumber: string | null;
}

export class TokenRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  async insertPending(v: NewVersion): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('token_versions')
        .values({
          tenant_id: v.tenantId,
          stage: 'pending',
          key_id: v.keyId,
          box: v.box,
          fingerprint: v.fingerprint,
          source: v.source,
          created_by: v.createdBy,
          created_at: v.createdAt,
          validated_at: null,
          promoted_at: null,
          expires_at: null,
          token_type: null,
          verified_name: null,
          display_phone_number: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(row.id);
      await audit(trx, v.tenantId, v.createdBy, 'token.received', id, { source: v.source }, v.createdAt);
      return id;
    });
  }

  /** Seeds a first current version; succeeds only when the tenant has no current token. */
  async insertInitialCurrent(v: NewVersion): Promise<number | null> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('token_versions')
          .select('id')
          .where('tenant_id', '=', v.tenantId)
          .where('stage', '=', 'current')
          .executeTakeFirst();
        if (existing) return null;
        const row = await trx
          .insertInto('token_versions')
          .values({
            tenant_id: v.tenantId,
            stage: 'current',
            key_id: v.keyId,
            box: v.box,
            fingerprint: v.fingerprint,
            source: v.source,
            created_by: v.createdBy,
            created_at: v.createdAt,
            validated_at: null,
            promoted_at: v.createdAt,
            expires_at: null,
            token_type: null,
            verified_name: null,
            display_phone_number: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const id = Number(row.id);
        await audit(trx, v.tenantId, v.createdBy, 'token.seeded', id, { source: v.source }, v.createdAt);
        await this.announce(trx, v.tenantId);
        return id;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return null; // another instance seeded it first
      throw err;
    }
  }

  async markValidated(tenantId: string, id: number, facts: ValidationFacts, actor: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('token_versions')
        .set({
          validated_at: facts.validatedAt,
          expires_at: facts.expiresAt,
          token_type: facts.tokenType,
          verified_name: facts.verifiedName,
          display_phone_number: facts.displayPhoneNumber,
        })
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .execute();
      await audit(trx, tenantId, actor, 'token.validated', id, null, facts.validatedAt);
    });
  }

  async reject(tenantId: string, id: number, actor: string, reason: string, at: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('token_versions')
        .set({ stage: 'rejected' })
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .where('stage', '=', 'pending')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) await audit(trx, tenantId, actor, 'token.rejected', id, { reason }, at);
    });
  }

  /**
   * One compare-and-swap: the pending, validated version becomes current only if the
   * current version is still `expectedCurrentId`. Everything happens in one transaction;
   * the partial unique index on stage='current' is the final referee between racers.
   */
  async promote(
    tenantId: string,
    versionId: number,
    expectedCurrentId: number | null,
    actor: string,
    at: number,
    detail?: Record<string, unknown>,
  ): Promise<PromoteOutcome> {
    try {
      const previousId = await this.db.transaction().execute(async (trx) => {
        const candidate = await trx
          .selectFrom('token_versions')
          .select(['id', 'stage', 'validated_at'])
          .where('id', '=', versionId)
          .where('tenant_id', '=', tenantId)
          .executeTakeFirst();
        if (!candidate) throw new PromoteAbort('not_found');
        if (candidate.validated_at === null) throw new PromoteAbort('not_validated');
        const claimed = await trx
          .updateTable('token_versions')
          .set({ stage: 'promoting' })
          .where('id', '=', versionId)
          .where('stage', '=', 'pending')
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) throw new PromoteAbort('not_pending');

        if (expectedCurrentId !== null) {
          // Row lock on PostgreSQL: a concurrent promoter waits here, then sees stage
          // is no longer 'current' and aborts as stale.
          const demoted = await trx
            .updateTable('token_versions')
            .set({ stage: 'demoting' })
            .where('id', '=', expectedCurrentId)
            .where('tenant_id', '=', tenantId)
            .where('stage', '=', 'current')
            .executeTakeFirst();
          if (Number(demoted.numUpdatedRows) !== 1) throw new PromoteAbort('stale');
        } else {
          const someCurrent = await trx
            .selectFrom('token_versions')
            .select('id')
            .where('tenant_id', '=', tenantId)
            .where('stage', '=', 'current')
            .executeTakeFirst();
          if (someCurrent) throw new PromoteAbort('stale');
        }

        await trx
          .updateTable('token_versions')
          .set({ stage: 'retired' })
          .where('tenant_id', '=', tenantId)
          .where('stage', '=', 'previous')
          .execute();
        if (expectedCurrentId !== null) {
          await trx.updateTable('token_versions').set({ stage: 'previous' }).where('id', '=', expectedCurrentId).execute();
        }
        await trx
          .updateTable('token_versions')
          .set({ stage: 'current', promoted_at: at })
          .where('id', '=', versionId)
          .execute();
        await audit(trx, tenantId, actor, 'token.promoted', versionId, { replaced: expectedCurrentId, ...detail }, at);
        await this.announce(trx, tenantId);
        return expectedCurrentId;
      });
      return { ok: true, previousId };
    } catch (err) {
      if (err instanceof PromoteAbort) return { ok: false, reason: err.reason };
      if (isUniqueViolation(err) || isSerializationFailure(err)) return { ok: false, reason: 'stale' };
      throw err;
    }
  }

  async current(tenantId: string): Promise<TokenVersionRow | undefined> {
    return this.byStage(tenantId, 'current');
  }

  async previous(tenantId: string): Promise<TokenVersionRow | undefined> {
    return this.byStage(tenantId, 'previous');
  }

  async get(tenantId: string, id: number): Promise<TokenVersionRow | undefined> {
    const row = await this.db
      .selectFrom('token_versions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? normalize(row) : undefined;
  }

  async list(tenantId: string, limit = 20): Promise<TokenVersionRow[]> {
    const rows = await this.db
      .selectFrom('token_versions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(normalize);
  }

  async auditTrail(tenantId: string, limit = 50) {
    return this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  private async byStage(tenantId: string, stage: TokenStage) {
    const row = await this.db
      .selectFrom('token_versions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('stage', '=', stage)
      .executeTakeFirst();
    return row ? normalize(row) : undefined;
  }

  /** PostgreSQL delivers the notification at commit, so listeners never see an uncommitted swap. */
  private async announce(trx: Transaction<Database>, tenantId: string) {
    if (this.engine === 'postgres') await sql`select pg_notify('token_swapped', ${tenantId})`.execute(trx);
  }

  get engineName(): Engine {
    return this.engine;
  }
}

// PostgreSQL's bigserial arrives as a string.
function normalize(row: Selectable<TokenVersionTable>): TokenVersionRow {
  return { ...row, id: Number(row.id) };
}

async function audit(
  db: Kysely<Database> | Transaction<Database>,
  tenantId: string,
  actor: string,
  action: string,
  versionId: number | null,
  detail: Record<string, unknown> | null,
  at: number,
) {
  await db
    .insertInto('audit_log')
    .values({
      tenant_id: tenantId,
      actor,
      action,
      version_id: versionId,
      detail: detail ? JSON.stringify(detail) : null,
      created_at: at,
    })
    .execute();
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function isSerializationFailure(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === '40001' || e?.code === '40P01';
}

/** Current version id per tenant: the swap watcher compares it with what it saw last. */
export async function currentVersionIds(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db.selectFrom('token_versions').select(['tenant_id', 'id']).where('stage', '=', 'current').execute();
  return new Map(rows.map((r) => [r.tenant_id, Number(r.id)]));
}
