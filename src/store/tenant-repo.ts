// SQL for tenant rows. Secrets arrive here already sealed; this file never sees them in clear.
import type { Kysely, Selectable } from 'kysely';
import type { Database, TenantTable } from './schema';

export type TenantRow = Selectable<TenantTable>;

export class TenantRepo {
  constructor(private readonly db: Kysely<Database>) {}

  get(tenantId: string): Promise<TenantRow | undefined> {
    return this.db.selectFrom('tenants').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  }

  list(): Promise<TenantRow[]> {
    return this.db.selectFrom('tenants').selectAll().orderBy('tenant_id').execute();
  }

  async insert(row: TenantRow): Promise<void> {
    await this.db.insertInto('tenants').values(row).execute();
  }

  async update(tenantId: string, patch: Partial<TenantRow>): Promise<boolean> {
    const r = await this.db.updateTable('tenants').set(patch).where('tenant_id', '=', tenantId).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Insert or overwrite (environment seeding runs at every start and must be idempotent). */
  async upsert(row: TenantRow): Promise<'inserted' | 'updated'> {
    const { tenant_id, created_at, ...rest } = row;
    const r = await this.db
      .insertInto('tenants')
      .values(row)
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet(rest))
      .executeTakeFirst();
    void r;
    const again = await this.get(tenant_id);
    return again && Number(again.created_at) === Number(created_at) ? 'inserted' : 'updated';
  }
}
