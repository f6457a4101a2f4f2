// SQL for Meta delivery statuses: one row per (tenant, status id, status), so Meta's
// retries of a status webhook are recorded once.
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export class ChannelStatusRepo {
  /** True when this status is new; false for a redelivery. */
  async insert(
    db: Kysely<Database>,
    s: { tenantId: string; statusId: string; status: string; recipient: string | null; errorCode: number | null },
    now: number,
  ): Promise<boolean> {
    const res = await db
      .insertInto('status_events')
      .values({ tenant_id: s.tenantId, status_id: s.statusId, status: s.status, recipient: s.recipient, error_code: s.errorCode, created_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'status_id', 'status']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** Statuses that arrived before the send recorded its wamid. */
  async forStatusId(db: Kysely<Database>, tenantId: string, statusId: string) {
    return db
      .selectFrom('status_events')
      .select(['status', 'error_code'])
      .where('tenant_id', '=', tenantId)
      .where('status_id', '=', statusId)
      .orderBy('id')
      .execute();
  }
}
