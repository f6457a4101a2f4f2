// SQL for the last Meta wiring check of each tenant (one row per tenant, replaced by each check).
import type { Kysely } from 'kysely';
import type { Database, WiringState } from './schema';

export interface StoredWiring {
  state: WiringState;
  report: string;
  cause: string;
  checkedAt: number;
}

export class WiringRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async save(tenantId: string, w: StoredWiring): Promise<void> {
    const values = { tenant_id: tenantId, state: w.state, report: w.report, cause: w.cause, checked_at: w.checkedAt };
    await this.db
      .insertInto('wiring_checks')
      .values(values)
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ state: w.state, report: w.report, cause: w.cause, checked_at: w.checkedAt }))
      .execute();
  }

  async get(tenantId: string): Promise<StoredWiring | null> {
    const r = await this.db.selectFrom('wiring_checks').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    return r ? { state: r.state, report: r.report, cause: r.cause, checkedAt: Number(r.checked_at) } : null;
  }
}
