// SQL for the customer_ids table (0015_bsuid): which giosg thread key a phone number or a
// business-scoped user id belongs to. The rule that uses it: channel/inbound/customer-keys.ts.
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export interface CustomerIdRow {
  customer_id: string;
  kind: 'phone' | 'bsuid';
  customer_key: string;
  retired: number;
}

export class CustomerIdRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async lookup(tenantId: string, ids: string[]): Promise<CustomerIdRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('customer_ids').select(['customer_id', 'kind', 'customer_key', 'retired']).where('tenant_id', '=', tenantId).where('customer_id', 'in', ids).execute();
  }

  /** Links an id to a key unless it already belongs to one: an id never moves silently. */
  async link(tenantId: string, id: string, kind: 'phone' | 'bsuid', key: string, now: number): Promise<void> {
    await this.db
      .insertInto('customer_ids')
      .values({ tenant_id: tenantId, customer_id: id, kind, customer_key: key, retired: 0, updated_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'customer_id']).doNothing())
      .execute();
  }

  /** A retired phone number seen again belongs to whoever uses it now. */
  async reassign(tenantId: string, id: string, key: string, now: number): Promise<void> {
    await this.db.updateTable('customer_ids').set({ customer_key: key, retired: 0, updated_at: now }).where('tenant_id', '=', tenantId).where('customer_id', '=', id).where('retired', '=', 1).execute();
  }

  /** The customer changed away from this phone number: it no longer leads to them. */
  async retire(tenantId: string, id: string, now: number): Promise<void> {
    await this.db.updateTable('customer_ids').set({ retired: 1, updated_at: now }).where('tenant_id', '=', tenantId).where('customer_id', '=', id).execute();
  }

  /** The ids of one customer key that still reach them, newest first. */
  async idsOf(tenantId: string, key: string): Promise<CustomerIdRow[]> {
    return this.db
      .selectFrom('customer_ids')
      .select(['customer_id', 'kind', 'customer_key', 'retired'])
      .where('tenant_id', '=', tenantId)
      .where('customer_key', '=', key)
      .where('retired', '=', 0)
      .orderBy('updated_at', 'desc')
      .execute();
  }
}
