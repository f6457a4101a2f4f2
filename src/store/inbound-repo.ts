// SQL for customer messages waiting to be relayed into giosg. Claims take only the oldest
// unrelayed message of each customer, so a customer's messages reach giosg in order.
import { Kysely, sql } from 'kysely';
import type { Database } from './schema';
import type { Engine } from './db';

export interface NewInbound {
  tenantId: string;
  waMessageId: string;
  waId: string;
  profileName: string | null;
  text: string;
  waTimestamp: number;
  /** Media the customer sent (channel/media/media-ref.ts JSON); absent for plain messages. */
  media?: string | null;
}

export interface InboundRow {
  id: number;
  tenant_id: string;
  wa_message_id: string;
  wa_id: string;
  profile_name: string | null;
  text: string;
  attempts: number;
  media: string | null;
  /** When it was stored: the relay's lag is now minus the oldest one it claims. */
  created_at: number;
}

export class InboundRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  /**
   * Leases due messages that are the oldest queued one of their customer. On PostgreSQL
   * the candidate rows are locked with SKIP LOCKED so instances never claim the same row.
   */
  async claim(owner: string, now: number, leaseMs: number, limit: number): Promise<InboundRow[]> {
    const lock = this.engine === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<InboundRow>`
      update inbound_messages set lease_owner = ${owner}, lease_until = ${now + leaseMs}
      where id in (
        select m.id from inbound_messages m
        where m.state = 'queued' and m.next_attempt_at <= ${now}
          and (m.lease_until is null or m.lease_until < ${now})
          and not exists (
            select 1 from inbound_messages p
            where p.tenant_id = m.tenant_id and p.wa_id = m.wa_id and p.state = 'queued' and p.id < m.id
          )
        order by m.id
        limit ${limit}
        ${lock}
      )
      returning id, tenant_id, wa_message_id, wa_id, profile_name, text, attempts, media, created_at`.execute(this.db);
    return result.rows.map((r) => ({ ...r, id: Number(r.id), created_at: Number(r.created_at) })).sort((a, b) => a.id - b.id);
  }

  /** Customer messages not yet relayed (the bench waits for none before its next phase). */
  async countQueued(): Promise<number> {
    const r = await this.db
      .selectFrom('inbound_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'queued')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** One statement for a whole tick's successes: one commit instead of one per message. */
  async markRelayed(ids: number[], owner: string, now: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('inbound_messages')
      .set({ state: 'relayed', relayed_at: now, lease_owner: null, lease_until: null, last_error: null })
      .where('id', 'in', ids)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async retryLater(id: number, owner: string, nextAt: number, error: string): Promise<void> {
    await this.db
      .updateTable('inbound_messages')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        next_attempt_at: nextAt,
        last_error: error.slice(0, 500),
        lease_owner: null,
        lease_until: null,
      }))
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /**
   * Puts a message back untouched while its channel is paused (its media download met an
   * auth error): no attempt is counted, and `paused_hold` lets a resume wake it at once.
   */
  async holdForPause(id: number, owner: string, nextAt: number): Promise<void> {
    await this.db
      .updateTable('inbound_messages')
      .set({ next_attempt_at: nextAt, paused_hold: 1, last_error: 'waiting for the channel to resume', lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /** The channel resumed: messages held for it are due now. */
  async wakeHeld(now: number): Promise<number> {
    const r = await this.db
      .updateTable('inbound_messages')
      .set({ next_attempt_at: now, paused_hold: 0 })
      .where('state', '=', 'queued')
      .where('paused_hold', '=', 1)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Gives back this process's unfinished claims (graceful stop). */
  async releaseOwned(owner: string): Promise<void> {
    await this.db
      .updateTable('inbound_messages')
      .set({ lease_owner: null, lease_until: null })
      .where('lease_owner', '=', owner)
      .where('state', '=', 'queued')
      .execute();
  }

  /** SQLite serves one process: at start every lease is a dead process's, so reclaim it now. */
  async releaseAll(): Promise<void> {
    await this.db
      .updateTable('inbound_messages')
      .set({ lease_owner: null, lease_until: null })
      .where('state', '=', 'queued')
      .where('lease_owner', 'is not', null)
      .execute();
  }
}
