// SQL for applying a batch of stored Meta webhooks in one transaction: take the events
// (SKIP LOCKED on PostgreSQL, so instances split the log), insert customer messages and
// delivery statuses as multi-row inserts that ignore redeliveries, move outbox rows along
// by status, and mark the events processed. A handful of statements per batch instead of
// several per webhook: the commit and the per-query overhead were most of the processor's
// cost (bench/README.md).
//
// On SQLite the two inserts run one cached prepared statement per row instead, directly on
// the connection inside Kysely's transaction (the same connection; better-sqlite3 runs each
// statement synchronously, so nothing else can step in between). Building and compiling a
// 500-row insert through Kysely and preparing it anew (too long to cache, see db.ts) cost
// more than SQLite's own work of inserting the rows (bench/README.md).
import { sql, type Kysely } from 'kysely';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { Database, OutboxState } from './schema';
import type { Engine, Store } from './db';
import type { NewInbound } from './inbound-repo';
import { STATUS_RANK } from './outbox-repo';

export interface StatusUpdate {
  tenantId: string;
  statusId: string;
  status: string;
  recipient: string | null;
  errorCode: number | null;
  errorReason: string | null;
  /** `conversation.expiration_timestamp` of the status, ms (service window, channel/window/). */
  conversationExpiresAt?: number | null;
  /** `conversation.origin.type`, else `pricing.category`. */
  conversationType?: string | null;
}

/**
 * Work another feature does in the apply transaction, after the customer messages are in
 * (and, on PostgreSQL, their customers locked). Returns what to do once it committed.
 */
export interface ApplyHook {
  inTransaction(trx: Kysely<Database>, items: ApplyItem[], now: number): Promise<() => void>;
}

export interface ApplyItem {
  id: number;
  inbound: NewInbound[];
  statuses: StatusUpdate[];
}

export interface StatusOutcome {
  /** False for a redelivery (this tenant + status id + status was recorded before). */
  isNew: boolean;
  /** The outbox row this status moved, with its new state. */
  changed: { id: number; giosgChatId: string | null; state: OutboxState } | null;
}

export interface ApplyResult {
  /** Events this call processed; the others were done already or are another instance's. */
  taken: Set<number>;
  inboundAdded: number;
  /** Per taken event, one outcome per status, in the order given. */
  statuses: Map<number, StatusOutcome[]>;
}

/** Rows per multi-row insert: well under SQLite's 32766 bound values. */
const CHUNK = 500;

interface TrackedRow {
  id: number;
  giosgChatId: string | null;
  state: OutboxState;
  error: { code: number | null; reason: string | null } | null;
  dirty: boolean;
}

const key = (...parts: string[]) => parts.join('\u0000');

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * PostgreSQL: instances insert a customer's messages one transaction at a time. Otherwise
 * instance A could take id 9 for a customer's message and commit after instance B took id
 * 10 for the next one and committed: the relay (oldest visible message first) would then
 * send 10 before 9. Transaction-scoped advisory locks, taken in one global order so two
 * batches cannot deadlock; a hash collision only serializes two customers.
 */
async function lockCustomers(trx: Kysely<Database>, rows: NewInbound[]): Promise<void> {
  // JSON, not the NUL-joined map key: PostgreSQL text cannot hold NUL.
  const keys = [...new Set(rows.map((r) => JSON.stringify([r.tenantId, r.waId])))];
  await sql`select pg_advisory_xact_lock(h) from (select hashtextextended(k, 0) as h from unnest(${keys}::text[]) as k order by h) as ordered`.execute(trx);
}

const INSERT_STATUS_SQL =
  'insert into status_events (tenant_id, status_id, status, recipient, error_code, created_at) values (?, ?, ?, ?, ?, ?) ' +
  'on conflict (tenant_id, status_id, status) do nothing';
const INSERT_INBOUND_SQL =
  'insert into inbound_messages (tenant_id, wa_message_id, wa_id, profile_name, text, wa_timestamp, state, attempts, next_attempt_at, last_error, lease_owner, lease_until, created_at, relayed_at, media) ' +
  "values (?, ?, ?, ?, ?, ?, 'queued', 0, ?, null, null, null, ?, null, ?) on conflict (tenant_id, wa_message_id) do nothing";

export class WebhookApplyRepo {
  private readonly db: Kysely<Database>;
  private readonly engine: Engine;
  private readonly sqlite: SqliteDatabase | undefined;

  constructor(
    store: Pick<Store, 'db' | 'engine' | 'sqliteDb'>,
    private readonly hook?: ApplyHook,
  ) {
    this.db = store.db;
    this.engine = store.engine;
    this.sqlite = store.engine === 'sqlite' ? store.sqliteDb : undefined;
  }

  async apply(items: ApplyItem[], now: number): Promise<ApplyResult> {
    const result: ApplyResult = { taken: new Set(), inboundAdded: 0, statuses: new Map() };
    if (items.length === 0) return result;
    let afterCommit: (() => void) | undefined;
    await this.db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('webhook_events')
        .select('id')
        .where(
          'id',
          'in',
          items.map((i) => i.id),
        )
        .where('processed_at', 'is', null);
      if (this.engine === 'postgres') q = q.forUpdate().skipLocked();
      for (const r of await q.execute()) result.taken.add(Number(r.id));
      const mine = items.filter((i) => result.taken.has(i.id));
      if (mine.length === 0) return;

      const inbound = mine.flatMap((i) => i.inbound);
      if (this.engine === 'postgres' && inbound.length > 0) await lockCustomers(trx, inbound);
      result.inboundAdded = await this.insertInbound(trx, inbound, now);
      const newKeys = await this.insertStatuses(trx, mine.flatMap((i) => i.statuses), now);
      if (this.hook) afterCommit = await this.hook.inTransaction(trx, mine, now);

      // Each status counts as new once, at its first occurrence (a batch can hold Meta's redelivery too).
      const firstSeen = new Set<string>();
      const fresh: { item: number; index: number; s: StatusUpdate }[] = [];
      for (const item of mine) {
        const outcomes: StatusOutcome[] = item.statuses.map((s, index) => {
          const k = key(s.tenantId, s.statusId, s.status);
          const isNew = newKeys.has(k) && !firstSeen.has(k);
          if (isNew) {
            firstSeen.add(k);
            fresh.push({ item: item.id, index, s });
          }
          return { isNew, changed: null };
        });
        result.statuses.set(item.id, outcomes);
      }
      if (fresh.length > 0) await this.advanceOutbox(trx, fresh, result.statuses, now);

      for (const ids of chunks([...result.taken])) {
        await trx.updateTable('webhook_events').set({ processed_at: now }).where('id', 'in', ids).execute();
      }
    });
    afterCommit?.();
    return result;
  }

  private async insertInbound(trx: Kysely<Database>, rows: NewInbound[], now: number): Promise<number> {
    let added = 0;
    if (this.sqlite) {
      const stmt = this.sqlite.prepare(INSERT_INBOUND_SQL);
      for (const r of rows) added += stmt.run(r.tenantId, r.waMessageId, r.waId, r.profileName, r.text, r.waTimestamp, now, now, r.media ?? null).changes;
      return added;
    }
    for (const part of chunks(rows)) {
      const res = await trx
        .insertInto('inbound_messages')
        .values(
          part.map((r) => ({
            tenant_id: r.tenantId,
            wa_message_id: r.waMessageId,
            wa_id: r.waId,
            profile_name: r.profileName,
            text: r.text,
            wa_timestamp: r.waTimestamp,
            state: 'queued' as const,
            attempts: 0,
            next_attempt_at: now,
            last_error: null,
            lease_owner: null,
            lease_until: null,
            created_at: now,
            relayed_at: null,
            media: r.media ?? null,
          })),
        )
        .onConflict((oc) => oc.columns(['tenant_id', 'wa_message_id']).doNothing())
        .returning('id')
        .execute();
      added += res.length;
    }
    return added;
  }

  /** Keys of the statuses this insert recorded (redeliveries are not returned). */
  private async insertStatuses(trx: Kysely<Database>, rows: StatusUpdate[], now: number): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (this.sqlite) {
      const stmt = this.sqlite.prepare(INSERT_STATUS_SQL);
      for (const s of rows) if (stmt.run(s.tenantId, s.statusId, s.status, s.recipient, s.errorCode, now).changes > 0) inserted.add(key(s.tenantId, s.statusId, s.status));
      return inserted;
    }
    for (const part of chunks(rows)) {
      const res = await trx
        .insertInto('status_events')
        .values(
          part.map((s) => ({ tenant_id: s.tenantId, status_id: s.statusId, status: s.status, recipient: s.recipient, error_code: s.errorCode, created_at: now })),
        )
        .onConflict((oc) => oc.columns(['tenant_id', 'status_id', 'status']).doNothing())
        .returning(['tenant_id', 'status_id', 'status'])
        .execute();
      for (const r of res) inserted.add(key(r.tenant_id, r.status_id, r.status));
    }
    return inserted;
  }

  /**
   * Folds the new statuses into the outbox rows they name, in arrival order: 'failed' is
   * final, otherwise a status only moves a row forward (a late 'sent' never undoes 'read').
   */
  private async advanceOutbox(
    trx: Kysely<Database>,
    fresh: { item: number; index: number; s: StatusUpdate }[],
    outcomes: Map<number, StatusOutcome[]>,
    now: number,
  ): Promise<void> {
    const rows = new Map<string, TrackedRow>();
    for (const wamids of chunks([...new Set(fresh.map((f) => f.s.statusId))])) {
      const found = await trx.selectFrom('outbox').select(['id', 'tenant_id', 'wamid', 'giosg_chat_id', 'state']).where('wamid', 'in', wamids).execute();
      for (const r of found) rows.set(key(r.tenant_id, r.wamid ?? ''), { id: Number(r.id), giosgChatId: r.giosg_chat_id, state: r.state, error: null, dirty: false });
    }
    if (rows.size === 0) return;
    for (const { item, index, s } of fresh) {
      const row = rows.get(key(s.tenantId, s.statusId));
      if (!row || row.state === 'failed') continue;
      if (s.status === 'failed') {
        row.state = 'failed';
        row.error = { code: s.errorCode, reason: s.errorReason };
      } else {
        const rank = STATUS_RANK[s.status];
        if (rank === undefined || (STATUS_RANK[row.state] ?? 0) >= rank) continue;
        row.state = s.status as OutboxState;
      }
      row.dirty = true;
      outcomes.get(item)![index].changed = { id: row.id, giosgChatId: row.giosgChatId, state: row.state };
    }
    const byState = new Map<OutboxState, number[]>();
    for (const row of rows.values()) {
      if (!row.dirty) continue;
      if (row.state === 'failed') {
        await trx
          .updateTable('outbox')
          .set({ state: 'failed', error_class: 'status', error_code: row.error?.code ?? null, error_reason: row.error?.reason?.slice(0, 500) ?? null, updated_at: now })
          .where('id', '=', row.id)
          .execute();
      } else {
        const ids = byState.get(row.state) ?? [];
        ids.push(row.id);
        byState.set(row.state, ids);
      }
    }
    for (const [state, ids] of byState) {
      for (const part of chunks(ids)) await trx.updateTable('outbox').set({ state, updated_at: now }).where('id', 'in', part).execute();
    }
  }
}
