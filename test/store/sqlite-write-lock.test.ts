// A second connection to the service's SQLite file (the CLI, an operator's tool) holding
// the write lock. The webhook group commit does not sleep the event loop waiting for it:
// it retries around the lock, answers once the lock is free, and keeps every row. Kysely
// transactions take the lock when they begin, so one that reads and then writes cannot
// fail half-way because another connection committed in between.
import SqliteDatabase from 'better-sqlite3';
import { openStore, type Store } from '../../src/store/db';
import { migrateToLatest } from '../../src/store/migrations';
import { WebhookBatchWriter, countWebhookEvents } from '../../src/store/webhook-batch-writer';
import { tempDatabase, type TempDb } from '../../testkit/harness';

/** The event loop's longest pause while it runs: SQLite's busy handler would sleep the whole thread. */
function watchLoopGaps(): { stop(): void; longestGapMs(): number } {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
  }, 5);
  return { stop: () => clearInterval(ticker), longestGapMs: () => longest };
}

describe('SQLite write lock held by another connection', () => {
  let db: TempDb;
  let store: Store;
  let other: SqliteDatabase.Database;
  beforeEach(async () => {
    db = await tempDatabase('sqlite');
    store = openStore(db.url);
    await migrateToLatest(store.db, 'sqlite');
    other = new SqliteDatabase(db.file!);
    other.pragma('busy_timeout = 0');
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('rollback');
    other.close();
    await store.close();
    await db.drop();
  });

  test('group commit waits around the lock without blocking the event loop, then stores every row', async () => {
    const writer = new WebhookBatchWriter(store);
    other.exec('begin immediate');
    other.prepare("insert into webhook_events (tenant_id, received_at, body, processed_at, attempts, last_error) values ('other', 0, '{}', null, 0, null)").run();

    // The event loop's longest pause while the lock is held: SQLite's busy handler would
    // sleep the whole thread (up to busy_timeout, 5 s) inside the commit.
    const loop = watchLoopGaps();
    const settled: string[] = [];
    const writes = Array.from({ length: 20 }, (_, i) => writer.write('t1', JSON.stringify({ n: i }), Date.now()).then(() => settled.push(`ok ${i}`)));
    await new Promise((r) => setTimeout(r, 400));
    expect(settled).toEqual([]); // nothing acknowledged while it is not stored
    expect(writer.stats.lockedRetries).toBeGreaterThan(0);
    other.exec('commit');
    await Promise.all(writes);
    loop.stop();

    expect(settled).toHaveLength(20);
    expect(await countWebhookEvents(store.db)).toBe(21);
    // Bodies in the order they were handed over.
    const bodies = await store.db.selectFrom('webhook_events').select(['body']).where('tenant_id', '=', 't1').orderBy('id').execute();
    expect(bodies.map((b) => JSON.parse(b.body).n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Generous: a timer of 5 ms on a busy CI machine; a busy-handler sleep would be 400 ms.
    expect(loop.longestGapMs()).toBeLessThan(200);
    // Nothing on the connection waits inside SQLite (its busy handler sleeps the thread).
    expect(store.sqliteDb!.pragma('busy_timeout', { simple: true })).toBe(0);
  });

  test('a Kysely statement waits for the lock on timers, not in SQLite, and runs once it is free', async () => {
    other.exec('begin immediate');
    const loop = watchLoopGaps();
    let done = false;
    const insert = store.db
      .insertInto('webhook_events')
      .values({ tenant_id: 'k', received_at: 0, body: '{}', processed_at: null, attempts: 0, last_error: null })
      .execute()
      .then(() => (done = true));
    const trx = store.db.transaction().execute(async (t) => {
      await t.updateTable('webhook_events').set({ attempts: 7 }).where('tenant_id', '=', 'k').execute();
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    // Same thread: with SQLite's busy handler the thread would sleep and this commit could not run.
    other.exec('commit');
    await Promise.all([insert, trx]);
    loop.stop();
    expect(loop.longestGapMs()).toBeLessThan(200);
    const row = await store.db.selectFrom('webhook_events').select(['attempts']).where('tenant_id', '=', 'k').executeTakeFirstOrThrow();
    expect(row.attempts).toBe(7);
  });

  test('a lock that is never released fails the rows after the give-up time, storing none', async () => {
    const writer = new WebhookBatchWriter(store, { lockedGiveUpMs: 300 });
    other.exec('begin immediate');
    const outcome = await writer.write('t1', '{}', Date.now()).then(
      () => 'stored',
      (err: { code?: string }) => err.code,
    );
    expect(outcome).toBe('SQLITE_BUSY');
    other.exec('rollback');
    expect(await countWebhookEvents(store.db)).toBe(0);
    // And it recovers: the next row goes in at once.
    await writer.write('t1', '{}', Date.now());
    expect(await countWebhookEvents(store.db)).toBe(1);
  });

  test('a transaction that reads, then writes, is not undone by another connection committing in between', async () => {
    await store.db.insertInto('webhook_events').values({ tenant_id: 't', received_at: 0, body: '{}', processed_at: null, attempts: 0, last_error: null }).execute();
    let otherWrote: string = 'not tried';
    await store.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('webhook_events').select('id').execute();
      expect(before).toHaveLength(1);
      // With a deferred BEGIN this write would succeed and our update below would fail with
      // SQLITE_BUSY_SNAPSHOT; BEGIN IMMEDIATE holds the lock, so the other writer must wait.
      try {
        other.prepare("insert into webhook_events (tenant_id, received_at, body, processed_at, attempts, last_error) values ('other', 0, '{}', null, 0, null)").run();
        otherWrote = 'wrote';
      } catch (err) {
        otherWrote = (err as { code?: string }).code ?? 'error';
      }
      await trx.updateTable('webhook_events').set({ attempts: 1 }).execute();
    });
    expect(otherWrote).toBe('SQLITE_BUSY');
    const rows = await store.db.selectFrom('webhook_events').select(['attempts']).execute();
    expect(rows).toEqual([{ attempts: 1 }]);
  });
});
