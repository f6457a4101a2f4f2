// SQL for Meta delivery statuses: one row per (tenant, status id, status), so Meta's
// retries of a status webhook are recorded once.
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export class DeliveryStatusRepo {
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
