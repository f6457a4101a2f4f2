// Runs the retention policy on a timer (every instance runs it; on PostgreSQL each table
// is pruned by one instance at a time, store/retention-repo.ts). Each pass works every step
// in batches, yielding to the event loop between them, and steps aside while webhooks
// arrive: a batch is a few milliseconds of the single SQLite writer, and acknowledging
// Meta comes first. After deleting, SQLite gives the freed pages back to the file system.
import type { Services } from '../services';
import { DAY_MS, DEFAULT_RETENTION, type RetentionPolicy } from '../config';
import { RetentionRepo, type PruneCounts } from '../store/retention-repo';
import { PollingLoop } from './polling-loop';
import type { Worker } from '../worker';
import type { IngestPressure } from './ingest-pressure';

/** Batches per step and pass; the next pass follows at once while a step has more. */
const MAX_BATCHES_PER_PASS = 20;
/** Pages given back per incremental_vacuum call (4 KB each): a few ms of the writer. */
const RECLAIM_PAGES = 2000;
const BUSY_PAUSE_MS = 50;
/** Meta redelivers an unacknowledged webhook for up to 7 days (DESIGN.md section 4). */
const META_RETRY_MS = 7 * DAY_MS;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RetentionPruner {
  readonly policy: RetentionPolicy;
  private readonly repo: RetentionRepo;
  private warnedNoVacuum = false;
  private stopping = false;

  constructor(
    private readonly s: Services,
    private readonly pressure?: IngestPressure,
  ) {
    this.policy = s.config.retention ?? DEFAULT_RETENTION;
    this.repo = new RetentionRepo(s.store);
    if (this.policy.dedupeMs < META_RETRY_MS) {
      s.logger.warn(
        { dedupeDays: this.policy.dedupeMs / DAY_MS },
        'retention: RETENTION_DEDUPE_DAYS is shorter than the 7 days Meta retries webhooks; a redelivery after it is relayed again',
      );
    }
  }

  /** The background worker; stop() ends a pass between two batches. */
  worker(): Worker {
    const loop = new PollingLoop('retention-pruner', this.policy.intervalMs, () => this.tick(), this.s.logger);
    return {
      name: loop.name,
      start: () => {
        this.stopping = false;
        loop.start();
      },
      stop: async () => {
        this.stopping = true;
        await loop.stop();
      },
    };
  }

  /** One pass; true when some step had more than MAX_BATCHES_PER_PASS batches of work. */
  async tick(): Promise<boolean> {
    const { counts, more } = await this.pass(this.s.clock.now());
    const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
    if (total > 0) this.s.logger.info({ pruned: counts }, 'retention: pruned finished rows');
    return more;
  }

  /** Prunes what is due at `now`, up to maxBatches per step (tests and `retention prune` call it directly). */
  async pass(now: number, maxBatches = MAX_BATCHES_PER_PASS): Promise<{ counts: PruneCounts; more: boolean }> {
    const counts: PruneCounts = {};
    let more = false;
    for (const step of this.repo.stepNames(this.policy)) {
      let deleted = 0;
      for (let i = 0; i < maxBatches && !this.stopping; i++) {
        if (this.pressure?.busy) await pause(BUSY_PAUSE_MS);
        else await yieldToIo();
        const changed = await this.repo.pruneBatch(this.policy, step, now);
        // null: another instance is pruning this table right now.
        if (changed === null || changed === 0) break;
        counts[step] = (counts[step] ?? 0) + changed;
        this.s.metrics.pruned.inc({ step }, changed);
        if (!step.endsWith('_content') && step !== 'status_recipient') deleted += changed;
        if (changed < this.policy.batch) break;
        if (i === maxBatches - 1) more = true;
      }
      if (deleted > 0) await this.reclaim();
    }
    return { counts, more };
  }

  private async reclaim(): Promise<void> {
    let r = await this.repo.reclaim(RECLAIM_PAGES);
    for (let i = 0; r.mode === 'incremental' && r.freePages > 0 && i < MAX_BATCHES_PER_PASS && !this.stopping; i++) {
      await yieldToIo();
      r = await this.repo.reclaim(RECLAIM_PAGES);
    }
    if (r.mode === 'none' && !this.warnedNoVacuum) {
      this.warnedNoVacuum = true;
      this.s.logger.warn(
        { freePages: r.freePages },
        'retention: this SQLite file is not in incremental auto-vacuum mode, so pruned space is reused but the file does not shrink (see README, "Data retention and erasure", for the one-off VACUUM)',
      );
    }
  }
}
