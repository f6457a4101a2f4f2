// The bot's durable inbox in giosg_events: one row per giosg resource_id (the unique key
// is the dedupe), the scrubbed event kept until a turn has processed it.
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export interface QueuedBotEvent {
  tenantId: string;
  resourceId: string;
  chatId: string | null;
  payload: string;
  attempts: number;
}

export class BotEventRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new event; false when this resource_id was seen before (a redelivery). */
  async insertIfNew(e: { tenantId: string; resourceId: string; chatId: string; payload: string; receivedAt: number }): Promise<boolean> {
    const res = await this.db
      .insertInto('giosg_events')
      .values({
        tenant_id: e.tenantId,
        resource_id: e.resourceId,
        received_at: e.receivedAt,
        chat_id: e.chatId,
        payload: e.payload,
        processed_at: null,
        claimed_until: null,
        last_error: null,
        attempts: 0,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'resource_id']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Records an event we ignore (own message, non-msg) only for dedupe: nothing to process. */
  async recordIgnored(tenantId: string, resourceId: string, receivedAt: number): Promise<void> {
    await this.db
      .insertInto('giosg_events')
      .values({ tenant_id: tenantId, resource_id: resourceId, received_at: receivedAt, chat_id: null, payload: null, processed_at: receivedAt, claimed_until: null, last_error: null, attempts: 0 })
      .onConflict((oc) => oc.columns(['tenant_id', 'resource_id']).doNothing())
      .execute();
  }

  /** Takes the event for one processing attempt; false when done or held by another process. */
  async claim(tenantId: string, resourceId: string, now: number, leaseMs: number): Promise<QueuedBotEvent | null> {
    const res = await this.db
      .updateTable('giosg_events')
      .set((eb) => ({ claimed_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
      .where('tenant_id', '=', tenantId)
      .where('resource_id', '=', resourceId)
      .where('processed_at', 'is', null)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return null;
    const row = await this.db
      .selectFrom('giosg_events')
      .select(['tenant_id', 'resource_id', 'chat_id', 'payload', 'attempts'])
      .where('tenant_id', '=', tenantId)
      .where('resource_id', '=', resourceId)
      .executeTakeFirstOrThrow();
    return { tenantId: row.tenant_id, resourceId: row.resource_id, chatId: row.chat_id, payload: row.payload ?? '{}', attempts: row.attempts };
  }

  /** Done: the text is dropped, the key stays for dedupe. */
  async markProcessed(tenantId: string, resourceId: string, now: number, error: string | null = null): Promise<void> {
    await this.db
      .updateTable('giosg_events')
      .set({ processed_at: now, payload: null, claimed_until: null, last_error: error })
      .where('tenant_id', '=', tenantId)
      .where('resource_id', '=', resourceId)
      .execute();
  }

  async markRetry(tenantId: string, resourceId: string, retryAt: number, error: string): Promise<void> {
    await this.db
      .updateTable('giosg_events')
      .set({ claimed_until: retryAt, last_error: error })
      .where('tenant_id', '=', tenantId)
      .where('resource_id', '=', resourceId)
      .execute();
  }

  /** Unprocessed events nobody holds, oldest first (left behind by a crash or a failed turn). */
  async due(now: number, receivedBefore: number, limit: number): Promise<Array<{ tenantId: string; resourceId: string; chatId: string | null }>> {
    const rows = await this.db
      .selectFrom('giosg_events')
      .select(['tenant_id', 'resource_id', 'chat_id'])
      .where('processed_at', 'is', null)
      .where('received_at', '<=', receivedBefore)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
      .orderBy('received_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, resourceId: r.resource_id, chatId: r.chat_id }));
  }

  /** Dedupe keys are kept for a while (giosg retries within minutes), then dropped. */
  async prune(processedBefore: number): Promise<number> {
    const res = await this.db.deleteFrom('giosg_events').where('processed_at', '<', processedBefore).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async get(tenantId: string, resourceId: string) {
    return this.db.selectFrom('giosg_events').selectAll().where('tenant_id', '=', tenantId).where('resource_id', '=', resourceId).executeTakeFirst();
  }
}
