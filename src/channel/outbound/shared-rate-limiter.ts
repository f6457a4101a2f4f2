// A phone number's rate limit shared by every instance (PostgreSQL): sends are granted
// from the number's per-second budget in the database (SendBudgetRepo), a batch at a
// time, so N instances together stay within SEND_RATE_PER_SECOND whatever N is and
// without knowing N. Grants lapse when their window ends: a grant kept over into the next
// second would let that second exceed the limit.
import type { SendBudgetRepo } from '../../store/send-budget-repo';
import { PermitQueue } from './permit-queue';

const ERROR_PAUSE_MS = 250;
const PRUNE_EVERY_MS = 60_000;
const KEEP_WINDOWS_MS = 5 * 60_000;

export class SharedBudgetLimiter extends PermitQueue {
  private permits = 0;
  private permitsLapseAt = 0;
  private refilling = false;
  private lastPrune = 0;

  constructor(
    private readonly phoneNumberId: string,
    private readonly perSecond: number,
    private readonly budget: SendBudgetRepo,
    maxConcurrent: number,
    private readonly onError: (err: unknown) => void,
  ) {
    super(maxConcurrent);
  }

  protected takePermit(): boolean {
    if (this.usablePermits() === 0) return false;
    this.permits--;
    return true;
  }

  /** Out of permits with sends waiting: ask the database for the next grant. */
  protected override waiting(): void {
    if (this.usablePermits() === 0 && !this.refilling) void this.refill();
  }

  /** Permits still inside their window; a grant that outlived it is gone. */
  private usablePermits(): number {
    if (Date.now() >= this.permitsLapseAt) this.permits = 0;
    return this.permits;
  }

  private async refill(): Promise<void> {
    this.refilling = true;
    try {
      const asked = Date.now();
      const grant = await this.budget.take(this.phoneNumberId, Math.min(this.waitingCount, this.perSecond), this.perSecond);
      if (grant.granted > 0) {
        this.permits = grant.granted;
        // Measured from before the request, so a grant never outlives the database's window.
        this.permitsLapseAt = asked + grant.windowEndsInMs;
      } else {
        await sleep(grant.windowEndsInMs);
      }
      if (asked - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = asked;
        await this.budget.prune(asked - KEEP_WINDOWS_MS);
      }
    } catch (err) {
      this.onError(err);
      await sleep(ERROR_PAUSE_MS);
    } finally {
      this.refilling = false;
      this.pump();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
