// The group commit reports how long it held the event loop (stats.busyMs): the processor's
// share under ingest depends on it (src/channel/ingest-pressure.ts). Waiting for another
// transaction on the connection to end is not work and must not count, or a busy processor
// would make the receiver look saturated and be deferred by it.
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/db';
import { migrateToLatest } from '../../src/store/migrations';
import { WebhookBatchWriter, countWebhookEvents } from '../../src/store/webhook-batch-writer';
import { tempDatabase, type TempDb } from '../../testkit/harness';

describe('WebhookBatchWriter work accounting', () => {
  let db: TempDb;
  let store: Store;
  beforeEach(async () => {
    db = await tempDatabase('sqlite');
    store = openStore(db.url);
    await migrateToLatest(store.db, 'sqlite');
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  test('counts the commit and the answers, not the wait behind an open transaction', async () => {
    const writer = new WebhookBatchWriter(store);
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [], pad: 'x'.repeat(1200) });
    // A Kysely transaction that stays open across awaits for 300 ms, as the processor's does.
    const open = store.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      await new Promise((r) => setTimeout(r, 300));
    });
    await new Promise((r) => setTimeout(r, 20));
    const answered: number[] = [];
    const writes = Array.from({ length: 40 }, (_, i) =>
      writer.write('t1', body.replace('"pad"', `"n":${i},"pad"`), Date.now()).then(() => answered.push(i)),
    );
    await Promise.all([...writes, open]);
    expect(answered).toHaveLength(40);
    expect(await countWebhookEvents(store.db)).toBe(40);
    // The rows waited ~280 ms for the transaction; the work itself is a few milliseconds.
    expect(writer.stats.busyMs).toBeGreaterThan(0);
    expect(writer.stats.busyMs).toBeLessThan(150);
  });

  test('a failed commit counts nothing and answers every row with the error', async () => {
    const writer = new WebhookBatchWriter(store);
    await store.close();
    const results = await Promise.allSettled([writer.write('t1', '{}', 1), writer.write('t1', '{}', 2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(writer.stats.busyMs).toBe(0);
  });
});
