// The 24-hour customer-service window (DESIGN.md section 4): a free-form reply may go out
// only within 24 hours of the customer's last message. Pure: the store keeps the facts,
// this decides what they mean.
import type { ServiceWindowTable } from '../../store/schema';

export const WINDOW_MS = 24 * 3_600_000;

export type WindowFacts = Pick<ServiceWindowTable, 'last_inbound_at' | 'conversation_expires_at' | 'closed_seen_at'>;

export type WindowState =
  | { state: 'open'; closesAt: number }
  | { state: 'closed'; closedAt: number }
  /** Nothing known about this customer (e.g. wrote before the service ran): Meta decides, a 131047 holds the reply then. */
  | { state: 'unknown' };

/**
 * The window's end: 24 h after the customer's last message we saw. Without one, a service
 * conversation's expiry from a status stands in (Meta opens those only inside a window).
 * A 131047 from Meta after the last message closes it whatever our arithmetic says
 * (clocks differ; Meta is the judge).
 */
export function windowState(w: WindowFacts | undefined, now: number): WindowState {
  if (!w) return { state: 'unknown' };
  const end = w.last_inbound_at !== null ? w.last_inbound_at + WINDOW_MS : w.conversation_expires_at;
  if (w.closed_seen_at !== null && (w.last_inbound_at === null || w.closed_seen_at >= w.last_inbound_at)) {
    return { state: 'closed', closedAt: Math.min(w.closed_seen_at, end ?? w.closed_seen_at) };
  }
  if (end === null) return { state: 'unknown' };
  return now < end ? { state: 'open', closesAt: end } : { state: 'closed', closedAt: end };
}
