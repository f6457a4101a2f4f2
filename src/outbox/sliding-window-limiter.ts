// A phone number's send limit within one process (SQLite: the only process): never more
// than `perSecond` sends start in any window of a second plus a margin, starts are evenly
// paced (small bursts only), and at most `maxConcurrent` are in flight. This replaced
// Bottleneck, whose local datastore yields a timer turn (setTimeout 0) several times per
// job: it started one send every ~4.5 ms, capping the drain at ~250 messages/s whatever
// the limit (bench/README.md).
import { PermitQueue } from './permit-queue';

/**
 * Meta counts a send when it arrives, a little after we start it; a start recorded at t
 * only frees its slot at t + 1 s + margin, so arrival jitter up to the margin cannot put
 * more than the limit into any second of Meta's.
 */
export const WINDOW_MARGIN_MS = 40;
/**
 * Starts are also paced: at most this share of the limit may start back to back, the
 * rest one interval (window / perSecond) apart. Without pacing a drain started each
 * second's worth in one burst, every window repeated that burst, and a burst that reached
 * Meta a little late landed in the next second: the Graph simulator counted 1,046 in one
 * second at a 1,000/s limit. Evenly spaced starts need a much larger delay difference to
 * crowd one second, and cost nothing at the rates a chat produces.
 */
export const BURST_SHARE = 0.02;

export class SlidingWindowLimiter extends PermitQueue {
  /** Start times of the last `perSecond` sends, oldest at `head` (a ring). */
  private readonly starts: Float64Array;
  private head = 0;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly windowMs: number;
  /** Pacing (GCRA): the next start's theoretical time, the spacing, and how far ahead of it a start may come. */
  private nextDue = -Infinity;
  private readonly intervalMs: number;
  private readonly toleranceMs: number;

  constructor(
    perSecond: number,
    maxConcurrent: number,
    marginMs = WINDOW_MARGIN_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    super(maxConcurrent);
    if (!(perSecond >= 1)) throw new Error('perSecond must be at least 1');
    this.starts = new Float64Array(Math.floor(perSecond));
    this.windowMs = 1000 + marginMs;
    this.intervalMs = this.windowMs / Math.floor(perSecond);
    this.toleranceMs = (Math.max(1, Math.round(perSecond * BURST_SHARE)) - 1) * this.intervalMs;
  }

  protected takePermit(): boolean {
    const cap = this.starts.length;
    const t = this.now();
    // Forget starts that left the window.
    while (this.count > 0 && t - this.starts[this.head] >= this.windowMs) {
      this.head = (this.head + 1) % cap;
      this.count--;
    }
    if (this.count >= cap) {
      this.wakeAt(this.starts[this.head] + this.windowMs - t);
      return false;
    }
    // A late timer is made up for by the tolerance, so the 1 ms timer grain costs no rate.
    const earliest = this.nextDue - this.toleranceMs;
    if (t < earliest) {
      this.wakeAt(earliest - t);
      return false;
    }
    this.nextDue = Math.max(this.nextDue, t) + this.intervalMs;
    this.starts[(this.head + this.count) % cap] = t;
    this.count++;
    return true;
  }

  private wakeAt(inMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(1, Math.ceil(inMs)));
  }
}
