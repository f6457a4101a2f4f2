// Whether Meta's webhooks are arriving right now, for the background work they cause. While
// they are, acknowledging them comes first (Meta's bar: median under 250 ms, and an
// unacknowledged webhook is redelivered): processing and relaying may lag, storing may not.
// Each background loop asks here how much of the event loop it may take, by how far it lags,
// so a short burst is acknowledged at full speed and worked off right after, and a long one
// gives background work more and more room: the lag stays bounded at any rate the service
// can sustain.

/** A webhook stored this recently means the receiver is busy. */
const INGEST_BUSY_MS = 20;

const LAG_GRACE_MS = 1_000;
const LAG_FULL_SHARE_MS = 10_000;
const MIN_SHARE = 0.25;

/**
 * The processor's share of the event loop while webhooks keep arriving: 25 % up to 1 s
 * behind, all of it at 10 s (acknowledging alone ran at ~17k/s on the bench machine,
 * processing alone at ~11k/s).
 */
export function processorShare(lagMs: number): number {
  if (lagMs <= LAG_GRACE_MS) return MIN_SHARE;
  if (lagMs >= LAG_FULL_SHARE_MS) return 1;
  return MIN_SHARE + ((1 - MIN_SHARE) * (lagMs - LAG_GRACE_MS)) / (LAG_FULL_SHARE_MS - LAG_GRACE_MS);
}

/**
 * Customer messages relayed to giosg per second while webhooks keep arriving: 500/s when
 * up to date, 500 more for every second behind (5,500/s at 10 s). A relay is one HTTP call
 * to giosg, ~0.1 ms of the event loop each; unthrottled, the relay took a third of the
 * loop in a burst and cut acknowledgements by ~40 % (bench/README.md). 500/s is more than
 * the processor's share produces in a burst; at Meta's top tier sustained (4,000 webhooks/s,
 * ~1,200 customer messages/s) the relay runs ~1.4 s behind.
 */
export const RELAY_MIN_RATE = 500;

export function relayRate(lagMs: number): number {
  return RELAY_MIN_RATE * (1 + Math.max(0, lagMs) / 1000);
}

export class IngestPressure {
  private lastStoredAt = 0;

  /** The receiver stored a webhook. */
  note(): void {
    this.lastStoredAt = Date.now();
  }

  get busy(): boolean {
    return Date.now() - this.lastStoredAt < INGEST_BUSY_MS;
  }
}
