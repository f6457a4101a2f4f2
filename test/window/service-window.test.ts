// The window arithmetic at its edges (pure, no I/O).
import { windowState, WINDOW_MS } from '../../src/channel/window/service-window';

const T = Date.UTC(2026, 11, 6, 9, 0, 0);
const facts = (o: Partial<{ last_inbound_at: number | null; conversation_expires_at: number | null; closed_seen_at: number | null }>) => ({
  last_inbound_at: null,
  conversation_expires_at: null,
  closed_seen_at: null,
  ...o,
});

describe('windowState', () => {
  test('open until one millisecond before 24 h after the last message, closed from exactly 24 h', () => {
    const w = facts({ last_inbound_at: T });
    expect(windowState(w, T)).toEqual({ state: 'open', closesAt: T + WINDOW_MS });
    expect(windowState(w, T + WINDOW_MS - 1)).toEqual({ state: 'open', closesAt: T + WINDOW_MS });
    expect(windowState(w, T + WINDOW_MS)).toEqual({ state: 'closed', closedAt: T + WINDOW_MS });
    expect(windowState(w, T + 3 * WINDOW_MS)).toEqual({ state: 'closed', closedAt: T + WINDOW_MS });
  });

  test('no record, or a record without any time, is unknown (Meta decides)', () => {
    expect(windowState(undefined, T)).toEqual({ state: 'unknown' });
    expect(windowState(facts({}), T)).toEqual({ state: 'unknown' });
  });

  test('a service conversation expiry stands in when no customer message was seen', () => {
    const w = facts({ conversation_expires_at: T + 1000 });
    expect(windowState(w, T)).toEqual({ state: 'open', closesAt: T + 1000 });
    expect(windowState(w, T + 1000)).toEqual({ state: 'closed', closedAt: T + 1000 });
    // A seen customer message wins over the conversation's expiry.
    expect(windowState(facts({ conversation_expires_at: T + 1000, last_inbound_at: T }), T + 5000).state).toBe('open');
  });

  test('Meta’s 131047 after the last message closes the window whatever the arithmetic says', () => {
    expect(windowState(facts({ last_inbound_at: T, closed_seen_at: T + 60_000 }), T + 120_000)).toEqual({ state: 'closed', closedAt: T + 60_000 });
    // A newer customer message reopens it.
    expect(windowState(facts({ last_inbound_at: T + 120_000, closed_seen_at: T + 60_000 }), T + 130_000).state).toBe('open');
    expect(windowState(facts({ closed_seen_at: T }), T + 1).state).toBe('closed');
  });
});
