// Retention on both engines: only finished rows are pruned, ids outlive content so a Meta
// redelivery of a pruned event is still a duplicate, and pruning next to ingest loses nothing.
import type { Insertable } from 'kysely';
import { engines, Harness, TENANT, waitFor } from '../../testkit/harness';
import { DEFAULT_RETENTION } from '../../src/config';
import type { Database, OutboxState } from '../../src/store/schema';
import { customer, postSigned, startChannelHarness, webhookRows } from '../channel/channel-helpers';
import { JumpClock } from '../window/window-helpers';
import { runCli } from '../../src/cli';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);

type Db = Harness['services']['store']['db'];

async function seedFinishedAndUnfinished(db: Db) {
  const t = TENANT.id;
  const wh = (body: string, processed: boolean): Insertable<Database['webhook_events']> => ({ tenant_id: t, received_at: T0, body, processed_at: processed ? T0 : null, attempts: 0, last_error: null });
  await db.insertInto('webhook_events').values([wh('{"done":1}', true), wh('{"waiting":1}', false)]).execute();
  const inbound = (id: string, state: 'queued' | 'relayed'): Insertable<Database['inbound_messages']> => ({
    tenant_id: t,
    wa_message_id: id,
    wa_id: '358401000001',
    profile_name: 'Maija',
    text: `text of ${id}`,
    wa_timestamp: T0,
    state,
    attempts: 0,
    next_attempt_at: T0,
    last_error: null,
    lease_owner: state === 'queued' ? 'someone' : null,
    lease_until: null,
    created_at: T0,
    relayed_at: state === 'relayed' ? T0 : null,
  });
  await db.insertInto('inbound_messages').values([inbound('wamid.relayed', 'relayed'), inbound('wamid.queued', 'queued')]).execute();
  const states: OutboxState[] = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed'];
  await db
    .insertInto('outbox')
    .values(
      states.map((state) => ({
        tenant_id: t,
        source_id: `src-${state}`,
        recipient: '358401000001',
        body: `reply ${state}`,
        giosg_chat_id: 'chat-1',
        state,
        attempts: 0,
        next_attempt_at: T0,
        lease_owner: null,
        lease_until: null,
        wamid: `wamid.out.${state}`,
        error_class: null,
        error_code: null,
        error_reason: null,
        created_at: T0,
        sent_at: null,
        updated_at: T0,
      })),
    )
    .execute();
  await db.insertInto('status_events').values({ tenant_id: t, status_id: 'wamid.out.sent', status: 'sent', recipient: '358401000001', error_code: null, created_at: T0 }).execute();
  await db.insertInto('audit_log').values({ tenant_id: t, actor: 'test', action: 'token.promoted', version_id: null, detail: null, created_at: T0 }).execute();
  await db
    .insertInto('held_replies')
    .values({ tenant_id: t, recipient: '358401000002', source_id: 'held-1', body: 'held reply', giosg_chat_id: 'chat-2', reason: 'window_closed', written_at: T0, held_at: T0 })
    .execute();
  const reeng = (recipient: string, state: 'sent' | 'answered') => ({
    tenant_id: t,
    recipient,
    state,
    template_name: 'hello',
    template_language: 'en',
    params: '["Maija"]',
    giosg_chat_id: null,
    attempts: 1,
    next_attempt_at: T0,
    lease_owner: null,
    lease_until: null,
    wamid: null,
    error_code: null,
    error_reason: null,
    created_at: T0,
    updated_at: T0,
  });
  await db.insertInto('reengagements').values([reeng('358401000001', 'answered'), reeng('358401000002', 'sent')]).execute();
  const win = (waId: string) => ({ tenant_id: t, wa_id: waId, last_inbound_at: T0, conversation_expires_at: null, closed_seen_at: null, profile_name: 'X', updated_at: T0 });
  await db.insertInto('service_windows').values([win('358401000001'), win('358401000002')]).execute();
}

describe.each(engines)('retention (%s)', (engine) => {
  describe('finished work only', () => {
    let h: Harness;
    beforeEach(async () => {
      h = await startChannelHarness({ engine, workers: false, config: { retention: { ...DEFAULT_RETENTION, messagesMs: 1 * DAY, statusMs: 1 * DAY, batch: 2 } } });
      await seedFinishedAndUnfinished(h.services.store.db);
    });
    afterEach(() => h.stop());

    test('content goes after its retention, ids after the dedupe period; unfinished rows are never touched', async () => {
      const db = h.services.store.db;
      const pruner = h.composed.channel.retention;
      // Day 2: messages' content is past its 1 day; the ids are kept for dedupe (8 days).
      await pruner.pass(T0 + 2 * DAY);
      const inbound2 = await db.selectFrom('inbound_messages').selectAll().orderBy('id').execute();
      expect(inbound2.map((r) => [r.wa_message_id, r.text, r.profile_name])).toEqual([
        ['wamid.relayed', '', null],
        ['wamid.queued', 'text of wamid.queued', 'Maija'],
      ]);
      const bodies2 = (await db.selectFrom('outbox').select(['state', 'body']).orderBy('id').execute()).map((r) => [r.state, r.body]);
      expect(bodies2).toEqual([
        ['queued', 'reply queued'],
        ['sending', 'reply sending'],
        ['sent', ''],
        ['delivered', ''],
        ['read', ''],
        ['failed', ''],
      ]);
      // A status keeps its id (dedupe), not its recipient; webhook bodies (3 days) are all still there.
      expect(await db.selectFrom('status_events').select(['status_id', 'recipient']).execute()).toEqual([{ status_id: 'wamid.out.sent', recipient: null }]);
      expect(await webhookRows(h)).toHaveLength(2);

      // Day 9: past dedupe and body retention.
      await pruner.pass(T0 + 9 * DAY);
      expect((await webhookRows(h)).map((r) => r.body)).toEqual(['{"waiting":1}']);
      expect((await db.selectFrom('inbound_messages').select('wa_message_id').execute()).map((r) => r.wa_message_id)).toEqual(['wamid.queued']);
      expect((await db.selectFrom('outbox').select('state').orderBy('id').execute()).map((r) => r.state)).toEqual(['queued', 'sending']);
      expect((await db.selectFrom('reengagements').select('state').execute()).map((r) => r.state)).toEqual(['sent']);
      expect(await db.selectFrom('status_events').selectAll().execute()).toHaveLength(0);
      expect(await db.selectFrom('audit_log').selectAll().where('created_at', '=', T0).execute()).toHaveLength(1);
      // The window of a customer with a held reply stays; the other one goes.
      expect((await db.selectFrom('service_windows').select('wa_id').execute()).map((r) => r.wa_id)).toEqual(['358401000002']);

      // Day 401: everything finished is gone; every unfinished row is exactly as it was.
      await pruner.pass(T0 + 401 * DAY);
      expect(await db.selectFrom('audit_log').selectAll().where('created_at', '=', T0).execute()).toHaveLength(0);
      const queued = await db.selectFrom('inbound_messages').selectAll().executeTakeFirstOrThrow();
      expect(queued).toMatchObject({ text: 'text of wamid.queued', profile_name: 'Maija', state: 'queued', lease_owner: 'someone' });
      expect((await db.selectFrom('outbox').select(['state', 'body']).orderBy('id').execute()).map((r) => [r.state, r.body])).toEqual([
        ['queued', 'reply queued'],
        ['sending', 'reply sending'],
      ]);
      expect(await db.selectFrom('held_replies').select(['body']).execute()).toEqual([{ body: 'held reply' }]);
      expect((await webhookRows(h)).map((r) => [r.body, r.processed_at])).toEqual([['{"waiting":1}', null]]);
      expect(await db.selectFrom('reengagements').select('state').execute()).toEqual([{ state: 'sent' }]);
    });

    test('`retention prune` runs a full pass from the CLI and prints what it removed', async () => {
      const out: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), readStdin: async () => '' };
      // The harness clock is real time, far past the seeded rows.
      expect(await runCli(['retention', 'prune'], io, async (fn) => fn(h.services))).toBe(0);
      expect(out).toEqual(expect.arrayContaining(['webhook_events: 1', 'inbound_messages: 1', 'outbox: 4', 'status_events: 1']));
      expect(await webhookRows(h)).toHaveLength(1);
      const again: string[] = [];
      expect(await runCli(['retention', 'prune'], { ...io, out: (l: string) => again.push(l) }, async (fn) => fn(h.services))).toBe(0);
      expect(again).toEqual(['nothing is past its retention']);
    });
  });

  describe('through the real webhook route', () => {
    let h: Harness;
    let clock: JumpClock;
    afterEach(() => h.stop());

    test('a redelivery of a pruned webhook is still a duplicate while Meta retries', async () => {
      clock = new JumpClock();
      h = await startChannelHarness({ engine, clock, config: { retention: { ...DEFAULT_RETENTION, messagesMs: 1 * DAY } } });
      const db = h.services.store.db;
      const payload = customer(h, '358405555555', 'please only once');
      expect((await postSigned(h, payload)).status).toBe(200);
      await waitFor(() => h.giosg.umiMessages.length === 1, 'relayed');
      await h.idle();

      // Four days later the body and the message's text are gone, its id is not.
      clock.offset = 4 * DAY;
      const { counts } = await h.composed.channel.retention.pass(clock.now());
      expect(counts).toMatchObject({ webhook_events: 1, inbound_content: 1 });
      expect(await webhookRows(h)).toHaveLength(0);
      const kept = await db.selectFrom('inbound_messages').selectAll().executeTakeFirstOrThrow();
      expect(kept).toMatchObject({ text: '', profile_name: null, state: 'relayed' });

      // Meta redelivers the same webhook (day 4 < 7): stored, processed, and not relayed again.
      expect((await postSigned(h, payload)).status).toBe(200);
      await waitFor(async () => (await webhookRows(h)).every((r) => r.processed_at !== null), 'redelivery processed');
      await h.idle();
      expect(h.giosg.umiMessages).toHaveLength(1);
      expect(await db.selectFrom('inbound_messages').selectAll().execute()).toHaveLength(1);
      // The redelivery's body is a new row with its own 3 days.
      expect((await webhookRows(h))[0].body).toContain('please only once');

      // Past the dedupe period (8 days) the id goes too.
      clock.offset = 9 * DAY;
      await h.composed.channel.retention.pass(clock.now());
      expect(await db.selectFrom('inbound_messages').selectAll().execute()).toHaveLength(0);
      expect(await webhookRows(h)).toHaveLength(0);
    });

    test('the pruner runs on its own as one of the channel workers', async () => {
      clock = new JumpClock();
      h = await startChannelHarness({ engine, clock, config: { retention: { ...DEFAULT_RETENTION, intervalMs: 50 } } });
      expect((await postSigned(h, customer(h, '358405555556', 'hello'))).status).toBe(200);
      await waitFor(() => h.giosg.umiMessages.length === 1, 'relayed');
      await h.idle();
      clock.offset = 4 * DAY;
      await waitFor(async () => (await webhookRows(h)).length === 0, 'body pruned by the worker');
      expect(await h.services.metrics.registry.getSingleMetricAsString('retention_pruned_rows_total')).toMatch(/step="webhook_events"} 1/);
    });

    test('pruning while webhooks keep arriving loses nothing and relays everything once', async () => {
      clock = new JumpClock();
      h = await startChannelHarness({ engine, clock, config: { retention: { ...DEFAULT_RETENTION, batch: 10 } } });
      const db = h.services.store.db;
      const post = (prefix: string, n: number, customers: string[]) => {
        const base = customer(h, customers[0], 'x') as any;
        const value = base.entry[0].changes[0].value;
        value.contacts = customers.map((c) => ({ wa_id: c, profile: { name: `C ${c}` } }));
        value.messages = Array.from({ length: n }, (_, i) => ({ from: customers[i % customers.length], id: `wamid.${prefix}.${i}`, timestamp: String(1772323200 + i), type: 'text', text: { body: `${prefix} ${i}` } }));
        return postSigned(h, base);
      };
      const customers = ['358406000001', '358406000002', '358406000003'];
      for (let b = 0; b < 6; b++) expect((await post(`old${b}`, 50, customers)).status).toBe(200);
      await waitFor(() => h.giosg.umiMessages.length === 300, 'old relayed', 30_000);
      await h.idle();

      // 40 days on: the old rows are all due while new webhooks arrive.
      clock.offset = 40 * DAY;
      const ingest = (async () => {
        for (let b = 0; b < 6; b++) expect((await post(`new${b}`, 50, customers)).status).toBe(200);
      })();
      let pruned = 0;
      let passes = 0;
      let done = false;
      void ingest.then(() => (done = true));
      while (!done || passes < 3) {
        const { counts } = await h.composed.channel.retention.pass(clock.now(), 2);
        pruned += (counts.inbound_messages ?? 0);
        passes++;
      }
      await ingest;
      await waitFor(() => h.giosg.umiMessages.length === 600, 'new relayed', 30_000);
      await h.idle();
      while ((await h.composed.channel.retention.pass(clock.now())).more);
      // A last pass after the new rows are relayed: they are young and stay.
      await h.composed.channel.retention.pass(clock.now());

      expect(pruned).toBeGreaterThan(0);
      const left = await db.selectFrom('inbound_messages').select(['wa_message_id', 'text', 'state']).orderBy('id').execute();
      expect(left).toHaveLength(300);
      expect(left.every((r) => r.wa_message_id.startsWith('wamid.new') && r.state === 'relayed' && r.text.startsWith('new'))).toBe(true);
      const relayed = h.giosg.umiMessages.map((m) => m.external_message_id);
      expect(new Set(relayed).size).toBe(600);
      for (const c of customers) {
        const seq = h.giosg.umiMessages.filter((m) => m.thread_id === c && m.text.startsWith('new')).map((m) => m.text);
        const order = seq.map((t) => Number(t.split(' ')[0].slice(3)) * 1000 + Number(t.split(' ')[1]));
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
      // Old processed bodies went; the new ones are young.
      expect((await webhookRows(h)).every((r) => r.received_at >= clock.now() - DAY)).toBe(true);
    }, 90_000);
  });
});

describe.each(engines)('retention housekeeping (%s)', (engine) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startChannelHarness({ engine, workers: false });
  });
  afterEach(() => h.stop());

  test(engine === 'sqlite' ? 'a new SQLite file is in incremental auto-vacuum mode and pruned pages go back to the file system' : 'one instance at a time prunes a table', async () => {
    const db = h.services.store.db;
    const body = JSON.stringify({ pad: 'x'.repeat(4000) });
    for (let i = 0; i < 10; i++) {
      await db
        .insertInto('webhook_events')
        .values(Array.from({ length: 50 }, () => ({ tenant_id: TENANT.id, received_at: T0, body, processed_at: T0, attempts: 0, last_error: null })))
        .execute();
    }
    const pruner = h.composed.channel.retention;
    if (engine === 'sqlite') {
      const raw = h.services.store.sqliteDb!;
      expect(raw.pragma('auto_vacuum', { simple: true })).toBe(2);
      const before = Number(raw.pragma('page_count', { simple: true }));
      await pruner.pass(T0 + 10 * DAY);
      expect(await webhookRows(h)).toHaveLength(0);
      expect(Number(raw.pragma('freelist_count', { simple: true }))).toBe(0);
      expect(Number(raw.pragma('page_count', { simple: true }))).toBeLessThan(before - 400);
      return;
    }
    // Another instance holds this table's prune lock: this one skips the table, the rows stay.
    const other = await h.services.store.pgPool!.connect();
    try {
      await other.query('begin');
      await other.query("select pg_advisory_xact_lock(hashtextextended('retention:webhook_events', 0))");
      const { counts } = await pruner.pass(T0 + 10 * DAY);
      expect(counts.webhook_events).toBeUndefined();
      expect(await webhookRows(h)).toHaveLength(500);
      await other.query('commit');
    } finally {
      other.release();
    }
    const { counts } = await pruner.pass(T0 + 10 * DAY);
    expect(counts.webhook_events).toBe(500);
  });
});
