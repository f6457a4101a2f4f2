// The processor's share of the event loop while webhooks keep arriving: acknowledging comes
// first during a short burst, and the share grows with the lag so processing catches up.
import { processorShare } from '../../src/outbox/ingest-pressure';

describe('processorShare', () => {
  it('gives processing a quarter of the loop while it lags by a second or less', () => {
    expect(processorShare(0)).toBe(0.25);
    expect(processorShare(1_000)).toBe(0.25);
  });

  it('grows with the lag, without steps back, to the whole loop at 10 s', () => {
    let previous = 0;
    for (let lag = 0; lag <= 12_000; lag += 250) {
      const share = processorShare(lag);
      expect(share).toBeGreaterThanOrEqual(previous);
      expect(share).toBeGreaterThan(0);
      expect(share).toBeLessThanOrEqual(1);
      previous = share;
    }
    expect(processorShare(5_500)).toBeCloseTo(0.625, 5);
    expect(processorShare(10_000)).toBe(1);
    expect(processorShare(60_000)).toBe(1);
  });

  it('treats a clock that ran backwards (negative lag) as no lag', () => {
    expect(processorShare(-5_000)).toBe(0.25);
  });
});
