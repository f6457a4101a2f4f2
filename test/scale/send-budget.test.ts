// The per-number rate limit shared by several instances: three limiters (as three
// processes would have) drawing from one PostgreSQL budget never exceed the limit in any
// window, and every job still runs.
import { openStore, Store } from '../../src/store/db';
import { migrateToLatest } from '../../src/store/migrations';
import { SendBudgetRepo } from '../../src/store/send-budget-repo';
import { SharedBudgetLimiter } from '../../src/channel/outbound/shared-rate-limiter';
import { PG_URL, tempDatabase, TempDb } from '../../testkit/harness';

if (!PG_URL) console.warn('TEST_DATABASE_URL is not set: test/scale/send-budget.test.ts is skipped (it needs PostgreSQL)');
const pgDescribe = PG_URL ? describe : describe.skip;

pgDescribe('shared send budget on PostgreSQL', () => {
  let db: TempDb;
  const stores: Store[] = [];

  beforeAll(async () => {
    db = await tempDatabase('postgres');
    for (let i = 0; i < 3; i++) stores.push(openStore(db.url));
    await migrateToLatest(stores[0].db, 'postgres');
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await db?.drop();
  });

  it('grants at most the limit per window across concurrent takers, partially when little is left', async () => {
    const repos = stores.map((s) => new SendBudgetRepo(s.db, 'postgres'));
    const grants = await Promise.all(repos.flatMap((r) => [r.take('111', 30, 50), r.take('111', 30, 50)]));
    const windows = new Set<number>();
    const total = grants.reduce((n, g) => n + g.granted, 0);
    for (const g of grants) expect(g.windowEndsInMs).toBeGreaterThan(0);
    for (const w of await repos[0].windows('111')) {
      windows.add(w.windowStart);
      expect(w.used).toBeLessThanOrEqual(50);
    }
    // Six takes of 30 against 50 per second: a window boundary may split them, never more.
    expect(total).toBeLessThanOrEqual(50 * windows.size);
    if (windows.size === 1) expect(total).toBe(50);
    // Another number has its own budget.
    expect((await repos[1].take('222', 10, 50)).granted).toBe(10);
  });

  it('three limiters sharing one budget run every job and never exceed the limit in a window', async () => {
    const limit = 40;
    const phone = `p-${Date.now()}`;
    const errors: unknown[] = [];
    const limiters = stores.map((s) => new SharedBudgetLimiter(phone, limit, new SendBudgetRepo(s.db, 'postgres'), 16, (e) => errors.push(e)));
    const ran: number[] = [];
    const jobs = Array.from({ length: 150 }, (_, i) => limiters[i % 3].schedule(async () => ran.push(i)));
    await Promise.all(jobs);
    expect(errors).toEqual([]);
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    const windows = await new SendBudgetRepo(stores[0].db, 'postgres').windows(phone);
    expect(windows.reduce((n, w) => n + w.used, 0)).toBe(150);
    for (const w of windows) expect(w.used).toBeLessThanOrEqual(limit);
    // 150 sends at 40 per window need at least four windows: the limit really bound them.
    expect(windows.length).toBeGreaterThanOrEqual(4);
    await Promise.all(limiters.map((l) => l.stop()));
  }, 30_000);
});
