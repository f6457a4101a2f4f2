// Whether Meta's webhooks are arriving right now, for the background work they cause. While
// they are, acknowledging them comes first (Meta's bar: median under 250 ms, and an
// unacknowledged webhook is redelivered): processing and relaying may lag, storing may not.
//
// Two regimes, told apart by the share of the event loop the receiver's own work takes
// (signature checks, parsing, commits, answers; measured by the fast path):
// - at a rate the service sustains that share is small, and the webhook processor takes
//   the part of the loop that the receiver and everything else leave unused, measured
//   with the loop's own utilisation: processing keeps up, with no lag;
// - when the receiver takes most of the loop (a burst that saturates it, e.g. Meta
//   redelivering after an outage), every millisecond given to processing is an
//   acknowledgement later: processing keeps a small floor and the stored log absorbs the
//   burst, worked off right after. Idle time is no guide here: a sender that waits for our
//   answers leaves the loop idle exactly because we answer late, so sharing out idle time
//   would feed on itself.
// If the burst never ends (a flood above what the service sustains), the floor grows with
// the lag, so no message waits without bound.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** A webhook stored this recently means the receiver is busy. */
const INGEST_BUSY_MS = 20;

/** The share processing keeps however busy the receiver is, until it lags this far behind. */
const MIN_SHARE = 0.02;
const LAG_GRACE_MS = 15_000;
const LAG_FULL_SHARE_MS = 60_000;

/**
 * The receiver counts as saturated once its own work takes this share of the loop, and
 * again as not once it falls below the second (hysteresis, so the regime does not flap).
 * Measured on the bench machine: a closed loop of 50 senders drives it to 0.55–0.65;
 * 4,000 webhooks/s answered as they come take 0.27–0.48 (windows of 100 ms), 2,000/s about 0.2.
 */
const SATURATED_FROM = 0.5;
const SATURATED_UNTIL = 0.35;

/** Utilisation is measured over windows of this length. */
const WINDOW_MS = 100;
/**
 * The part of the loop left to the receiver on top of what it used in the last window, so
 * that a rising rate finds room before the next measurement.
 */
const HEADROOM = 0.15;

/**
 * The least share of the event loop processing gets while webhooks keep arriving, by how
 * far it lags: 2 % for the first 15 s, growing to all of it at 60 s.
 */
export function processorShare(lagMs: number): number {
  if (lagMs <= LAG_GRACE_MS) return MIN_SHARE;
  if (lagMs >= LAG_FULL_SHARE_MS) return 1;
  return MIN_SHARE + ((1 - MIN_SHARE) * (lagMs - LAG_GRACE_MS)) / (LAG_FULL_SHARE_MS - LAG_GRACE_MS);
}

/**
 * What background work may take of the loop after one window: whatever the receiver's own
 * work (active time minus the background's) left idle, less the headroom.
 */
export function spareShare(windowMs: number, activeMs: number, backgroundMs: number): number {
  if (windowMs <= 0) return 0;
  const receiver = Math.max(0, activeMs - backgroundMs) / windowMs;
  return Math.min(1, Math.max(0, 1 - receiver - HEADROOM));
}

/**
 * Customer messages relayed to giosg per second while webhooks keep arriving: 500/s when
 * up to date, 500 more for every second behind (5,500/s at 10 s). A relay is one HTTP call
 * to giosg, ~0.1 ms of the event loop each; unthrottled, the relay took a third of the
 * loop in a burst and cut acknowledgements by ~40 % (bench/README.md). 500/s is more than
 * the processor produces in a burst; at Meta's top tier sustained (4,000 webhooks/s,
 * ~1,200 customer messages/s) the relay runs ~1.4 s behind.
 */
export const RELAY_MIN_RATE = 500;

export function relayRate(lagMs: number): number {
  return RELAY_MIN_RATE * (1 + Math.max(0, lagMs) / 1000);
}

export class IngestPressure {
  private lastStoredAt = 0;
  private windowStart = performance.now();
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private backgroundMs = 0;
  private receiverMs = 0;
  private spare = 0;
  private saturatedNow = false;

  /** The receiver acknowledged webhooks, spending workMs of the event loop on them. */
  note(workMs: number): void {
    this.lastStoredAt = Date.now();
    this.receiverMs += workMs;
  }

  get busy(): boolean {
    return Date.now() - this.lastStoredAt < INGEST_BUSY_MS;
  }

  /** The receiver's own work takes most of the loop (see the top of this file). */
  get saturated(): boolean {
    this.measure();
    return this.busy && this.saturatedNow;
  }

  /** Background work held the event loop for this long (it counts as the receiver's otherwise). */
  noteBackground(ms: number): void {
    this.backgroundMs += ms;
  }

  /** The share of the event loop processing may take now, lagging by lagMs. */
  share(lagMs: number): number {
    return this.saturated ? processorShare(lagMs) : Math.max(processorShare(lagMs), this.spare);
  }

  private measure(): void {
    const now = performance.now();
    const span = now - this.windowStart;
    if (span < WINDOW_MS) return;
    const delta = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    // Half the weight on the newest window: a burst's start is seen within two windows.
    this.spare = (this.spare + spareShare(span, delta.active, this.backgroundMs)) / 2;
    const receiver = this.receiverMs / span;
    if (receiver >= SATURATED_FROM) this.saturatedNow = true;
    else if (receiver < SATURATED_UNTIL) this.saturatedNow = false;
    this.windowStart = now;
    this.backgroundMs = 0;
    this.receiverMs = 0;
  }
}
