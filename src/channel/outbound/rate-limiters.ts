// One limiter per WhatsApp phone number (Meta's throughput is per number, 80/s by
// default), shared by every tenant row sent from this process. With a shared budget
// (PostgreSQL, several instances) the limit holds across all instances together; without
// one (SQLite, a single process) an in-process sliding window is enough.
import type { SendBudgetRepo } from '../../store/send-budget-repo';
import type { SendScheduler } from './permit-queue';
import { SharedBudgetLimiter } from './shared-rate-limiter';
import { SlidingWindowLimiter } from './sliding-window-limiter';

export interface SharedBudget {
  repo: SendBudgetRepo;
  onError(err: unknown): void;
}

export class PhoneRateLimiters {
  private readonly limiters = new Map<string, SlidingWindowLimiter | SharedBudgetLimiter>();

  constructor(
    private readonly perSecond: number,
    private readonly shared?: SharedBudget,
  ) {}

  for(phoneNumberId: string): SendScheduler {
    let l = this.limiters.get(phoneNumberId);
    if (!l) {
      const maxConcurrent = Math.min(this.perSecond, 64);
      l = this.shared
        ? new SharedBudgetLimiter(phoneNumberId, this.perSecond, this.shared.repo, maxConcurrent, this.shared.onError)
        : new SlidingWindowLimiter(this.perSecond, maxConcurrent);
      this.limiters.set(phoneNumberId, l);
    }
    return l;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.limiters.values()].map((l) => l.stop()));
    this.limiters.clear();
  }
}
