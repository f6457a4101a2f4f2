// A phone number's send limit within one process (SQLite: the only process): never more
// than `perSecond` sends reach Meta in any second, starts are evenly paced (small bursts
// only), and at most `maxConcurrent` are in flight. This replaced Bottleneck, whose local
// datastore yields a timer turn (setTimeout 0) several times per job: it started one send
// every ~4.5 ms, capping the drain at ~250 messages/s whatever the limit (bench/README.md).
import { PermitQueue } from './permit-queue';

/**
 * Meta counts a send when it arrives: some time after we start it and before its answer
 * reaches us, and we cannot tell when in between. So a send holds its slot from its start
 * until one second after its answer (in flight, it holds it for good). Counting from the
 * start plus a fixed margin instead let a stall on the receiving side (the Graph
 * simulator's event loop paused 85–94 ms on a slow machine) put up to 1,023 sends into
 * one of its seconds at a 1,000/s limit: the sends made during the stall were all counted
 * when it ended. The margin left here only covers millisecond clock grain.
 */
export const WINDOW_MARGIN_MS = 5;
/**
 * Starts are also paced: at most this share of the limit may start back to back, the
 * rest one interval (window / perSecond) apart. Without pacing a drain started each
 * second's worth in one burst, every window repeated that burst, and a burst that reached
 * Meta a little late landed in the next second: the Graph simulator counted 1,046 in one
 * second at a 1,000/s limit. Evenly spaced starts cost nothing at the rates a chat produces.
 */
export const BURST_SHARE = 0.02;

export class SlidingWindowLimiter extends PermitQueue {
  /** When the last answered sends were answered, oldest at `head` (a ring, in answer order). */
  private readonly answered: Float64Array;
  private head = 0;
  private count = 0;
  /** Sends started and not yet answered: each holds a slot until it is. */
  private inFlight = 0;
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
    this.answered = new Float64Array(Math.floor(perSecond));
    this.windowMs = 1000 + marginMs;
    this.intervalMs = this.windowMs / Math.floor(perSecond);
    this.toleranceMs = (Math.max(1, Math.round(perSecond * BURST_SHARE)) - 1) * this.intervalMs;
  }

  protected takePermit(): boolean {
    const cap = this.answered.length;
    const t = this.now();
    // Forget sends answered more than a window ago: Meta has counted them in a second that is over.
    while (this.count > 0 && t - this.answered[this.head] >= this.windowMs) {
      this.head = (this.head + 1) % cap;
      this.count--;
    }
    if (this.count + this.inFlight >= cap) {
      // Every slot is held. In flight only: the next answer pumps. Otherwise the oldest answer frees one.
      if (this.count > 0) this.wakeAt(this.answered[this.head] + this.windowMs - t);
      return false;
    }
    // A late timer is made up for by the tolerance, so the 1 ms timer grain costs no rate.
    const earliest = this.nextDue - this.toleranceMs;
    if (t < earliest) {
      this.wakeAt(earliest - t);
      return false;
    }
    this.nextDue = Math.max(this.nextDue, t) + this.intervalMs;
    this.inFlight++;
    return true;
  }

  protected override finished(): void {
    // Answers come in time order, so the ring stays sorted by answer time.
    this.inFlight--;
    this.answered[(this.head + this.count) % this.answered.length] = this.now();
    this.count++;
  }

  private wakeAt(inMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(1, Math.ceil(inMs)));
  }
}
