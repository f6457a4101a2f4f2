// WAL checkpoints run in a thread of their own for the service's SQLite file: the service's
// connection has automatic checkpoints off, the thread copies the WAL into the database file,
// the WAL stops growing, and if the thread goes away the connection checkpoints again itself.
import fs from 'node:fs';
import { openStore, type Store } from '../../src/store/db';
import { migrateToLatest } from '../../src/store/migrations';
import { tempDatabase, waitFor, type TempDb } from '../helpers/harness';

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
    expect(store.checkpointer!.running).toBe(true);

    // ~12 MB: three times the 1000-page threshold at which SQLite would checkpoint inside a commit.
    await writeRows(store, 3000, 4000);
    await waitFor(() => store!.checkpointer!.stats.runs > 0 && store!.checkpointer!.stats.copied === store!.checkpointer!.stats.walFrames && store!.checkpointer!.stats.walFrames > 0, 'a full checkpoint by the thread', 10_000, 20);
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
    expect(walBytes(db.file!)).toBeLessThanOrEqual(Math.max(walAfterFirst, 13_000_000));
    const rows = await store.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(6000);
  }, 60_000);

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
