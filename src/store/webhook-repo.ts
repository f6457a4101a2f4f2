// SQL for the raw Meta webhook log: the receiver's single insert, and the processor's
// reads and marks. processed_at says a row is done; the retention pruner deletes done rows
// later (retention-repo.ts).
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export interface WebhookEventRow {
  id: number;
  tenant_id: string;
  body: string;
  attempts: number;
  /** When it was stored: the processor's lag is now minus the oldest one it has not done. */
  received_at: number;
}

export class WebhookRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** The receiver's only write: the body exactly as Meta signed it. */
  async insert(tenantId: string, body: string, now: number): Promise<number> {
    const row = await this.db
      .insertInto('webhook_events')
      .values({ tenant_id: tenantId, received_at: now, body, processed_at: null, attempts: 0, last_error: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Oldest unprocessed events whose retry time has come (attempts back off through received_at ordering). */
  async unprocessed(limit: number): Promise<WebhookEventRow[]> {
    const rows = await this.db
      .selectFrom('webhook_events')
      .select(['id', 'tenant_id', 'body', 'attempts', 'received_at'])
      .where('processed_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), received_at: Number(r.received_at) }));
  }

  async markFailed(id: number, error: string): Promise<void> {
    await this.db
      .updateTable('webhook_events')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error.slice(0, 500) }))
      .where('id', '=', id)
      .execute();
  }

  async countUnprocessed(): Promise<number> {
    const r = await this.db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('processed_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
