// Group commit for the Meta webhook log. Concurrent requests each hand over one row; rows
// that arrive while a commit is being prepared or running go into the next one, all in one
// transaction. Every caller's promise settles only after its row's commit: persist-then-ack
// stays true, but a burst of N webhooks costs one commit instead of N.
//
// SQLite: one prepared INSERT run N times inside a better-sqlite3 transaction, directly on
// the service's connection. That is safe because better-sqlite3 is synchronous: nothing
// else can run on the connection during our transaction, and we only start one when no
// other transaction is open on it (Kysely transactions span awaits; `inTransaction` tells).
// It also keeps the acknowledgement off Kysely's connection queue, where it would wait
// behind whatever background work queued first.
// PostgreSQL: one multi-row INSERT through Kysely (one statement = one atomic commit).
//
// Another connection may hold the file's write lock: the CLI (`npm run cli`) in another
// process, or any tool an operator points at the file. Our commit never waits for it
// inside SQLite's busy handler, which sleeps the whole thread (1, 2, 5, 10… ms at a time,
// up to busy_timeout), acknowledgements, health checks and all: it tries without waiting,
// and when the lock is taken the batch goes back to the head of the queue and is tried
// again shortly, while the event loop keeps serving (new rows join the batch).
import type { Kysely } from 'kysely';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { Database } from './schema';
import type { Store } from './db';
import { isSqliteBusy } from './sqlite-dialect';

const INSERT_SQL = 'insert into webhook_events (tenant_id, received_at, body, processed_at, attempts, last_error) values (?, ?, ?, null, 0, null)';
/** Event-loop turns to wait for another transaction on the SQLite connection to end before queueing behind it. */
const MAX_TRANSACTION_WAITS = 20;
const LOCKED_GIVE_UP_MS = 5_000;
/** Tries in the next event-loop turns first (the lock is usually free within a millisecond), then on a timer. */
const LOCKED_SPIN_TRIES = 200;
const LOCKED_DELAY_MS = 2;

export interface BatchWriterOptions {
  /** Rows per INSERT. 6 bound values per row; SQLite allows 32766 per statement. */
  maxBatch?: number;
  /**
   * How long the first row of a batch waits for company. 0 = until the current event-loop
   * turn has read every request that already arrived (setImmediate), which adds no timer
   * latency and already batches well under load.
   */
  maxWaitMs?: number;
  /** How long a batch keeps trying while another connection holds the write lock (default 5 s, as busy_timeout). */
  lockedGiveUpMs?: number;
}

/** Called once the row's commit is done: without an error when it is stored, with one when nothing of it is. */
export type WriteDone = (err?: unknown) => void;

interface Pending {
  tenantId: string;
  body: string;
  receivedAt: number;
  done: WriteDone;
}

export class WebhookBatchWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = false;
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly lockedGiveUpMs: number;
  /** Commits so far and rows in them, for the bench and the logs. */
  readonly stats = { commits: 0, rows: 0, failedCommits: 0, lockedRetries: 0, busyMs: 0 };
  /** Since when the batch at the head of the queue has found the write lock taken. */
  private lockedSince: number | undefined;
  private lockedTries = 0;

  private readonly db: Kysely<Database>;
  private readonly sqlite: SqliteDatabase | undefined;
  private insertMany: ((rows: Pending[]) => void) | undefined;

  constructor(store: Pick<Store, 'db' | 'sqliteDb'>, o: BatchWriterOptions = {}) {
    this.db = store.db;
    this.sqlite = store.sqliteDb;
    this.maxBatch = Math.max(1, Math.min(o.maxBatch ?? 500, 5000));
    this.maxWaitMs = Math.max(0, o.maxWaitMs ?? 0);
    this.lockedGiveUpMs = o.lockedGiveUpMs ?? LOCKED_GIVE_UP_MS;
  }

  /** Resolves once the row is committed; rejects if its commit failed (then nothing of it is stored). */
  write(tenantId: string, body: string, receivedAt: number): Promise<void> {
    return new Promise<void>((resolve, reject) => this.submit(tenantId, body, receivedAt, (err) => (err === undefined ? resolve() : reject(err))));
  }

  /** write() without a promise per row, for the webhook fast path; `done` runs as write() would settle. */
  submit(tenantId: string, body: string, receivedAt: number, done: WriteDone): void {
    this.queue.push({ tenantId, body, receivedAt, done });
    this.schedule();
  }

  /** Rows accepted but not yet committed. */
  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    // One commit at a time: rows arriving meanwhile form the next batch, so batch size
    // grows with load by itself.
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    if (this.lockedSince !== undefined) {
      // The write lock was taken: try again next turn, then back off a little, so a long
      // transaction elsewhere is not met with a busy loop.
      if (this.lockedTries < LOCKED_SPIN_TRIES) setImmediate(() => void this.flush());
      else setTimeout(() => void this.flush(), LOCKED_DELAY_MS);
    } else if (this.maxWaitMs > 0) setTimeout(() => void this.flush(), this.maxWaitMs);
    else setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    this.inFlight = true;
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch);
    try {
      await this.insert(batch);
      this.lockedSince = undefined;
      this.lockedTries = 0;
      this.stats.commits++;
      this.stats.rows += batch.length;
      // The answers this commit released, and (below) the commit itself: the receiver's own
      // work on the event loop (channel/ingest-pressure.ts). Waiting for another transaction
      // to end, or for PostgreSQL, is not work and is not counted.
      const answering = performance.now();
      for (const p of batch) p.done();
      this.stats.busyMs += performance.now() - answering;
    } catch (err) {
      if (isSqliteBusy(err) && this.keepTrying()) {
        // Nothing of it was written: back to the head of the queue, in the same order.
        this.stats.lockedRetries++;
        this.queue = batch.concat(this.queue);
        return;
      }
      this.lockedSince = undefined;
      this.lockedTries = 0;
      this.stats.failedCommits++;
      if (batch.length === 1) batch[0].done(err ?? new Error('commit failed'));
      // A failed batch is retried row by row, so one row the database refuses cannot take
      // its neighbours down with it; when the database itself is failing, each fails too.
      else await this.oneByOne(batch);
    } finally {
      this.inFlight = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private keepTrying(): boolean {
    const now = Date.now();
    this.lockedSince ??= now;
    this.lockedTries++;
    return now - this.lockedSince < this.lockedGiveUpMs;
  }

  private async oneByOne(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      try {
        await this.insert([p]);
        this.stats.commits++;
        this.stats.rows++;
        p.done();
      } catch (err) {
        this.stats.failedCommits++;
        p.done(err ?? new Error('commit failed'));
      }
    }
  }

  private async insert(batch: Pending[]): Promise<void> {
    if (this.sqlite) return this.insertSqlite(this.sqlite, batch);
    const values = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i];
      values[i] = { tenant_id: p.tenantId, received_at: p.receivedAt, body: p.body, processed_at: null, attempts: 0, last_error: null };
    }
    await this.db.insertInto('webhook_events').values(values).execute();
  }

  private async insertSqlite(raw: SqliteDatabase, batch: Pending[]): Promise<void> {
    // Someone's transaction is open on the connection (it awaits something between its
    // statements): joining it would tie our rows to its fate, so wait for it to end.
    for (let i = 0; raw.open && raw.inTransaction && i < MAX_TRANSACTION_WAITS; i++) await new Promise((r) => setImmediate(r));
    if (raw.open && raw.inTransaction) {
      // Still open: take a turn on Kysely's connection queue, which runs after it.
      return this.db.connection().execute(async () => this.insertSqliteNow(raw, batch));
    }
    this.insertSqliteNow(raw, batch);
  }

  private insertSqliteNow(raw: SqliteDatabase, batch: Pending[]): void {
    if (!this.insertMany) {
      const stmt: Statement = raw.prepare(INSERT_SQL);
      this.insertMany = raw.transaction((rows: Pending[]) => {
        for (const p of rows) stmt.run(p.tenantId, p.receivedAt, p.body);
      });
    }
    // The connection never waits inside SQLite (busy_timeout 0, see db.ts): a taken lock
    // throws SQLITE_BUSY at once, and flush() puts the batch back.
    const started = performance.now();
    try {
      this.insertMany(batch);
    } finally {
      this.stats.busyMs += performance.now() - started;
    }
  }
}

/** Rows in the webhook log (the bench and fault tests compare it with acknowledgements). */
export async function countWebhookEvents(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('webhook_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
