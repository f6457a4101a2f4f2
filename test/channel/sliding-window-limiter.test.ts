// The in-process send limiter (SQLite deployments): limit per sliding second, concurrency
// cap, nothing dropped, errors passed through. Real timers: the limiter is about time.
import { BURST_SHARE, SlidingWindowLimiter, WINDOW_MARGIN_MS } from '../../src/channel/outbound/sliding-window-limiter';

const maxInAnyWindow = (starts: number[], windowMs: number) => {
  const t = [...starts].sort((a, b) => a - b);
  let best = 0;
  for (let lo = 0, hi = 0; hi < t.length; hi++) {
    while (t[hi] - t[lo] >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
};

/** Most jobs whose [start, end] could fall into one window of `windowMs`: Meta counts a send somewhere in between. */
const maxOverlapping = (jobs: Array<{ start: number; end: number }>, windowMs: number) => {
  let best = 0;
  for (const { end: a } of jobs) best = Math.max(best, jobs.filter((j) => j.end >= a && j.start < a + windowMs).length);
  return best;
};

describe('SlidingWindowLimiter', () => {
  it('starts at most perSecond jobs in any second (plus margin), runs every job once, caps concurrency', async () => {
    const limiter = new SlidingWindowLimiter(25, 5);
    const starts: number[] = [];
    let active = 0;
    let maxActive = 0;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        limiter.schedule(async () => {
          starts.push(performance.now());
          active++;
          maxActive = Math.max(maxActive, active);
          await new Promise((r) => setTimeout(r, 3));
          active--;
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(starts).toHaveLength(60);
    expect(maxActive).toBeLessThanOrEqual(5);
    expect(maxInAnyWindow(starts, 1000 + WINDOW_MARGIN_MS)).toBeLessThanOrEqual(25);
    // 60 jobs at 25 per window cannot all start within two windows.
    const span = Math.max(...starts) - Math.min(...starts);
    expect(span).toBeGreaterThanOrEqual(2 * (1000 + WINDOW_MARGIN_MS) - 5);
    expect(span).toBeLessThan(4000);
  });

  it('paces starts evenly instead of bursting a second’s worth, and keeps the rate despite the 1 ms timer grain', async () => {
    const perSecond = 200;
    const limiter = new SlidingWindowLimiter(perSecond, 64);
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, () =>
        limiter.schedule(async () => {
          starts.push(performance.now());
          await new Promise((r) => setTimeout(r, 3));
        }),
      ),
    );
    const interval = (1000 + WINDOW_MARGIN_MS) / perSecond;
    const burst = Math.round(perSecond * BURST_SHARE);
    // Unpaced, all 200 would start within a few milliseconds (64 at a time).
    expect(maxInAnyWindow(starts, 50)).toBeLessThanOrEqual(burst + Math.ceil(50 / interval) + 1);
    const span = Math.max(...starts) - Math.min(...starts);
    expect(span).toBeGreaterThanOrEqual((200 - burst) * interval - 5);
    // Late timers are made up for: the rate stays near the limit, not one start per timer tick.
    expect(199 / (span / 1000)).toBeGreaterThan(perSecond * 0.9);
  });

  it('counts a send until a second after its answer, so a stall on the receiving side cannot crowd one of its seconds', async () => {
    // A receiver that counts each send when it handles it, and stops handling for 300 ms:
    // the sends made meanwhile are all counted when the stall ends. Counting from the
    // start (plus a margin) let 60 of these into one second at a limit of 50.
    const perSecond = 50;
    const limiter = new SlidingWindowLimiter(perSecond, 64);
    const t0 = performance.now();
    const stall = { from: t0 + 150, to: t0 + 450 };
    const jobs: Array<{ start: number; end: number }> = [];
    const counted: number[] = [];
    await Promise.all(
      Array.from({ length: 120 }, () =>
        limiter.schedule(async () => {
          const start = performance.now();
          const handledAt = start < stall.to && start >= stall.from ? stall.to : start + 1;
          await new Promise((r) => setTimeout(r, Math.max(1, handledAt - performance.now())));
          counted.push(Math.max(handledAt, performance.now() - 0.5));
          jobs.push({ start, end: performance.now() });
        }),
      ),
    );
    expect(jobs).toHaveLength(120);
    expect(jobs.filter((j) => j.start >= stall.from && j.start < stall.to).length).toBeGreaterThan(5);
    expect(maxInAnyWindow(counted, 1000)).toBeLessThanOrEqual(perSecond);
    expect(maxOverlapping(jobs, 1000)).toBeLessThanOrEqual(perSecond);
  });

  it('a send that has not been answered keeps its slot', async () => {
    const limiter = new SlidingWindowLimiter(5, 5);
    const starts: number[] = [];
    const slow = limiter.schedule(() => new Promise((r) => setTimeout(r, 1500)));
    const quick = Array.from({ length: 8 }, () => limiter.schedule(async () => void starts.push(performance.now())));
    await Promise.all([slow, ...quick]);
    const first = Math.min(...starts);
    // Four slots are left beside the slow send for the first second; the fifth quick send waits.
    expect(starts.filter((t) => t - first < 900)).toHaveLength(4);
    expect(starts).toHaveLength(8);
  });

  it('passes a job’s rejection or throw to its caller and keeps going', async () => {
    const limiter = new SlidingWindowLimiter(10, 2);
    const boom = limiter.schedule(async () => {
      throw new Error('refused');
    });
    const sync = limiter.schedule(() => {
      throw new Error('sync');
    });
    const fine = limiter.schedule(async () => 'ok');
    await expect(boom).rejects.toThrow('refused');
    await expect(sync).rejects.toThrow('sync');
    await expect(fine).resolves.toBe('ok');
    await limiter.stop();
  });

  it('stop() waits for queued jobs instead of dropping them', async () => {
    const limiter = new SlidingWindowLimiter(2, 2);
    let ran = 0;
    const jobs = Array.from({ length: 3 }, () => limiter.schedule(async () => void ran++));
    await limiter.stop();
    expect(ran).toBe(3);
    await Promise.all(jobs);
  });

  it('refuses a limit below one per second', () => {
    expect(() => new SlidingWindowLimiter(0, 1)).toThrow('perSecond');
  });
});
