// A phone number's send limit within one process (SQLite: the only process): never more
// than `perSecond` sends start in any window of a second plus a margin, with at most
// `maxConcurrent` in flight. This replaced Bottleneck, whose local datastore yields a timer
// turn (setTimeout 0) several times per job: it started one send every ~4.5 ms, capping the
// drain at ~250 messages/s whatever the limit (bench/README.md).
import { PermitQueue } from './permit-queue';

/**
 * Meta counts a send when it arrives, a little after we start it; a start recorded at t
 * only frees its slot at t + 1 s + margin, so arrival jitter up to the margin cannot put
 * more than the limit into any second of Meta's.
 */
export const WINDOW_MARGIN_MS = 20;

export class SlidingWindowLimiter extends PermitQueue {
  /** Start times of the last `perSecond` sends, oldest at `head` (a ring). */
  private readonly starts: Float64Array;
  private head = 0;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly windowMs: number;

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
