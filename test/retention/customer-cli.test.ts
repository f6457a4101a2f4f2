// `customer export|erase` through the real CLI program on both engines, against a service
// whose webhook processor then works off what erasure left: another customer's part of a
// shared webhook is still delivered, the erased customer's never is.
import { runCli, type CliIO } from '../../src/cli';
import { engines, Harness, TENANT, waitFor } from '../../testkit/harness';
import { sealRef } from '../../src/channel/media/outbound-media-ref';
import { startChannelHarness, webhookRows } from '../channel/channel-helpers';

const A = '358401110001';
const B = '358402220002';
const SIGNED_URL = 'https://files.giosg.example/att/1.pdf?signature=SIGNATURE-SECRET';

function io(answer?: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const cli: CliIO = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readStdin: async () => '',
    ...(answer === undefined
      ? {}
      : {
          confirm: async (q: string) => {
            asked.push(q);
            return answer;
          },
        }),
  };
  return { cli, out, err, asked };
}

/** A webhook with one message from each customer (Meta batches several customers in one POST). */
function shared(h: Harness, tag: string): string {
  const body = h.graph.customerMessage({ phoneNumberId: TENANT.phoneNumberId, from: A, text: `A says ${tag}`, name: 'Aino', id: `wamid.A.${tag}` }) as any;
  const value = body.entry[0].changes[0].value;
  value.contacts.push({ wa_id: B, profile: { name: 'Bertta' } });
  value.messages.push({ from: B, id: `wamid.B.${tag}`, timestamp: value.messages[0].timestamp, type: 'text', text: { body: `B says ${tag}` } });
  return JSON.stringify(body);
}

async function seed(h: Harness) {
  const db = h.services.store.db;
  const t = TENANT.id;
  const now = h.services.clock.now();
  await db.insertInto('webhook_events').values({ tenant_id: t, received_at: now, body: shared(h, 'early'), processed_at: now, attempts: 0, last_error: null }).execute();
  await db.insertInto('webhook_events').values({ tenant_id: t, received_at: now, body: shared(h, 'late'), processed_at: null, attempts: 0, last_error: null }).execute();
  const inbound = (waId: string, tag: string) => ({
    tenant_id: t,
    wa_message_id: `wamid.${waId === A ? 'A' : 'B'}.${tag}`,
    wa_id: waId,
    profile_name: waId === A ? 'Aino' : 'Bertta',
    text: `${waId === A ? 'A' : 'B'} says ${tag}`,
    wa_timestamp: now,
    state: 'relayed' as const,
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    lease_owner: null,
    lease_until: null,
    created_at: now,
    relayed_at: now,
  });
  await db.insertInto('inbound_messages').values([inbound(A, 'early'), inbound(B, 'early')]).execute();
  const reply = (recipient: string, sourceId: string, state: 'sent' | 'queued', media: string | null) => ({
    tenant_id: t,
    source_id: sourceId,
    recipient,
    body: `reply ${sourceId}`,
    giosg_chat_id: 'chat-1',
    state,
    attempts: 0,
    next_attempt_at: now,
    lease_owner: null,
    lease_until: null,
    wamid: state === 'sent' ? `wamid.out.${sourceId}` : null,
    error_class: null,
    error_code: null,
    error_reason: null,
    created_at: now,
    sent_at: state === 'sent' ? now : null,
    updated_at: now,
    media,
  });
  const media = sealRef(h.services.box, t, 'g-2', { kind: 'document', url: SIGNED_URL, filename: 'invoice.pdf', mimeType: 'application/pdf' });
  await db.insertInto('outbox').values([reply(A, 'g-1', 'sent', null), reply(A, 'g-2', 'queued', media), reply(B, 'g-3', 'sent', null)]).execute();
  await db.insertInto('status_events').values({ tenant_id: t, status_id: 'wamid.out.g-1', status: 'delivered', recipient: A, error_code: null, created_at: now }).execute();
  await db
    .insertInto('held_replies')
    .values({ tenant_id: t, recipient: A, source_id: 'g-4', body: 'held for A', giosg_chat_id: 'chat-1', reason: 'window_closed', written_at: now, held_at: now })
    .execute();
  await db.insertInto('service_windows').values({ tenant_id: t, wa_id: A, last_inbound_at: now, conversation_expires_at: null, closed_seen_at: null, profile_name: 'Aino', updated_at: now }).execute();
}

async function counts(h: Harness) {
  const db = h.services.store.db;
  const n = async (table: 'inbound_messages' | 'outbox' | 'held_replies' | 'status_events' | 'service_windows' | 'webhook_events') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { inbound: await n('inbound_messages'), outbox: await n('outbox'), held: await n('held_replies'), statuses: await n('status_events'), windows: await n('service_windows'), webhooks: await n('webhook_events') };
}

describe.each(engines)('customer export and erase (%s)', (engine) => {
  let h: Harness;
  const cli = (argv: string[], x: ReturnType<typeof io>) => runCli(argv, x.cli, async (fn) => fn(h.services));
  beforeEach(async () => {
    h = await startChannelHarness({ engine, workers: false });
    await seed(h);
  });
  afterEach(() => h.stop());

  test('export writes only that customer, with attachment details but never their links', async () => {
    const x = io();
    expect(await cli(['customer', 'export', '--tenant', TENANT.id, A], x)).toBe(0);
    const text = x.out.join('\n');
    const data = JSON.parse(text);
    expect(data.customer).toBe(A);
    expect(data.messages.map((m: any) => m.text)).toEqual(['A says early']);
    expect(data.replies.map((r: any) => [r.text, r.state])).toEqual([
      ['reply g-1', 'sent'],
      ['reply g-2', 'queued'],
    ]);
    expect(data.replies[1].media).toEqual({ kind: 'document', filename: 'invoice.pdf', mimeType: 'application/pdf', caption: null });
    expect(data.heldReplies.map((r: any) => r.text)).toEqual(['held for A']);
    expect(data.statuses).toEqual([expect.objectContaining({ messageId: 'wamid.out.g-1', status: 'delivered' })]);
    expect(data.serviceWindow).toMatchObject({ profileName: 'Aino' });
    // Their parts of both stored webhooks (the contact and the message), none of B's.
    expect(data.webhooks.map((w: any) => w.kind)).toEqual(['contacts', 'messages', 'contacts', 'messages']);
    expect(text).not.toContain(B);
    expect(text).not.toContain('Bertta');
    expect(text).not.toContain('SIGNATURE-SECRET');
    expect(text).not.toContain('files.giosg.example');
    expect(text).not.toContain(h.token);
  });

  test('without a terminal, unsent replies need --yes: a clear error and nothing changes', async () => {
    const before = await counts(h);
    const x = io();
    expect(await cli(['customer', 'erase', '--tenant', TENANT.id, A], x)).toBe(1);
    expect(x.err.join('\n')).toMatch(/nothing erased: 2 unsent replies would be deleted; run again with --yes/);
    expect(await counts(h)).toEqual(before);
    // On a terminal it asks; "no" changes nothing either.
    const no = io(false);
    expect(await cli(['customer', 'erase', '--tenant', TENANT.id, A], no)).toBe(1);
    expect(no.asked[0]).toMatch(/2 replies to this customer have not been sent yet/);
    expect(no.err.join('\n')).toMatch(/nothing erased/);
    expect(await counts(h)).toEqual(before);
    // Bad input: a clear error, nothing touched.
    const bad = io();
    expect(await cli(['customer', 'erase', '--tenant', TENANT.id, "x'; drop table outbox"], bad)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/invalid customer id/);
    const noTenant = io();
    expect(await cli(['customer', 'erase', '--tenant', 'nobody', A, '--yes'], noTenant)).toBe(1);
    expect(noTenant.err.join('\n')).toMatch(/no tenant nobody/);
    expect(await counts(h)).toEqual(before);
  });

  test("erase removes the customer's rows, redacts shared webhooks, audits counts only; the other customer is still delivered", async () => {
    const x = io(true);
    expect(await cli(['customer', 'erase', '--tenant', TENANT.id, A], x)).toBe(0);
    expect(x.asked).toHaveLength(1);
    const printed = x.out.join('\n');
    expect(printed).toMatch(/customer messages: 1/);
    expect(printed).toMatch(/sent replies: 1/);
    expect(printed).toMatch(/unsent replies: 1/);
    expect(printed).toMatch(/held replies: 1/);
    expect(printed).toMatch(/delivery statuses: 1/);
    expect(printed).toMatch(/service windows: 1/);
    expect(printed).toMatch(/webhook bodies redacted \(other customers kept\): 2/);
    expect(printed).not.toContain(A);

    const db = h.services.store.db;
    expect(await db.selectFrom('inbound_messages').select('wa_id').execute()).toEqual([{ wa_id: B }]);
    expect(await db.selectFrom('outbox').select('recipient').execute()).toEqual([{ recipient: B }]);
    expect(await db.selectFrom('held_replies').selectAll().execute()).toHaveLength(0);
    expect(await db.selectFrom('status_events').selectAll().execute()).toHaveLength(0);
    expect(await db.selectFrom('service_windows').selectAll().execute()).toHaveLength(0);
    const hooks = await webhookRows(h);
    expect(hooks).toHaveLength(2);
    for (const w of hooks) {
      expect(w.body).not.toContain(A);
      expect(w.body).not.toContain('Aino');
      expect(w.body).toContain('B says');
    }
    // The unprocessed one came back as a new unprocessed row; the processed one was rewritten in place.
    expect(hooks.map((w) => [w.id, w.processed_at === null])).toEqual([
      [1, false],
      [3, true],
    ]);

    const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'customer.erased').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toBe('tester');
    expect(audit[0].detail).not.toContain(A);
    expect(JSON.parse(audit[0].detail!)).toMatchObject({ subject: expect.stringMatching(/^hmac:[0-9a-f]{16}$/), inboundMessages: 1, unsentReplies: 1, webhooksRedacted: 2 });

    // The processor works off the redacted webhook: B's late message arrives, A's never does.
    h.startWorkers();
    await waitFor(async () => (await webhookRows(h)).every((r) => r.processed_at !== null), 'redacted webhook processed');
    await waitFor(() => h.giosg.umiMessages.length === 1, 'B relayed');
    await h.idle();
    expect(h.giosg.umiMessages.map((m) => [m.thread_id, m.text])).toEqual([[B, 'B says late']]);
    expect((await db.selectFrom('inbound_messages').select('wa_id').execute()).map((r) => r.wa_id)).toEqual([B, B]);

    // Export afterwards finds nothing left.
    const after = io();
    expect(await cli(['customer', 'export', '--tenant', TENANT.id, A], after)).toBe(0);
    const data = JSON.parse(after.out.join('\n'));
    expect([data.messages, data.replies, data.heldReplies, data.statuses, data.webhooks]).toEqual([[], [], [], [], []]);
  });

  test('--yes erases unsent replies without asking; a webhook only about this customer is deleted', async () => {
    const now = h.services.clock.now();
    const only = h.graph.customerMessage({ phoneNumberId: TENANT.phoneNumberId, from: A, text: 'only A', name: 'Aino' });
    await h.services.store.db.insertInto('webhook_events').values({ tenant_id: TENANT.id, received_at: now, body: JSON.stringify(only), processed_at: now, attempts: 0, last_error: null }).execute();
    const x = io(true);
    expect(await cli(['customer', 'erase', '--tenant', TENANT.id, A, '--yes'], x)).toBe(0);
    expect(x.asked).toHaveLength(0);
    expect(x.out.join('\n')).toMatch(/webhook bodies deleted: 1/);
    expect((await webhookRows(h)).every((w) => !w.body.includes(A))).toBe(true);
    expect(await webhookRows(h)).toHaveLength(2);
  });
});

// PostgreSQL: the processor may be applying a webhook that names the customer while the
// erasure runs. Erasure deletes that webhook first (waiting for the processor's lock), then
// reads the customer's rows again, so what the processor committed meanwhile is erased too.
(engines.includes('postgres') ? describe : describe.skip)('erasure next to a processor batch (postgres)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startChannelHarness({ engine: 'postgres', workers: false });
  });
  afterEach(() => h.stop());

  test("a batch committed while erasure waits for its webhook is erased with the rest", async () => {
    const db = h.services.store.db;
    const now = h.services.clock.now();
    const row = await db
      .insertInto('webhook_events')
      .values({ tenant_id: TENANT.id, received_at: now, body: shared(h, 'inflight'), processed_at: null, attempts: 0, last_error: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    // A processor's apply transaction, held open: the webhook row locked, A's message inserted, not yet committed.
    const proc = await h.services.store.pgPool!.connect();
    try {
      await proc.query('begin');
      await proc.query('select id from webhook_events where id = $1 and processed_at is null for update skip locked', [row.id]);
      await proc.query(
        `insert into inbound_messages (tenant_id, wa_message_id, wa_id, profile_name, text, wa_timestamp, state, attempts, next_attempt_at, created_at)
         values ($1, 'wamid.A.inflight', $2, 'Aino', 'A says inflight', $3, 'queued', 0, $3, $3)`,
        [TENANT.id, A, now],
      );
      const x = io();
      const erasing = runCli(['customer', 'erase', '--tenant', TENANT.id, A, '--yes'], x.cli, async (fn) => fn(h.services));
      // The erasure is now waiting for the processor's lock on the webhook row.
      await waitFor(async () => {
        const r = await h.services.store.pgPool!.query("select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'delete from \"webhook_events\"%'");
        return r.rows[0].n > 0;
      }, 'erasure waiting for the lock');
      await proc.query('update webhook_events set processed_at = $1 where id = $2', [now, row.id]);
      await proc.query('commit');
      expect(await erasing).toBe(0);
      expect(x.out.join('\n')).toMatch(/customer messages: 1/);
    } finally {
      proc.release();
    }
    expect(await db.selectFrom('inbound_messages').selectAll().where('wa_id', '=', A).execute()).toHaveLength(0);
    const hooks = await webhookRows(h);
    expect(hooks.every((w) => !w.body.includes(A))).toBe(true);
    expect(hooks.some((w) => w.body.includes('B says inflight'))).toBe(true);
  });
});
