// The Meta webhook receiver over real HTTP: handshake, signature, body validation,
// persist-then-ack, dedupe and relay into the giosg simulator.
import { engines, Harness, TENANT, waitFor } from '../../testkit/harness';
import { customer, postMeta, postSigned, signed, startChannelHarness, webhookRows } from './channel-helpers';

describe.each(engines)('Meta webhook receiver (%s)', (engine) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startChannelHarness({ engine });
  });
  afterEach(async () => {
    await h.stop();
  });

  const hub = (q: Record<string, string>, tenant = TENANT.id) => fetch(`${h.url}/webhooks/meta/${tenant}?${new URLSearchParams(q)}`);

  test('handshake answers the challenge only for subscribe + the right verify token', async () => {
    const ok = await hub({ 'hub.mode': 'subscribe', 'hub.verify_token': TENANT.metaVerifyToken, 'hub.challenge': '1158201444' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await ok.text()).toBe('1158201444');

    const wrongToken = await hub({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': 'x' });
    expect(wrongToken.status).toBe(403);
    expect(await wrongToken.text()).not.toContain('x"');
    const wrongMode = await hub({ 'hub.mode': 'unsubscribe', 'hub.verify_token': TENANT.metaVerifyToken, 'hub.challenge': 'x' });
    expect(wrongMode.status).toBe(403);
    const noMode = await hub({ 'hub.verify_token': TENANT.metaVerifyToken, 'hub.challenge': 'x' });
    expect(noMode.status).toBe(403);
    const unknown = await hub({ 'hub.mode': 'subscribe', 'hub.verify_token': TENANT.metaVerifyToken, 'hub.challenge': 'x' }, 'nobody');
    expect(unknown.status).toBe(404);
    // The verify token never reaches the log, even though it came in a URL.
    expect(h.logs.text()).not.toContain(TENANT.metaVerifyToken);
  });

  test('every bad signature is 401 and stores nothing', async () => {
    const raw = JSON.stringify(customer(h, '358401111111', 'hello'));
    const good = signed(raw)['x-hub-signature-256'];
    const hex = good.slice('sha256='.length);
    const flipped = hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');
    const variants: Array<[string, Record<string, string>, string]> = [
      ['missing header', {}, raw],
      ['wrong prefix', { 'x-hub-signature-256': `sha1=${hex}` }, raw],
      ['no prefix', { 'x-hub-signature-256': hex }, raw],
      ['not hex', { 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` }, raw],
      ['short hex', { 'x-hub-signature-256': `sha256=${hex.slice(0, 40)}` }, raw],
      ['one digit off', { 'x-hub-signature-256': `sha256=${flipped}` }, raw],
      ['wrong secret', signed(raw, 'not-the-app-secret'), raw],
      ['other tenant secret', signed(raw, 'app-secret-of-another-tenant'), raw],
      ['body altered after signing', { 'x-hub-signature-256': good }, raw.replace('hello', 'hellO')],
      ['empty body', { 'x-hub-signature-256': good }, ''],
    ];
    for (const [name, headers, body] of variants) {
      const res = await postMeta(h, body, headers);
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
    }
    expect(await webhookRows(h)).toHaveLength(0);
    // Signature is checked before parsing: an unparseable but unsigned body is still 401.
    expect((await postMeta(h, '{not json', {})).status).toBe(401);
    const metrics = await h.services.metrics.registry.getSingleMetricAsString('webhooks_total');
    expect(metrics).toMatch(/source="meta",result="signature"} 11/);
  });

  test('another tenant\'s correctly signed webhook is refused for this tenant', async () => {
    await h.services.tenants.add({ ...TENANT, id: 't2', metaAppSecret: 'app-secret-of-tenant-two-xyz' });
    const raw = JSON.stringify(customer(h, '358401111111', 'hi'));
    expect((await postMeta(h, raw, signed(raw, 'app-secret-of-tenant-two-xyz'))).status).toBe(401);
    expect((await postMeta(h, raw, signed(raw, 'app-secret-of-tenant-two-xyz'), 't2')).status).toBe(200);
    expect(await webhookRows(h)).toHaveLength(1);
  });

  test('unknown tenant 404, malformed JSON 400, schema mismatch 422 with path, oversized 413 — nothing stored', async () => {
    const raw = JSON.stringify(customer(h, '358401111111', 'hi'));
    expect((await postMeta(h, raw, signed(raw), 'no-such-tenant')).status).toBe(404);

    const bad = '{"object":"whatsapp_business_account","entry":[';
    const r400 = await postMeta(h, bad, signed(bad));
    expect(r400.status).toBe(400);
    expect(JSON.parse(r400.text).error.code).toBe('malformed_json');

    const payload = customer(h, '358401111111', 'hi') as any;
    delete payload.entry[0].changes[0].value.messages[0].from;
    const mis = JSON.stringify(payload);
    const r422 = await postMeta(h, mis, signed(mis));
    expect(r422.status).toBe(422);
    const err = JSON.parse(r422.text).error;
    expect(err.details.path).toBe('entry.0.changes.0.value.messages.0.from');
    expect(err.message).toContain('entry.0.changes.0.value.messages.0.from');

    const wrongObject = JSON.stringify({ object: 'page', entry: [{ id: '1', changes: [] }] });
    const r422b = await postMeta(h, wrongObject, signed(wrongObject));
    expect(r422b.status).toBe(422);
    expect(JSON.parse(r422b.text).error.details.path).toBe('object');

    const huge = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [] }], pad: 'x'.repeat(3 * 1024 * 1024) });
    const r413 = await postMeta(h, huge, signed(huge));
    expect(r413.status).toBe(413);
    expect(await webhookRows(h)).toHaveLength(0);
  });

  test('unknown fields and unknown field kinds are kept and ignored', async () => {
    const payload = customer(h, '358401111111', 'hello there') as any;
    payload.brand_new_top_level = { x: 1 };
    payload.entry[0].changes[0].value.messages[0].new_meta_field = 'future';
    payload.entry[0].changes.push({ field: 'security', value: { anything: ['goes'] } });
    payload.entry[0].changes.push({ field: 'account_alerts', value: 42 });
    const res = await postSigned(h, payload);
    expect(res.status).toBe(200);
    const rows = await webhookRows(h);
    expect(rows).toHaveLength(1);
    expect(rows[0].body).toContain('brand_new_top_level');
    await waitFor(() => h.giosg.umiMessages.length === 1, 'relay');
    expect(h.giosg.umiMessages[0]).toMatchObject({ thread_id: '358401111111', text: 'hello there', sender_name: 'Maija Meikäläinen' });
    await waitFor(async () => (await webhookRows(h))[0].processed_at !== null, 'processed');
  });

  test('a webhook delivered twice is relayed once', async () => {
    const payload = customer(h, '358402222222', 'only once please');
    expect((await postSigned(h, payload)).status).toBe(200);
    expect((await postSigned(h, payload)).status).toBe(200);
    await waitFor(async () => (await webhookRows(h)).every((r) => r.processed_at !== null), 'both processed');
    await waitFor(() => h.giosg.umiMessages.length === 1, 'relay');
    // A relay tick records its successes together, just after giosg accepted them.
    const inbound = await waitFor(async () => {
      const rows = await h.services.store.db.selectFrom('inbound_messages').selectAll().execute();
      return rows.every((r) => r.state === 'relayed') ? rows : undefined;
    }, 'marked relayed');
    expect(inbound).toHaveLength(1);
    expect(inbound[0].state).toBe('relayed');
    // Our side deduped: giosg saw one intake request for that message.
    const intakes = h.giosg.requests.filter((r) => r.method === 'POST' && r.path.includes('/unified_messaging/'));
    expect(intakes).toHaveLength(1);
  });

  test('1,000 messages in one POST are all stored, relayed once each, in order per customer', async () => {
    const base = customer(h, '358400000000', 'x') as any;
    const value = base.entry[0].changes[0].value;
    const customers = ['358401000001', '358401000002', '358401000003', '358401000004'];
    value.contacts = customers.map((c) => ({ wa_id: c, profile: { name: `C ${c.slice(-1)}` } }));
    value.messages = Array.from({ length: 1000 }, (_, i) => ({
      from: customers[i % 4],
      id: `wamid.batch.${i}`,
      timestamp: String(1767225600 + i),
      type: 'text',
      text: { body: `message ${i}` },
    }));
    const raw = JSON.stringify(base);
    const res = await postMeta(h, raw, signed(raw));
    expect(res.status).toBe(200);
    await waitFor(() => h.giosg.umiMessages.length === 1000, '1000 relayed', 30_000);
    expect(new Set(h.giosg.umiMessages.map((m) => m.external_message_id)).size).toBe(1000);
    for (const c of customers) {
      const seq = h.giosg.umiMessages.filter((m) => m.thread_id === c).map((m) => Number(m.text.split(' ')[1]));
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
      expect(seq).toHaveLength(250);
    }
  }, 60_000);

  test('per-customer order holds while giosg fails and recovers; nothing dropped', async () => {
    h.giosg.failNext(12, 503);
    for (let i = 0; i < 5; i++) expect((await postSigned(h, customer(h, '358403333333', `n${i}`))).status).toBe(200);
    await waitFor(() => h.giosg.umiMessages.length === 5, 'all relayed after giosg recovers', 20_000);
    expect(h.giosg.umiMessages.map((m) => m.text)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
  });

  // Media the Graph simulator does not hold (random ids): after a few tries the agent gets
  // the caption, the type line and a notice (files themselves: media-in.test.ts).
  test('media: caption plus a localized line naming the type; relay keeps going while giosg is down', async () => {
    await postSigned(h, h.graph.customerMessage({ phoneNumberId: TENANT.phoneNumberId, from: '358404444444', type: 'image', caption: 'my receipt' }));
    await postSigned(h, h.graph.customerMessage({ phoneNumberId: TENANT.phoneNumberId, from: '358404444444', type: 'audio' }));
    await waitFor(() => h.giosg.umiMessages.length === 2, 'media relayed');
    expect(h.giosg.umiMessages[0].text).toMatch(/^my receipt\n\[The customer sent an image\]\n\[The file could not be fetched/);
    expect(h.giosg.umiMessages[1].text).toMatch(/^\[The customer sent a voice message or audio\]\n\[The file could not be fetched/);
  });

  test('events for a phone number the tenant does not serve are acknowledged and ignored', async () => {
    const res = await postSigned(h, h.graph.customerMessage({ phoneNumberId: '999999', from: '358405555555', text: 'lost' }));
    expect(res.status).toBe(200);
    await waitFor(async () => (await webhookRows(h))[0]?.processed_at !== null, 'processed');
    expect(await h.services.store.db.selectFrom('inbound_messages').selectAll().execute()).toHaveLength(0);
  });

  test('the simulator delivering like Meta (signed, retried) gets 200 at once', async () => {
    const r = await h.graph.deliverWebhook(customer(h, '358406666666', 'via sim'));
    expect(r).toEqual({ status: 200, attempts: 1 });
    await waitFor(() => h.giosg.umiMessages.some((m) => m.text === 'via sim'), 'relayed');
  });
});
