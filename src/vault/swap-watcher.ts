// Notices token swaps made by another process (the CLI, another instance) and turns them
// into the local `token.changed` event, so the cache is dropped and a paused channel
// resumes. On PostgreSQL a LISTEN on `token_swapped` makes this immediate; the periodic
// poll is the safety net for missed notifications (reconnects, SQLite, CLI processes).
import type { Services } from '../services';
import type { Worker } from '../worker';
import { currentVersionIds } from '../store/token-repo';
import { errorSummary } from '../log';
import type pg from 'pg';

export const SWAP_CHANNEL = 'token_swapped';

export class SwapWatcher implements Worker {
  readonly name = 'swap-watcher';
  private timer?: NodeJS.Timeout;
  private known?: Map<string, number>;
  private listening?: Promise<void>;
  /** The LISTENing connection while there is one (tests read its backend pid). */
  private listener?: pg.PoolClient;
  /** Ends the listen loop's current wait (connection held, or the pause before reconnecting). */
  private wake?: () => void;
  private stopped = false;
  private checking?: Promise<void>;
  private again = false;

  constructor(
    private readonly s: Pick<Services, 'store' | 'vault' | 'events' | 'logger'>,
    private readonly pollMs = 1000,
  ) {}

  start(): void {
    this.stopped = false;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.pollMs);
    this.timer.unref();
    if (this.s.store.pgPool) this.listening = this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    // The listen loop owns its client and releases it; a client still checked out would
    // make closing the pool wait forever (a stop right after start used to hang here).
    this.wake?.();
    await this.listening;
    await this.checking;
  }

  /** Compares every tenant's current version with the last one seen; emits for changes. */
  check(): Promise<void> {
    // A read already in flight may predate the swap that woke us: read once more after it.
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.again = false;
    this.checking = (async () => {
      try {
        const now = await currentVersionIds(this.s.store.db);
        const before = this.known;
        this.known = now;
        if (!before) return;
        for (const [tenantId, id] of now) {
          if (before.get(tenantId) !== id) {
            this.s.vault.invalidate(tenantId);
            this.s.events.emit('token.changed', { tenantId, versionId: id, actor: 'elsewhere' });
          }
        }
      } catch (err) {
        if (!this.stopped) this.s.logger.warn({ err: errorSummary(err) }, 'swap watcher could not read the vault');
      } finally {
        this.checking = undefined;
      }
      if (this.again && !this.stopped) await this.check();
    })();
    return this.checking;
  }

  /** Remember a local swap so the poll does not announce it a second time. */
  noteLocal(tenantId: string, versionId: number | null): void {
    if (!this.known) return;
    if (versionId === null) this.known.delete(tenantId);
    else this.known.set(tenantId, versionId);
  }

  private async listen(): Promise<void> {
    const pool = this.s.store.pgPool!;
    while (!this.stopped) {
      let client: pg.PoolClient | undefined;
      try {
        client = await pool.connect();
        if (this.stopped) break;
        const c = client;
        this.listener = c;
        c.on('notification', () => void this.check());
        const lost = new Promise<void>((resolve) => {
          c.once('error', () => resolve());
          c.once('end', () => resolve());
          this.wake = resolve;
        });
        await c.query(`LISTEN ${SWAP_CHANNEL}`);
        // Anything swapped while we were not listening is picked up now.
        await this.check();
        await lost;
        if (!this.stopped) this.s.logger.warn('swap listener lost its connection; reconnecting (the 1 s poll covers the gap)');
      } catch (err) {
        if (!this.stopped) this.s.logger.warn({ err: errorSummary(err) }, 'swap listener lost its connection; retrying');
      } finally {
        this.wake = undefined;
        this.listener = undefined;
        // Destroyed, not returned: a LISTENing connection must not serve queries.
        client?.release(true);
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
