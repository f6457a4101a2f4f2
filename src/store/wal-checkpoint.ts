// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever
// commit takes the WAL past 1000 pages (~4 MB): it copies the WAL into the database file
// and syncs it, ~10 ms during which the thread does nothing else; under a burst of webhooks
// that is several times a second, inside the commits that acknowledge them. So the service's
// connection turns it off, and a small worker thread with a connection of its own does it:
//
// - every 100 ms a PASSIVE checkpoint copies what it can; it never waits for, nor blocks,
//   the writer or the readers;
// - once the WAL holds more than 4,000 pages (~16 MB), a RESTART checkpoint, right after a
//   PASSIVE one so little is left to copy. The WAL only starts over when a checkpoint has
//   reached its end before the next write, which PASSIVE never does while commits keep
//   coming (measured: the WAL grew to 256 MB in 30 s at 4,000 webhooks/s). RESTART holds
//   new writers back for as long as it is pending, including while it waits (sleeping in
//   SQLite's busy handler) for the writer and the readers: so it waits 10 ms at most and
//   otherwise gives up until the next run. The webhook group commit retries around it
//   without sleeping (webhook-batch-writer.ts); other writes wait those milliseconds.
//
// RESTART can lose the race for the lock to a writer that commits back to back (a bulk
// load): if the WAL still passes 16,000 pages (~64 MB), the connection checkpoints for
// itself again (one commit pays, then the WAL starts over) until it is small again. If the
// thread dies, the connection takes automatic checkpoints back for good.
//
// The thread's code is a string evaluated in the worker, not a module of ours: a worker
// cannot load TypeScript, and this way it runs the same under ts-jest and from dist/.
import { Worker } from 'node:worker_threads';
import type { Database as SqliteDatabase } from 'better-sqlite3';

const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
const CLOSE_WAIT_MS = 5_000;

const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = ' + workerData.restartWaitMs);
const checkpoint = () => {
  try {
    let r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    let restarted = false;
    if (r.log >= workerData.restartPages) {
      r = db.pragma('wal_checkpoint(RESTART)')[0];
      restarted = r.busy === 0;
    }
    parentPort.postMessage({ ok: true, walFrames: r.log, copied: r.checkpointed, restarted });
  } catch (e) {
    parentPort.postMessage({ ok: false, code: e && e.code, message: e && e.message });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface CheckpointOptions {
  /** How often the thread checkpoints (PASSIVE). */
  everyMs?: number;
  /** WAL size in pages from which the thread also runs a RESTART checkpoint. */
  restartPages?: number;
  /** How long a RESTART waits in the thread for the writer to finish. */
  restartWaitMs?: number;
  /** WAL size in pages from which the connection checkpoints for itself again, until it is below restartPages. */
  fallbackPages?: number;
}

export interface CheckpointStats {
  runs: number;
  failures: number;
  /** RESTART checkpoints that reached the end of the WAL: the next write starts it over. */
  restarts: number;
  /** Times the WAL passed fallbackPages and the connection checkpointed for itself. */
  fallbacks: number;
  /** Frames in the WAL at the last run, and how many of them were in the database file after it. */
  walFrames: number;
  copied: number;
  lastError?: { code?: string; message?: string };
}

export class WalCheckpointer {
  readonly stats: CheckpointStats = { runs: 0, failures: 0, restarts: 0, fallbacks: 0, walFrames: 0, copied: 0 };
  private selfCheckpointing = false;
  private stopped = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly raw: SqliteDatabase,
    private readonly worker: Worker,
    private readonly limits: { restartPages: number; fallbackPages: number },
  ) {
    worker.on('message', (m: { ok: boolean; walFrames?: number; copied?: number; restarted?: boolean; code?: string; message?: string }) => {
      this.stats.runs++;
      if (m.ok) {
        this.stats.walFrames = m.walFrames ?? 0;
        this.stats.copied = m.copied ?? 0;
        if (m.restarted) this.stats.restarts++;
        this.bound(this.stats.walFrames);
      } else {
        // Disk trouble: the service's own writes report it (readiness, 503s); a missed
        // checkpoint is simply done at the next run.
        this.stats.failures++;
        this.stats.lastError = { code: m.code, message: m.message };
      }
    });
    // An 'error' is followed by 'exit'. Unplanned, the connection checkpoints for itself again.
    worker.on('error', () => undefined);
    this.exited = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        if (!this.stopped && this.raw.open) setAutoCheckpoint(this.raw, true);
        resolve();
      }),
    );
  }

  private bound(walFrames: number): void {
    if (this.stopped || !this.raw.open) return;
    if (!this.selfCheckpointing && walFrames >= this.limits.fallbackPages) {
      this.selfCheckpointing = true;
      this.stats.fallbacks++;
      setAutoCheckpoint(this.raw, true);
    } else if (this.selfCheckpointing && walFrames < this.limits.restartPages) {
      this.selfCheckpointing = false;
      setAutoCheckpoint(this.raw, false);
    }
  }

  /** Starts the thread for the database file behind `raw` and turns off the connection's automatic checkpoints. */
  static start(raw: SqliteDatabase, file: string, o: CheckpointOptions = {}): WalCheckpointer {
    const restartPages = o.restartPages ?? 4000;
    const workerData = { file, driver: require.resolve('better-sqlite3'), everyMs: o.everyMs ?? 100, restartPages, restartWaitMs: o.restartWaitMs ?? 10 };
    const worker = new Worker(THREAD_CODE, { eval: true, workerData });
    // The thread alone must not keep the process alive (a test or CLI that forgets close()).
    worker.unref();
    setAutoCheckpoint(raw, false);
    return new WalCheckpointer(raw, worker, { restartPages, fallbackPages: o.fallbackPages ?? 4 * restartPages });
  }

  /** A last checkpoint, then the thread ends; the connection gets its automatic checkpoints back. */
  async stop(): Promise<void> {
    if (this.stopped) return this.exited;
    this.stopped = true;
    this.worker.postMessage('close');
    const timer = setTimeout(() => void this.worker.terminate(), CLOSE_WAIT_MS);
    await this.exited;
    clearTimeout(timer);
    if (this.raw.open) setAutoCheckpoint(this.raw, true);
  }
}

export function setAutoCheckpoint(raw: SqliteDatabase, on: boolean): void {
  raw.pragma(`wal_autocheckpoint = ${on ? DEFAULT_AUTOCHECKPOINT_PAGES : 0}`);
}
