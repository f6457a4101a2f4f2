// Retry delays: exponential with jitter, so that many rows failing together do not come
// back together. Meta asks for 4^n seconds after a per-recipient throttle (131056).
import type { ChannelTuning } from '../config';

const PAIR_RATE_LIMIT = 131056;

export function backoffMs(attempt: number, t: Pick<ChannelTuning, 'backoffBaseMs' | 'backoffMaxMs'>, code?: number | null, random = Math.random): number {
  const n = Math.max(0, attempt);
  const raw = code === PAIR_RATE_LIMIT ? t.backoffBaseMs * 4 ** (n + 1) : t.backoffBaseMs * 2 ** n;
  const capped = Math.min(t.backoffMaxMs, raw);
  // Equal jitter: never less than half the step, so backoff still grows.
  return Math.round(capped / 2 + (capped / 2) * random());
}
