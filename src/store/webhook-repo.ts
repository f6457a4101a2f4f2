// SQL for the raw Meta webhook log: the receiver's single insert, and the processor's
// reads and marks. Rows are never deleted here: processed_at says they are done.
import type { Kysely } from 'kysely';
import type { Database } from './schema';
import type { Engine } from './db';

export interface WebhookEventRow {
  id: number;
  tenant_id: string;
  body: string;
  attempts: number;
}

export class WebhookRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine = 'sqlite',
  ) {}

  /**
   * Takes a stored event for the caller's transaction: false when it is already processed
   * or another instance is processing it right now (PostgreSQL: row lock, SKIP LOCKED), so
   * instances polling the same log do not all redo the same work. The lock ends with the
   * transaction; a crash rolls back and the event is taken again. SQLite has one writer.
   */
  async takeForProcessing(trx: Kysely<Database>, id: number): Promise<boolean> {
    let q = trx.selectFrom('webhook_events').select('id').where('id', '=', id).where('processed_at', 'is', null);
    if (this.engine === 'postgres') q = q.forUpdate().skipLocked();
    return (await q.executeTakeFirst()) !== undefined;
  }

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
      .select(['id', 'tenant_id', 'body', 'attempts'])
      .where('processed_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async markProcessed(db: Kysely<Database>, id: number, now: number): Promise<void> {
    await db.updateTable('webhook_events').set({ processed_at: now }).where('id', '=', id).execute();
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
