// The processor's share of the event loop while webhooks keep arriving: when the receiver
// saturates the loop, acknowledging comes first and the share only grows with the lag;
// otherwise processing takes what the receiver leaves unused.
import { IngestPressure, processorShare, spareShare } from '../../src/channel/ingest-pressure';

const tick = () => new Promise<void>((r) => setTimeout(r, 5));

describe('processorShare (the floor under a saturating burst)', () => {
  it('keeps 2 % of the loop for the first 15 s of lag', () => {
    expect(processorShare(0)).toBe(0.02);
    expect(processorShare(15_000)).toBe(0.02);
  });

  it('grows with the lag, without steps back, to the whole loop at 60 s', () => {
    let previous = 0;
    for (let lag = 0; lag <= 70_000; lag += 500) {
      const share = processorShare(lag);
      expect(share).toBeGreaterThanOrEqual(previous);
      expect(share).toBeGreaterThan(0);
      expect(share).toBeLessThanOrEqual(1);
      previous = share;
    }
    expect(processorShare(37_500)).toBeCloseTo(0.51, 5);
    expect(processorShare(60_000)).toBe(1);
    expect(processorShare(600_000)).toBe(1);
  });

  it('treats a clock that ran backwards (negative lag) as no lag', () => {
    expect(processorShare(-5_000)).toBe(0.02);
  });
});

describe('spareShare (what the receiver leaves unused)', () => {
  it('is the idle part of the window less 15 % headroom', () => {
    expect(spareShare(100, 20, 0)).toBeCloseTo(0.65, 5);
    expect(spareShare(100, 0, 0)).toBeCloseTo(0.85, 5);
  });

  it("does not count the background's own time against it", () => {
    expect(spareShare(100, 80, 60)).toBeCloseTo(0.65, 5);
  });

  it('is never below 0 or above 1, and 0 for an empty window', () => {
    expect(spareShare(100, 100, 0)).toBe(0);
    expect(spareShare(100, 250, 0)).toBe(0);
    expect(spareShare(0, 0, 0)).toBe(0);
    expect(spareShare(100, 0, 50)).toBeLessThanOrEqual(1);
  });
});

describe('IngestPressure', () => {
  it('is not busy, and not saturated, before any webhook', () => {
    const p = new IngestPressure();
    expect(p.busy).toBe(false);
    expect(p.saturated).toBe(false);
  });

  // A window in which the receiver reports `share` of the elapsed time as its own work.
  const windowAt = async (p: IngestPressure, share: number) => {
    const t = performance.now();
    await new Promise<void>((r) => setTimeout(r, 110));
    p.note(share * (performance.now() - t));
    return p.saturated;
  };

  it('counts as saturated while the receiver spends most of the loop, and gives processing only the floor', async () => {
    const p = new IngestPressure();
    await windowAt(p, 0.05);
    expect(await windowAt(p, 0.9)).toBe(true);
    expect(p.busy).toBe(true);
    expect(p.share(0)).toBe(0.02);
    // The floor still grows with the lag.
    expect(p.share(60_000)).toBe(1);
  });

  it('gives processing the idle loop when webhooks come a few at a time', async () => {
    const p = new IngestPressure();
    for (let w = 0; w < 6; w++) {
      for (let i = 0; i < 20; i++) {
        p.note(0.1);
        await tick();
      }
    }
    expect(p.busy).toBe(true);
    expect(p.saturated).toBe(false);
    // Well above the 2 % floor (how far depends on what else this process is doing).
    expect(p.share(0)).toBeGreaterThan(0.1);
  });

  it('leaves the saturated regime only once the receiver falls well below the mark (hysteresis)', async () => {
    const p = new IngestPressure();
    expect(await windowAt(p, 0.3)).toBe(false);
    expect(await windowAt(p, 0.45)).toBe(false);
    expect(await windowAt(p, 0.9)).toBe(true);
    // Below the entry mark but above the exit mark: still saturated.
    expect(await windowAt(p, 0.45)).toBe(true);
    expect(await windowAt(p, 0.05)).toBe(false);
  });
});
