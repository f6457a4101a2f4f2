// WAL checkpoints run in a thread of their own for the service's SQLite file: the service's
// connection has automatic checkpoints off, the thread copies the WAL into the database file,
// the WAL stops growing, and if the thread goes away the connection checkpoints again itself.
import fs from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { openStore, type Store } from '../../src/store/db';
import { migrateToLatest } from '../../src/store/migrations';
import { tempDatabase, waitFor, type TempDb } from '../../testkit/harness';

const autoCheckpointPages = (s: Store) => Number(s.sqliteDb!.pragma('wal_autocheckpoint', { simple: true }));
const walBytes = (file: string) => (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);

async function writeRows(s: Store, n: number, bytes: number): Promise<void> {
  const body = 'x'.repeat(bytes);
  for (let i = 0; i < n; i += 100) {
    await s.db
      .insertInto('webhook_events')
      .values(Array.from({ length: Math.min(100, n - i) }, () => ({ tenant_id: 't', received_at: Date.now(), body, processed_at: null, attempts: 0, last_error: null })))
      .execute();
  }
}

describe('WAL checkpoints in a thread', () => {
  let db: TempDb;
  let store: Store | undefined;
  beforeEach(async () => {
    db = await tempDatabase('sqlite');
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await db.drop();
  });

  test('the thread checkpoints and the service connection does not', async () => {
    store = openStore(db.url, { backgroundCheckpoints: true });
    await migrateToLatest(store.db, 'sqlite');
    expect(store.checkpointer).toBeDefined();
    expect(autoCheckpointPages(store)).toBe(0);

    // ~12 MB: three times the 1000-page threshold at which SQLite would checkpoint inside a commit.
    await writeRows(store, 3000, 4000);
    // Stats from a run that started after the last write: one that ran between two inserts
    // also reads "all copied" (seen on a slow machine, with 6 MB in the file).
    const runsAfterWrites = store.checkpointer!.stats.runs;
    await waitFor(() => store!.checkpointer!.stats.runs > runsAfterWrites + 1 && store!.checkpointer!.stats.copied === store!.checkpointer!.stats.walFrames && store!.checkpointer!.stats.walFrames > 0, 'a full checkpoint by the thread', 10_000, 20);
    expect(store.checkpointer!.stats.failures).toBe(0);
    // The rows are in the database file itself, not only in the WAL.
    expect(fs.statSync(db.file!).size).toBeGreaterThan(10_000_000);

    // Once everything is copied, writers start the WAL over: it does not keep growing.
    const walAfterFirst = walBytes(db.file!);
    for (let round = 0; round < 3; round++) {
      const runs = store.checkpointer!.stats.runs;
      await writeRows(store, 1000, 4000);
      await waitFor(() => store!.checkpointer!.stats.runs > runs + 1 && store!.checkpointer!.stats.copied === store!.checkpointer!.stats.walFrames, 'checkpoint after more writes', 10_000, 20);
    }
    // Three rounds of 1,000 rows of 4,000 bytes add at least 12 MB to a WAL that is never
    // started over. How much less depends on when the thread's checkpoints land between the
    // inserts (13 MB in all on a fast machine, 18 MB on one 3–6× slower: 2026-12-02).
    expect(walBytes(db.file!)).toBeLessThan(walAfterFirst + 3 * 1000 * 4000);
    const rows = await store.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(6000);
  }, 60_000);

  test('while writes keep coming, RESTART checkpoints start the WAL over', async () => {
    // Small limits so the test needs little data: restart from 500 pages (2 MB).
    store = openStore(db.url, { backgroundCheckpoints: { everyMs: 20, restartPages: 500 } });
    await migrateToLatest(store.db, 'sqlite');
    let walMax = 0;
    for (let round = 0; round < 60; round++) {
      await writeRows(store, 100, 4000);
      walMax = Math.max(walMax, walBytes(db.file!));
      await new Promise((r) => setTimeout(r, 5));
    }
    // 24 MB written without a pause long enough for PASSIVE alone to reach the end.
    expect(store.checkpointer!.stats.restarts).toBeGreaterThan(0);
    expect(walMax).toBeLessThan(12_000_000);
    expect(store.checkpointer!.stats.fallbacks).toBe(0);
  }, 60_000);

  test('a WAL the thread cannot bring down makes the connection checkpoint for itself, until it is small again', async () => {
    store = openStore(db.url, { backgroundCheckpoints: { everyMs: 20, restartPages: 200, fallbackPages: 400, restartWaitMs: 10 } });
    await migrateToLatest(store.db, 'sqlite');
    // A reader that stays in one snapshot: no checkpoint can copy past it, nor restart the WAL.
    const reader = new SqliteDatabase(db.file!);
    reader.exec('begin');
    reader.prepare('select count(*) from webhook_events').get();
    try {
      await writeRows(store, 500, 4000); // ~500 pages
      await waitFor(() => store!.checkpointer!.stats.fallbacks > 0, 'fallback to the connection', 5_000, 10);
      expect(autoCheckpointPages(store)).toBe(1000);
    } finally {
      reader.exec('commit');
      reader.close();
    }
    // With the reader gone, commits checkpoint and the WAL starts over; the thread takes over again.
    await writeRows(store, 10, 4000);
    await waitFor(async () => {
      await writeRows(store!, 1, 100);
      return autoCheckpointPages(store!) === 0;
    }, 'thread in charge again', 10_000, 30);
  }, 30_000);

  test('close stops the thread and gives the connection its automatic checkpoints back', async () => {
    store = openStore(db.url, { backgroundCheckpoints: true });
    await migrateToLatest(store.db, 'sqlite');
    const raw = store.sqliteDb!;
    await store.checkpointer!.stop();
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await store.close();
    store = undefined;
    expect(raw.open).toBe(false);
  });

  test('if the thread dies, the connection checkpoints for itself again', async () => {
    store = openStore(db.url, { backgroundCheckpoints: true });
    await migrateToLatest(store.db, 'sqlite');
    expect(autoCheckpointPages(store)).toBe(0);
    // Reach into the private worker the way a crash would end it.
    await (store.checkpointer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await waitFor(() => autoCheckpointPages(store!) === 1000, 'automatic checkpoints back on', 5_000, 10);
  });

  test('only when asked, and never for an in-memory database', async () => {
    store = openStore(db.url);
    expect(store.checkpointer).toBeUndefined();
    expect(autoCheckpointPages(store)).toBe(1000);
    await store.close();
    store = openStore('sqlite::memory:', { backgroundCheckpoints: true });
    expect(store.checkpointer).toBeUndefined();
  });
});
