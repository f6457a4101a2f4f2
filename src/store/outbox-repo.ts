// SQL for the durable outbox of agents' replies. Claims take only the head (oldest unsent
// row) of each recipient's queue, so a later reply never overtakes an earlier one; rows of
// paused channels are never claimed.
import { Kysely, sql, type Insertable } from 'kysely';
import type { Database, OutboxState, OutboxTable } from './schema';
import type { Engine } from './db';

/** Rows per markAcceptedMany statement (4 bound values each). */
const ACCEPTED_CHUNK = 200;

export interface NewOutboxRow {
  tenantId: string;
  sourceId: string;
  recipient: string;
  body: string;
  giosgChatId: string | null;
  /** Sealed attachment of the reply (channel/media/outbound-media-ref.ts); absent for text. */
  media?: string | null;
}

/** The row a new reply is stored as: queued, due now, never tried. */
export function queuedOutboxRow(r: NewOutboxRow, now: number): Insertable<OutboxTable> {
  return {
    tenant_id: r.tenantId,
    source_id: r.sourceId,
    recipient: r.recipient,
    body: r.body,
    giosg_chat_id: r.giosgChatId,
    media: r.media ?? null,
    state: 'queued',
    attempts: 0,
    next_attempt_at: now,
    lease_owner: null,
    lease_until: null,
    wamid: null,
    error_class: null,
    error_code: null,
    error_reason: null,
    created_at: now,
    sent_at: null,
    updated_at: now,
  };
}

export interface OutboxRow {
  id: number;
  tenant_id: string;
  source_id: string;
  recipient: string;
  body: string;
  giosg_chat_id: string | null;
  state: OutboxState;
  attempts: number;
  wamid: string | null;
  /** Only claim() reads it (the sender needs it; status bookkeeping does not). */
  media?: string | null;
}

/** How far a delivery status has come; a late 'sent' must not undo 'read'. */
export const STATUS_RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3 };

export class OutboxRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  /** Returns the ids inserted; a giosg redelivery (same source_id) inserts nothing. */
  async enqueue(rows: NewOutboxRow[], now: number): Promise<number[]> {
    return this.db.transaction().execute(async (trx) => {
      const ids: number[] = [];
      for (const r of rows) {
        const res = await trx
          .insertInto('outbox')
          .values(queuedOutboxRow(r, now))
          .onConflict((oc) => oc.columns(['tenant_id', 'source_id']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (res) ids.push(Number(res.id));
      }
      return ids;
    });
  }

  /**
   * Leases due queue heads of channels that are not paused. A row in state 'sending' whose
   * lease ran out belongs to a dead process and is claimed again. On PostgreSQL the
   * candidates are locked with SKIP LOCKED so instances never claim the same row.
   */
  async claim(owner: string, now: number, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    const lock = this.engine === 'postgres' ? sql`for update of o skip locked` : sql``;
    const result = await sql<OutboxRow>`
      update outbox set state = 'sending', lease_owner = ${owner}, lease_until = ${now + leaseMs}, updated_at = ${now}
      where id in (
        select o.id from outbox o
        where o.state in ('queued', 'sending')
          and ((o.state = 'queued' and o.next_attempt_at <= ${now}) or (o.state = 'sending' and o.lease_until < ${now}))
          and not exists (select 1 from channel_state c where c.tenant_id = o.tenant_id and c.paused = 1)
          and not exists (
            select 1 from outbox p
            where p.tenant_id = o.tenant_id and p.recipient = o.recipient and p.id < o.id
              and p.state in ('queued', 'sending')
          )
        order by o.id
        limit ${limit}
        ${lock}
      )
      returning id, tenant_id, source_id, recipient, body, giosg_chat_id, state, attempts, wamid, media`.execute(this.db);
    return result.rows.map((r) => ({ ...r, id: Number(r.id) })).sort((a, b) => a.id - b.id);
  }

  /**
   * Meta accepted these messages: record their wamids, in one statement and one commit (the
   * sender records the sends accepted within a few milliseconds together, a commit per
   * send was a tenth of the drain's CPU). A row whose lease is no longer `owner`'s is left alone.
   */
  async markAcceptedMany(rows: Array<{ id: number; owner: string; wamid: string; now: number }>): Promise<void> {
    for (let i = 0; i < rows.length; i += ACCEPTED_CHUNK) {
      const part = rows.slice(i, i + ACCEPTED_CHUNK);
      // Casts: PostgreSQL types VALUES parameters as text otherwise.
      const values = sql.join(part.map((r) => sql`(cast(${r.id} as bigint), cast(${r.owner} as text), cast(${r.wamid} as text), cast(${r.now} as bigint))`));
      await sql`
        update outbox set state = 'sent', wamid = v.column3, sent_at = v.column4, attempts = attempts + 1,
          lease_owner = null, lease_until = null, error_class = null, error_code = null, error_reason = null,
          updated_at = v.column4
        from (values ${values}) as v
        where outbox.id = v.column1 and outbox.lease_owner = v.column2`.execute(this.db);
    }
  }

  /** Extends this process's lease on a row it is sending; false when the row is no longer ours. */
  async renewLease(id: number, owner: string, until: number, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('outbox')
      .set({ lease_until: until, updated_at: now })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'sending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Back to the queue without burning an attempt (the channel paused under it). */
  async release(id: number, owner: string, now: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ state: 'queued', lease_owner: null, lease_until: null, updated_at: now })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'sending')
      .execute();
  }

  async retryLater(id: number, owner: string, nextAt: number, err: { cls: string; code: number | null; reason: string }, now: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({
        state: 'queued',
        attempts: eb('attempts', '+', 1),
        next_attempt_at: nextAt,
        lease_owner: null,
        lease_until: null,
        error_class: err.cls,
        error_code: err.code,
        error_reason: err.reason.slice(0, 500),
        updated_at: now,
      }))
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async markFailed(id: number, owner: string, err: { cls: string; code: number | null; reason: string }, now: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({
        state: 'failed',
        attempts: eb('attempts', '+', 1),
        lease_owner: null,
        lease_until: null,
        error_class: err.cls,
        error_code: err.code,
        error_reason: err.reason.slice(0, 500),
        updated_at: now,
      }))
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /**
   * Applies a delivery status from Meta to the row with that wamid. Returns the row when
   * it changed (so a 'failed' can be reported), or null for unknown or stale statuses.
   */
  async applyStatus(
    db: Kysely<Database>,
    tenantId: string,
    wamid: string,
    status: string,
    err: { code: number | null; reason: string | null },
    now: number,
  ): Promise<OutboxRow | null> {
    const row = await db
      .selectFrom('outbox')
      .select(['id', 'tenant_id', 'source_id', 'recipient', 'body', 'giosg_chat_id', 'state', 'attempts', 'wamid'])
      .where('tenant_id', '=', tenantId)
      .where('wamid', '=', wamid)
      .executeTakeFirst();
    if (!row || row.state === 'failed') return null;
    if (status === 'failed') {
      await db
        .updateTable('outbox')
        .set({ state: 'failed', error_class: 'status', error_code: err.code, error_reason: err.reason?.slice(0, 500) ?? null, updated_at: now })
        .where('id', '=', row.id)
        .execute();
      return { ...row, id: Number(row.id), state: 'failed' };
    }
    const rank = STATUS_RANK[status];
    if (rank === undefined || (STATUS_RANK[row.state] ?? 0) >= rank) return null;
    await db.updateTable('outbox').set({ state: status as OutboxState, updated_at: now }).where('id', '=', row.id).execute();
    return { ...row, id: Number(row.id), state: status as OutboxState };
  }

  async get(id: number) {
    return this.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listForTenant(tenantId: string) {
    return this.db.selectFrom('outbox').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
  }

  /** Replies still waiting per tenant (queued or being sent). */
  async depthByTenant(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['tenant_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', 'in', ['queued', 'sending'])
      .groupBy('tenant_id')
      .execute();
    return new Map(rows.map((r) => [r.tenant_id, Number(r.n)]));
  }

  async countByState(tenantId: string): Promise<{ waiting: number; failed: number }> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('tenant_id', '=', tenantId)
      .where('state', 'in', ['queued', 'sending', 'failed'])
      .groupBy('state')
      .execute();
    let waiting = 0;
    let failed = 0;
    for (const r of rows) {
      if (r.state === 'failed') failed += Number(r.n);
      else waiting += Number(r.n);
    }
    return { waiting, failed };
  }

  async maxId(tenantId: string): Promise<number> {
    const r = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.max('id').as('m'))
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  /** Held rows (id ≤ watermark) still unsent. */
  async unsentUpTo(tenantId: string, watermark: number): Promise<number> {
    const r = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('id', '<=', watermark)
      .where('state', 'in', ['queued', 'sending'])
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Rows up to the watermark that Meta accepted after the incident opened: the held replies that went out. */
  async deliveredSince(tenantId: string, watermark: number, since: number): Promise<number> {
    const r = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('id', '<=', watermark)
      .where('state', 'in', ['sent', 'delivered', 'read'])
      .where('sent_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async releaseOwned(owner: string, now: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ state: 'queued', lease_owner: null, lease_until: null, updated_at: now })
      .where('lease_owner', '=', owner)
      .where('state', '=', 'sending')
      .execute();
  }

  /**
   * SQLite serves one process, so at start a row left 'sending' belongs to a process that
   * died. It goes back to the queue: if that process died after Meta accepted the message
   * but before markAcceptedMany, the customer gets it twice (the documented window).
   */
  async releaseAll(now: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ state: 'queued', lease_owner: null, lease_until: null, updated_at: now })
      .where('state', '=', 'sending')
      .execute();
  }
}
