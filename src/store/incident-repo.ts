// SQL for incidents: a partial unique index allows one open incident per (tenant, kind),
// so detectors racing in several processes open it once; open() says who won.
import { Kysely, sql } from 'kysely';
import type { Database, IncidentTable } from './schema';

export type IncidentRow = { [K in keyof IncidentTable]: K extends 'id' ? number : IncidentTable[K] };

export interface NewIncident {
  tenantId: string;
  kind: string;
  fixableByToken: boolean;
  reason: string | null;
  metaCode: number | null;
  tokenCause?: string | null;
}

export class IncidentRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Opens the incident, or returns the one already open for this tenant and kind (created=false). */
  async open(i: NewIncident, now: number): Promise<{ incident: IncidentRow; created: boolean }> {
    const inserted = await this.db
      .insertInto('incidents')
      .values({
        tenant_id: i.tenantId,
        kind: i.kind,
        fixable_by_token: i.fixableByToken ? 1 : 0,
        state: 'open',
        reason: i.reason,
        meta_code: i.metaCode,
        token_cause: i.tokenCause ?? null,
        opened_at: now,
        resolved_at: null,
        alerted_at: null,
        reminded_at: null,
        alert_chat_id: null,
        delivered_after: null,
      })
      // The literal must match the partial index's predicate (a bound parameter would not).
      .onConflict((oc) => oc.columns(['tenant_id', 'kind']).where('state', '=', sql.lit('open')).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { incident: norm(inserted), created: true };
    const existing = await this.openOf(i.tenantId, i.kind);
    // Resolved between our insert and this read: try once more, the index decides again.
    if (!existing) return this.open(i, now);
    return { incident: existing, created: false };
  }

  async openOf(tenantId: string, kind: string): Promise<IncidentRow | null> {
    const r = await this.db
      .selectFrom('incidents')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('kind', '=', kind)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return r ? norm(r) : null;
  }

  async openFor(tenantId: string, kinds: string[]): Promise<IncidentRow[]> {
    const rows = await this.db
      .selectFrom('incidents')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('kind', 'in', kinds)
      .where('state', '=', 'open')
      .orderBy('id')
      .execute();
    return rows.map(norm);
  }

  async get(id: number): Promise<IncidentRow | null> {
    const r = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? norm(r) : null;
  }

  /**
   * Marks where the held backlog ends (the largest outbox id when sending resumed); the
   * incident resolves once every row up to it is sent. Stored so it survives a restart.
   */
  async setBacklogWatermark(ids: number[], watermark: number | null): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('incidents').set({ delivered_after: watermark }).where('id', 'in', ids).where('state', '=', 'open').execute();
  }

  /** Open incidents whose backlog is draining, across tenants. */
  async draining(kinds: string[]): Promise<IncidentRow[]> {
    const rows = await this.db
      .selectFrom('incidents')
      .selectAll()
      .where('state', '=', 'open')
      .where('kind', 'in', kinds)
      .where('delivered_after', 'is not', null)
      .execute();
    return rows.map(norm);
  }

  /** True only for the caller that resolved it (several processes may try). */
  async resolve(id: number, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('incidents')
      .set({ state: 'resolved', resolved_at: now })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}

function norm<T extends { id: number | bigint | string }>(r: T): T & { id: number } {
  return { ...r, id: Number(r.id) };
}
