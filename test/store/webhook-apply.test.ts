// WebhookApplyRepo on each engine: what one batch of planned webhooks records. SQLite runs
// its inserts as one prepared statement per row, PostgreSQL as multi-row inserts; both must
// give the same answers for re-deliveries within a batch, across batches and across calls.
import { openStore, type Store } from '../../src/store/db';
import { migrateToLatest } from '../../src/store/migrations';
import { OutboxRepo } from '../../src/store/outbox-repo';
import { WebhookApplyRepo, type ApplyItem, type StatusUpdate } from '../../src/store/webhook-apply-repo';
import type { NewInbound } from '../../src/store/inbound-repo';
import { WebhookBatchWriter } from '../../src/store/webhook-batch-writer';
import { engines, tempDatabase, TENANT, type TempDb } from '../../testkit/harness';

describe.each(engines)('WebhookApplyRepo (%s)', (engine) => {
  let db: TempDb;
  let store: Store;
  let repo: WebhookApplyRepo;

  beforeEach(async () => {
    db = await tempDatabase(engine);
    store = openStore(db.url);
    await migrateToLatest(store.db, store.engine);
    repo = new WebhookApplyRepo(store);
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  /** Stores n webhook events and returns their ids. */
  const events = async (n: number): Promise<number[]> => {
    const writer = new WebhookBatchWriter(store);
    await Promise.all(Array.from({ length: n }, (_, i) => writer.write(TENANT.id, `{"n":${i}}`, 1_000)));
    return (await store.db.selectFrom('webhook_events').select('id').orderBy('id').execute()).map((r) => Number(r.id));
  };
  const message = (id: string, text = `text of ${id}`): NewInbound => ({ tenantId: TENANT.id, waMessageId: id, waId: '358401234567', profileName: 'Aino', text, waTimestamp: 1_700_000_000 });
  const status = (statusId: string, s: string, errorCode: number | null = null): StatusUpdate => ({ tenantId: TENANT.id, statusId, status: s, recipient: '358401234567', errorCode, errorReason: errorCode ? 'expired' : null });
  const inboundRows = () => store.db.selectFrom('inbound_messages').selectAll().orderBy('id').execute();
  const statusRows = () => store.db.selectFrom('status_events').selectAll().orderBy('id').execute();

  it('records each new message and status once, a re-delivery within the batch counting as not new', async () => {
    const [a, b, c] = await events(3);
    const items: ApplyItem[] = [
      { id: a, inbound: [message('wamid.in1'), message('wamid.in2')], statuses: [status('wamid.out1', 'sent'), status('wamid.out1', 'delivered')] },
      // Meta's re-delivery of part of the first event, in the same batch
      { id: b, inbound: [message('wamid.in2')], statuses: [status('wamid.out1', 'sent')] },
      { id: c, inbound: [], statuses: [status('wamid.out2', 'failed', 131047)] },
    ];
    const r = await repo.apply(items, 5_000);
    expect([...r.taken].sort()).toEqual([a, b, c].sort());
    expect(r.inboundAdded).toBe(2);
    expect(r.statuses.get(a)!.map((o) => o.isNew)).toEqual([true, true]);
    expect(r.statuses.get(b)!.map((o) => o.isNew)).toEqual([false]);
    expect(r.statuses.get(c)!.map((o) => o.isNew)).toEqual([true]);

    const inbound = await inboundRows();
    expect(inbound.map((m) => [m.wa_message_id, m.text, m.profile_name, m.state, Number(m.attempts), Number(m.next_attempt_at), Number(m.created_at)])).toEqual([
      ['wamid.in1', 'text of wamid.in1', 'Aino', 'queued', 0, 5_000, 5_000],
      ['wamid.in2', 'text of wamid.in2', 'Aino', 'queued', 0, 5_000, 5_000],
    ]);
    expect(inbound.every((m) => m.relayed_at === null && m.lease_owner === null)).toBe(true);
    const statuses = await statusRows();
    expect(statuses.map((s) => [s.status_id, s.status, s.error_code === null ? null : Number(s.error_code), Number(s.created_at)])).toEqual([
      ['wamid.out1', 'sent', null, 5_000],
      ['wamid.out1', 'delivered', null, 5_000],
      ['wamid.out2', 'failed', 131047, 5_000],
    ]);
    const processed = await store.db.selectFrom('webhook_events').select(['id', 'processed_at']).execute();
    expect(processed.every((e) => Number(e.processed_at) === 5_000)).toBe(true);
  });

  it('adds nothing for a re-delivery in a later batch, and does not take an event twice', async () => {
    const [a, b] = await events(2);
    await repo.apply([{ id: a, inbound: [message('wamid.in1')], statuses: [status('wamid.out1', 'read')] }], 5_000);
    const again = await repo.apply(
      [
        { id: a, inbound: [message('wamid.in1')], statuses: [status('wamid.out1', 'read')] }, // processed already
        { id: b, inbound: [message('wamid.in1', 'changed text')], statuses: [status('wamid.out1', 'read'), status('wamid.out1', 'delivered')] },
      ],
      6_000,
    );
    expect([...again.taken]).toEqual([b]);
    expect(again.statuses.has(a)).toBe(false);
    expect(again.inboundAdded).toBe(0);
    expect(again.statuses.get(b)!.map((o) => o.isNew)).toEqual([false, true]);
    const inbound = await inboundRows();
    expect(inbound).toHaveLength(1);
    expect(inbound[0].text).toBe('text of wamid.in1'); // the first delivery stands
    expect(await statusRows()).toHaveLength(2);
  });

  it('keeps tenants apart: the same ids under another tenant are new', async () => {
    const [a] = await events(1);
    const other = 'other-tenant';
    const r = await repo.apply(
      [{ id: a, inbound: [message('wamid.x'), { ...message('wamid.x'), tenantId: other }], statuses: [status('wamid.s', 'sent'), { ...status('wamid.s', 'sent'), tenantId: other }] }],
      5_000,
    );
    expect(r.inboundAdded).toBe(2);
    expect(r.statuses.get(a)!.map((o) => o.isNew)).toEqual([true, true]);
  });

  it('moves the outbox row a new status names, and a late or repeated status does not move it back', async () => {
    const outbox = new OutboxRepo(store.db, store.engine);
    await outbox.enqueue([{ tenantId: TENANT.id, sourceId: 'src-1', recipient: '358401234567', body: 'hello', giosgChatId: 'chat-1' }], 1_000);
    const [row] = await outbox.claim('me', 2_000, 60_000, 10);
    await outbox.markAcceptedMany([{ id: row.id, owner: 'me', wamid: 'wamid.out1', now: 3_000 }]);
    const [a, b] = await events(2);
    const first = await repo.apply([{ id: a, inbound: [], statuses: [status('wamid.out1', 'read')] }], 5_000);
    expect(first.statuses.get(a)![0]).toEqual({ isNew: true, changed: { id: row.id, giosgChatId: 'chat-1', state: 'read' } });
    const late = await repo.apply([{ id: b, inbound: [], statuses: [status('wamid.out1', 'delivered'), status('wamid.out1', 'read')] }], 6_000);
    expect(late.statuses.get(b)!.map((o) => o.isNew)).toEqual([true, false]);
    expect(late.statuses.get(b)!.every((o) => o.changed === null)).toBe(true);
    const [after] = await store.db.selectFrom('outbox').select('state').execute();
    expect(after.state).toBe('read');
  });

  it('writes nothing when the batch fails part-way, so the events stay unprocessed', async () => {
    const [a] = await events(1);
    // A message the database refuses (NOT NULL) after valid rows and statuses in the same batch.
    const bad = { ...message('wamid.bad'), text: null as unknown as string };
    // Not rejects.toThrow(): better-sqlite3's error class comes from whichever test file loaded
    // the addon first in this process, so it is not an Error of this file's realm.
    const err = await repo.apply([{ id: a, inbound: [message('wamid.ok'), bad], statuses: [status('wamid.s', 'sent')] }], 5_000).then(
      () => undefined,
      (e: unknown) => e as { message?: unknown },
    );
    expect(String(err?.message)).toMatch(/not.null/i);
    expect(await inboundRows()).toHaveLength(0);
    expect(await statusRows()).toHaveLength(0);
    const [e] = await store.db.selectFrom('webhook_events').select('processed_at').execute();
    expect(e.processed_at).toBeNull();
  });
});
