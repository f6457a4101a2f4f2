// Recording Meta's acceptances in batches: OutboxRepo.markAcceptedMany on each engine, and
// AcceptedBatch, which gathers the sends finished within a few milliseconds into one write.
import { openStore, type Store } from '../../src/store/db';
import { migrateToLatest } from '../../src/store/migrations';
import { OutboxRepo } from '../../src/store/outbox-repo';
import { AcceptedBatch, GATHER_MS } from '../../src/channel/outbound/accepted-batch';
import { engines, tempDatabase, TENANT, type TempDb } from '../../testkit/harness';

describe.each(engines)('OutboxRepo.markAcceptedMany (%s)', (engine) => {
  let db: TempDb;
  let store: Store;
  let outbox: OutboxRepo;

  beforeEach(async () => {
    db = await tempDatabase(engine);
    store = openStore(db.url);
    await migrateToLatest(store.db, store.engine);
    outbox = new OutboxRepo(store.db, store.engine);
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  const queue = (n: number) =>
    outbox.enqueue(
      Array.from({ length: n }, (_, i) => ({ tenantId: TENANT.id, sourceId: `src-${i}`, recipient: `35840${1000 + i}`, body: `reply ${i}`, giosgChatId: null })),
      1_000,
    );
  const rows = async () => (await store.db.selectFrom('outbox').selectAll().orderBy('id').execute()).map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) }));

  it('records each claimed row as sent with its own wamid and time, in one call for many rows', async () => {
    await queue(450); // more than one statement's worth (200 rows each)
    const claimed = await outbox.claim('me', 2_000, 60_000, 1000);
    expect(claimed).toHaveLength(450);
    await outbox.markAcceptedMany(claimed.map((r, i) => ({ id: r.id, owner: 'me', wamid: `wamid.${r.id}`, now: 3_000 + i })));
    const after = await rows();
    expect(after.every((r) => r.state === 'sent' && r.lease_owner === null && r.lease_until === null && r.attempts === 1)).toBe(true);
    for (const [i, r] of after.entries()) {
      expect(r.wamid).toBe(`wamid.${r.id}`);
      expect(Number(r.sent_at)).toBe(3_000 + i);
      expect(Number(r.updated_at)).toBe(3_000 + i);
    }
  });

  it("leaves alone a row whose lease another instance holds, and writes the others", async () => {
    await queue(3);
    const claimed = await outbox.claim('me', 2_000, 60_000, 10);
    // The second row's lease ran out and another instance took it over.
    await store.db.updateTable('outbox').set({ lease_owner: 'other' }).where('id', '=', claimed[1].id).execute();
    await outbox.markAcceptedMany(claimed.map((r) => ({ id: r.id, owner: 'me', wamid: `wamid.${r.id}`, now: 3_000 })));
    const after = await rows();
    expect(after.map((r) => r.state)).toEqual(['sent', 'sending', 'sent']);
    expect(after[1].wamid).toBeNull();
    expect(after[1].lease_owner).toBe('other');
  });

  it('does nothing for an empty list', async () => {
    await queue(1);
    await outbox.markAcceptedMany([]);
    expect((await rows())[0].state).toBe('queued');
  });
});

describe('AcceptedBatch', () => {
  it('writes the acceptances of a few milliseconds with one call and settles each caller after it', async () => {
    const calls: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batch = new AcceptedBatch({
      markAcceptedMany: async (rows) => {
        calls.push(rows.map((r) => r.id));
        await gate;
      },
    });
    let settled = 0;
    const first = [1, 2].map((id) => batch.record(id, 'me', `w${id}`, 5).then(() => settled++));
    await new Promise((r) => setImmediate(r));
    // Still gathering: a send that finishes a moment later joins the same write.
    expect(calls).toEqual([]);
    first.push(batch.record(3, 'me', 'w3', 5).then(() => settled++));
    await new Promise((r) => setTimeout(r, GATHER_MS + 20));
    // Written, but not yet committed: nobody may treat the send as recorded.
    expect(calls).toEqual([[1, 2, 3]]);
    expect(settled).toBe(0);
    const later = batch.record(4, 'me', 'w4', 6);
    release();
    await Promise.all(first);
    await later;
    expect(settled).toBe(3);
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it('writes at once when 200 acceptances wait, without waiting for the timer', async () => {
    const calls: number[] = [];
    const batch = new AcceptedBatch({ markAcceptedMany: async (rows) => void calls.push(rows.length) });
    const all = Array.from({ length: 201 }, (_, i) => batch.record(i, 'me', `w${i}`, 1));
    expect(calls).toEqual([200]);
    await Promise.all(all);
    expect(calls).toEqual([200, 1]);
  });

  it('rejects every caller of a batch whose write failed, and keeps working after', async () => {
    let fail = true;
    const batch = new AcceptedBatch({
      markAcceptedMany: async () => {
        if (fail) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      },
    });
    const results = await Promise.allSettled([batch.record(1, 'me', 'a', 1), batch.record(2, 'me', 'b', 1)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.code).toBe('SQLITE_IOERR');
    fail = false;
    await expect(batch.record(3, 'me', 'c', 2)).resolves.toBeUndefined();
  });
});
