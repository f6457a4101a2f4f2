// Group commit for the Meta webhook log. Concurrent requests each hand over one row; rows
// that arrive while a commit is being prepared or running go into the next one, written as
// a single multi-row INSERT (one statement = one atomic commit on both engines). Every
// caller's promise settles only after its row's commit: persist-then-ack stays true, but a
// burst of N webhooks costs one commit instead of N.
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export interface BatchWriterOptions {
  /** Rows per INSERT. 6 bound values per row; SQLite allows 32766 per statement. */
  maxBatch?: number;
  /**
   * How long the first row of a batch waits for company. 0 = until the current event-loop
   * turn has read every request that already arrived (setImmediate), which adds no timer
   * latency and already batches well under load.
   */
  maxWaitMs?: number;
}

interface Pending {
  tenantId: string;
  body: string;
  receivedAt: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class WebhookBatchWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = false;
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  /** Commits so far and rows in them, for the bench and the logs. */
  readonly stats = { commits: 0, rows: 0, failedCommits: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    o: BatchWriterOptions = {},
  ) {
    this.maxBatch = Math.max(1, Math.min(o.maxBatch ?? 500, 5000));
    this.maxWaitMs = Math.max(0, o.maxWaitMs ?? 0);
  }

  /** Resolves once the row is committed; rejects if its commit failed (then nothing of it is stored). */
  write(tenantId: string, body: string, receivedAt: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ tenantId, body, receivedAt, resolve, reject });
      this.schedule();
    });
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
    if (this.maxWaitMs > 0) setTimeout(() => void this.flush(), this.maxWaitMs);
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
      this.stats.commits++;
      this.stats.rows += batch.length;
      for (const p of batch) p.resolve();
    } catch (err) {
      this.stats.failedCommits++;
      if (batch.length === 1) batch[0].reject(err);
      // A failed batch is retried row by row, so one row the database refuses cannot take
      // its neighbours down with it; when the database itself is failing, each fails too.
      else await this.oneByOne(batch);
    } finally {
      this.inFlight = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async oneByOne(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      try {
        await this.insert([p]);
        this.stats.commits++;
        this.stats.rows++;
        p.resolve();
      } catch (err) {
        this.stats.failedCommits++;
        p.reject(err);
      }
    }
  }

  private async insert(batch: Pending[]): Promise<void> {
    const values = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i];
      values[i] = { tenant_id: p.tenantId, received_at: p.receivedAt, body: p.body, processed_at: null, attempts: 0, last_error: null };
    }
    await this.db.insertInto('webhook_events').values(values).execute();
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
