// SQL for retention: finished rows older than the policy are deleted (or stripped of their
// content first) in small batches, one short transaction each, so the pruner never holds
// the SQLite write lock, or PostgreSQL row locks, for long next to ingest.
//
// Only finished work is touched: processed webhooks, relayed customer messages, replies
// that Meta accepted or that failed for good, recorded statuses, answered re-engagements.
// Queued, leased, unrelayed, unsent and held rows are never in any step's WHERE clause.
//
// Dedupe: a Meta redelivery is recognised by the unique keys of inbound_messages
// (tenant, wamid) and status_events (tenant, status id, status), not by the webhook body.
// So those rows are the compact id table: past the content's retention they are stripped
// (text, names, media, recipient) and kept, id-only, until the dedupe period (≥ Meta's 7
// days of retries) is over too. The hot path is unchanged, and no prune can race a
// redelivery's insert, since a row is only deleted after Meta stopped retrying it.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { Engine, Store } from './db';
import type { RetentionPolicy } from '../config';

export type PruneStep =
  | 'webhook_events'
  | 'inbound_content'
  | 'inbound_messages'
  | 'outbox_content'
  | 'outbox'
  | 'status_recipient'
  | 'status_events'
  | 'audit_log'
  | 'reengagements'
  | 'service_windows';

/** Rows each step changed in one pass. */
export type PruneCounts = Partial<Record<PruneStep, number>>;

interface Step {
  name: PruneStep;
  /** The table the step writes: on PostgreSQL one instance at a time prunes it. */
  table: keyof Database;
  run(trx: Kysely<Database>, now: number, limit: number): Promise<number>;
}

const n = (r: { numDeletedRows?: bigint; numUpdatedRows?: bigint } | undefined) => Number(r?.numDeletedRows ?? r?.numUpdatedRows ?? 0);

function steps(p: RetentionPolicy): Step[] {
  const messageRowsMs = Math.max(p.messagesMs, p.dedupeMs);
  const statusRowsMs = Math.max(p.statusMs, p.dedupeMs);
  return [
    {
      name: 'webhook_events',
      table: 'webhook_events',
      run: async (trx, now, limit) =>
        n(
          await trx
            .deleteFrom('webhook_events')
            .where('id', 'in', trx.selectFrom('webhook_events').select('id').where('processed_at', 'is not', null).where('processed_at', '<', now - p.webhookBodyMs).limit(limit))
            .executeTakeFirst(),
        ),
    },
    {
      name: 'inbound_messages',
      table: 'inbound_messages',
      run: async (trx, now, limit) =>
        n(
          await trx
            .deleteFrom('inbound_messages')
            .where('id', 'in', trx.selectFrom('inbound_messages').select('id').where('state', '=', 'relayed').where('relayed_at', '<', now - messageRowsMs).limit(limit))
            .executeTakeFirst(),
        ),
    },
    {
      name: 'inbound_content',
      table: 'inbound_messages',
      run: async (trx, now, limit) =>
        n(
          await trx
            .updateTable('inbound_messages')
            .set({ text: '', profile_name: null, media: null, last_error: null })
            .where(
              'id',
              'in',
              trx
                .selectFrom('inbound_messages')
                .select('id')
                .where('state', '=', 'relayed')
                .where('relayed_at', '<', now - p.messagesMs)
                .where((eb) => eb.or([eb('text', '<>', ''), eb('profile_name', 'is not', null), eb('media', 'is not', null)]))
                .limit(limit),
            )
            .executeTakeFirst(),
        ),
    },
    {
      name: 'outbox',
      table: 'outbox',
      run: async (trx, now, limit) =>
        n(
          await trx
            .deleteFrom('outbox')
            .where('id', 'in', trx.selectFrom('outbox').select('id').where('state', 'in', ['sent', 'delivered', 'read', 'failed']).where('updated_at', '<', now - messageRowsMs).limit(limit))
            .executeTakeFirst(),
        ),
    },
    {
      name: 'outbox_content',
      table: 'outbox',
      run: async (trx, now, limit) =>
        n(
          await trx
            .updateTable('outbox')
            .set({ body: '', media: null })
            .where(
              'id',
              'in',
              trx
                .selectFrom('outbox')
                .select('id')
                .where('state', 'in', ['sent', 'delivered', 'read', 'failed'])
                .where('updated_at', '<', now - p.messagesMs)
                .where((eb) => eb.or([eb('body', '<>', ''), eb('media', 'is not', null)]))
                .limit(limit),
            )
            .executeTakeFirst(),
        ),
    },
    {
      name: 'status_events',
      table: 'status_events',
      run: async (trx, now, limit) =>
        n(
          await trx
            .deleteFrom('status_events')
            .where('id', 'in', trx.selectFrom('status_events').select('id').where('created_at', '<', now - statusRowsMs).limit(limit))
            .executeTakeFirst(),
        ),
    },
    {
      name: 'status_recipient',
      table: 'status_events',
      run: async (trx, now, limit) =>
        n(
          await trx
            .updateTable('status_events')
            .set({ recipient: null })
            .where('id', 'in', trx.selectFrom('status_events').select('id').where('created_at', '<', now - p.statusMs).where('recipient', 'is not', null).limit(limit))
            .executeTakeFirst(),
        ),
    },
    {
      name: 'audit_log',
      table: 'audit_log',
      run: async (trx, now, limit) =>
        n(await trx.deleteFrom('audit_log').where('id', 'in', trx.selectFrom('audit_log').select('id').where('created_at', '<', now - p.auditMs).limit(limit)).executeTakeFirst()),
    },
    {
      // Only answered ones: every other state still counts as the customer's open one.
      name: 'reengagements',
      table: 'reengagements',
      run: async (trx, now, limit) =>
        n(
          await trx
            .deleteFrom('reengagements')
            .where('id', 'in', trx.selectFrom('reengagements').select('id').where('state', '=', 'answered').where('updated_at', '<', now - p.messagesMs).limit(limit))
            .executeTakeFirst(),
        ),
    },
    {
      // A customer's window, long closed, unless a reply still waits for it to open.
      name: 'service_windows',
      table: 'service_windows',
      run: async (trx, now, limit) => {
        const r = await sql`
          delete from service_windows where (tenant_id, wa_id) in (
            select w.tenant_id, w.wa_id from service_windows w
            where w.updated_at < ${now - p.messagesMs}
              and not exists (select 1 from held_replies h where h.tenant_id = w.tenant_id and h.recipient = w.wa_id)
            limit ${limit}
          )`.execute(trx);
        return Number(r.numAffectedRows ?? 0);
      },
    },
  ];
}

export class RetentionRepo {
  private readonly db: Kysely<Database>;
  private readonly engine: Engine;
  private readonly sqlite: SqliteDatabase | undefined;

  constructor(store: Pick<Store, 'db' | 'engine' | 'sqliteDb'>) {
    this.db = store.db;
    this.engine = store.engine;
    this.sqlite = store.engine === 'sqlite' ? store.sqliteDb : undefined;
  }

  stepNames(p: RetentionPolicy): PruneStep[] {
    return steps(p).map((s) => s.name);
  }

  /**
   * One batch of one step in its own transaction. On PostgreSQL the transaction first takes
   * the table's advisory lock without waiting: another instance pruning it means this one
   * skips it (null), rather than two instances deleting the same rows in lockstep.
   */
  async pruneBatch(p: RetentionPolicy, name: PruneStep, now: number): Promise<number | null> {
    const step = steps(p).find((s) => s.name === name);
    if (!step) throw new Error(`unknown prune step ${name}`);
    return this.db.transaction().execute(async (trx) => {
      if (this.engine === 'postgres') {
        const got = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtextextended(${`retention:${step.table}`}, 0)) as ok`.execute(trx);
        if (!got.rows[0]?.ok) return null;
      }
      return step.run(trx, now, p.batch);
    });
  }

  /**
   * SQLite: gives up to `pages` free pages back to the file system. Only in incremental
   * auto-vacuum mode (new files are created in it, db.ts); otherwise freed pages are reused
   * by later inserts and the file stays at its high-water mark.
   */
  async reclaim(pages: number): Promise<{ mode: 'incremental' | 'none' | 'full' | 'n/a'; freePages: number }> {
    const raw = this.sqlite;
    if (!raw) return { mode: 'n/a', freePages: 0 };
    // Through Kysely's connection, so that no transaction of another caller is open around it;
    // on the raw handle because incremental_vacuum frees one page per step and a prepared
    // statement's run() steps once (pragma() steps to the end).
    return this.db.connection().execute(async () => {
      const mode = Number(raw.pragma('auto_vacuum', { simple: true }));
      if (mode === 2) raw.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
      const free = Number(raw.pragma('freelist_count', { simple: true }));
      return { mode: mode === 2 ? 'incremental' : mode === 1 ? 'full' : 'none', freePages: free };
    });
  }
}
