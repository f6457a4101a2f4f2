// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever
// commit crosses the threshold (1000 pages, ~4 MB): it copies the WAL into the database
// file and syncs it, milliseconds during which the thread does nothing else. Under a burst
// of webhooks that is several times a second, inside the commits that acknowledge them.
// So the service's connection turns it off and a small worker thread with a connection of
// its own checkpoints on a timer. PASSIVE neither waits for nor blocks the writer or the
// readers (what it cannot copy yet is copied next time), so the event loop never waits
// for it. If the thread dies, the connection takes automatic checkpoints back.
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
const checkpoint = () => {
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ ok: true, walFrames: r.log, copied: r.checkpointed });
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

export interface CheckpointStats {
  runs: number;
  failures: number;
  /** Frames in the WAL at the last run, and how many of them were in the database file after it. */
  walFrames: number;
  copied: number;
  lastError?: { code?: string; message?: string };
}

export class WalCheckpointer {
  readonly stats: CheckpointStats = { runs: 0, failures: 0, walFrames: 0, copied: 0 };
  private stopped = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly raw: SqliteDatabase,
    private readonly worker: Worker,
  ) {
    worker.on('message', (m: { ok: boolean; walFrames?: number; copied?: number; code?: string; message?: string }) => {
      this.stats.runs++;
      if (m.ok) {
        this.stats.walFrames = m.walFrames ?? 0;
        this.stats.copied = m.copied ?? 0;
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
        if (!this.stopped) setAutoCheckpoint(this.raw, true);
        resolve();
      }),
    );
  }

  /** Starts the thread for the database file behind `raw` and turns off its automatic checkpoints. */
  static start(raw: SqliteDatabase, file: string, everyMs = 500): WalCheckpointer {
    const worker = new Worker(THREAD_CODE, { eval: true, workerData: { file, everyMs, driver: require.resolve('better-sqlite3') } });
    // The thread alone must not keep the process alive (a test or CLI that forgets close()).
    worker.unref();
    setAutoCheckpoint(raw, false);
    return new WalCheckpointer(raw, worker);
  }

  /** Whether automatic checkpoints are off on the service's connection (the thread is doing them). */
  get running(): boolean {
    return Number(this.raw.open ? this.raw.pragma('wal_autocheckpoint', { simple: true }) : -1) === 0;
  }

  /** A last checkpoint, then the thread ends. The connection gets its automatic checkpoints back. */
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
