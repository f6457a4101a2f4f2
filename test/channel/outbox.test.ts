// Agents' replies: the giosg reply webhook, the durable outbox, the sender against the
// Graph simulator, error classes, pause/resume with a token swap, statuses.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { IncidentRepo } from '../../src/store/incident-repo';
import { engines, Harness, makeToken, TENANT, waitFor } from '../../testkit/harness';
import type { ChannelEvents } from '../../src/events';
import { agentReply, FAST, outboxRows, postSigned, startChannelHarness } from './channel-helpers';

const A = '358401234567';
const B = '358409876543';

function collect<K extends keyof ChannelEvents>(h: Harness, name: K): ChannelEvents[K][] {
  const out: ChannelEvents[K][] = [];
  h.services.events.on(name, (e) => void out.push(e));
  return out;
}

async function promoteNewToken(h: Harness): Promise<string> {
  const token = makeToken();
  h.graph.addToken({ token, appId: TENANT.metaAppId, scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId] });
  const id = await h.services.vault.addPending(TENANT.id, token, 'admin', 'test');
  await h.services.vault.markValidated(TENANT.id, id, { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567' }, 'admin');
  const r = await h.services.vault.promote(TENANT.id, id, (await h.services.vault.current(TENANT.id))?.versionId ?? null, 'admin');
  expect(r.ok).toBe(true);
  return token;
}

describe.each(engines)('outbox (%s)', (engine) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startChannelHarness({ engine });
  });
  afterEach(async () => {
    await h.stop();
  });

  const replies = (q = '') => `${h.url}/webhooks/giosg/${TENANT.id}/replies${q}`;
  const body = (id: string, text = 'hello', extra: Record<string, unknown> = {}) =>
    JSON.stringify({ thread_id: A, chat_id: 'chat-1', organization_id: TENANT.giosgOrganizationId, channel_id: TENANT.giosgUmiChannelId, message: { id, text, sender_type: 'user', sender_name: 'Agent' }, ...extra });

  test('reply webhook: secret by header or query, constant-time; wrong → 401 and nothing queued', async () => {
    const post = (url: string, headers: Record<string, string> = {}, b = body('m-auth')) =>
      fetch(url, { method: 'POST', body: b, headers: { 'content-type': 'application/json', ...headers } });
    expect((await post(replies())).status).toBe(401);
    expect((await post(replies('?secret=wrong-secret-value'))).status).toBe(401);
    expect((await post(replies(), { 'x-webhook-secret': 'wrong' })).status).toBe(401);
    expect((await post(`${h.url}/webhooks/giosg/nobody/replies?secret=${TENANT.giosgWebhookSecret}`)).status).toBe(404);
    expect(await outboxRows(h)).toHaveLength(0);
    expect((await post(replies(), { 'x-webhook-secret': TENANT.giosgWebhookSecret })).status).toBe(200);
    const bad = await post(replies(`?secret=${TENANT.giosgWebhookSecret}`), {}, JSON.stringify({ chat_id: 'c', message: { id: 'x', text: 't' } }));
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).error.details.path).toBe('thread_id');
    const malformed = await post(replies(`?secret=${TENANT.giosgWebhookSecret}`), {}, '{nope');
    expect(malformed.status).toBe(400);
    await waitFor(() => h.graph.sent.length === 1, 'sent');
    expect(h.logs.text()).not.toContain(TENANT.giosgWebhookSecret);
  });

  test('duplicate reply webhook is queued and sent once; non-agent senders are ignored', async () => {
    const post = (b: string) => fetch(replies(`?secret=${TENANT.giosgWebhookSecret}`), { method: 'POST', body: b, headers: { 'content-type': 'application/json' } });
    expect((await post(body('m-1', 'first'))).status).toBe(200);
    const dup = await post(body('m-1', 'first'));
    expect(dup.status).toBe(200);
    expect(await dup.json()).toMatchObject({ duplicate: true, queued: 0 });
    const echo = await post(JSON.stringify({ thread_id: A, chat_id: 'chat-1', message: { id: 'm-echo', text: 'customer words', sender_type: 'visitor' } }));
    expect(await echo.json()).toMatchObject({ ignored: 'not_an_agent_message' });
    await waitFor(() => h.graph.sent.length === 1, 'sent');
    await h.idle();
    expect(h.graph.sent.map((m) => m.body)).toEqual(['first']);
    const rows = await outboxRows(h);
    expect(rows).toHaveLength(1);
    expect(rows[0].wamid).toBe(h.graph.sent[0].id);
  });

  test('a reply from the giosg simulator reaches WhatsApp with the current token; token never logged', async () => {
    expect((await agentReply(h, A, 'Hei, miten voin auttaa?')).status).toBe(200);
    await waitFor(() => h.graph.sent.length === 1, 'sent');
    expect(h.graph.sent[0]).toMatchObject({ to: A, body: 'Hei, miten voin auttaa?', phoneNumberId: TENANT.phoneNumberId });
    expect(h.logs.text()).not.toContain(h.token);
    const file = fs.existsSync(h.db.file ?? '') ? fs.readFileSync(h.db.file!).toString('latin1') : '';
    expect(file).not.toContain(h.token);
  });

  test('per-recipient order holds across transient failures and throttling', async () => {
    h.graph.failNext(3, { httpStatus: 500, code: 131000, message: 'Something went wrong' });
    for (let i = 0; i < 6; i++) await agentReply(h, i % 2 ? B : A, `r${i}`);
    await waitFor(() => h.graph.sent.length === 6, 'all sent', 20_000);
    expect(h.graph.sent.filter((m) => m.to === A).map((m) => m.body)).toEqual(['r0', 'r2', 'r4']);
    expect(h.graph.sent.filter((m) => m.to === B).map((m) => m.body)).toEqual(['r1', 'r3', 'r5']);
    h.graph.failNext(2, { httpStatus: 429, code: 130429, message: 'Rate limit hit' });
    await agentReply(h, A, 't1');
    await agentReply(h, A, 't2');
    await waitFor(() => h.graph.sent.length === 8, 'throttled ones sent', 20_000);
    expect(h.graph.sent.slice(6).map((m) => m.body)).toEqual(['t1', 't2']);
    const m = await h.services.metrics.registry.getSingleMetricAsString('whatsapp_sends_total');
    expect(m).toMatch(/class="transient"} 3/);
    expect(m).toMatch(/class="throttled"} 2/);
    expect((await h.channel.status(TENANT.id)).paused).toBe(false);
  });

  test('message-class error: that row fails with Meta\'s reason, the agent is told, the rest continue', async () => {
    const failed = collect(h, 'message.failed');
    h.graph.failNext(1, { httpStatus: 400, code: 131026, message: 'Message undeliverable' });
    await agentReply(h, A, 'will fail');
    await agentReply(h, A, 'will pass');
    await waitFor(() => h.graph.sent.length === 1, 'second sent');
    expect(h.graph.sent[0].body).toBe('will pass');
    const rows = await outboxRows(h);
    expect(rows[0]).toMatchObject({ state: 'failed', error_class: 'message', error_code: 131026 });
    expect(rows[0].error_reason).toContain('131026');
    await waitFor(() => failed.length === 1, 'event');
    await waitFor(() => h.giosg.chatMessages.length === 1, 'agent told');
    const note = h.giosg.chatMessages[0];
    expect(note.chatId).toBe(rows[0].giosg_chat_id);
    expect(note.userId).toBe(TENANT.giosgBotUserId);
    expect(note.message).toMatch(/^This reply could not be delivered to the customer on WhatsApp: .*131026/);
    expect((await h.channel.status(TENANT.id)).paused).toBe(false);
  });

  test('expired token: paused, queue kept; a new token resumes and held replies go out once each, in order', async () => {
    const opened = collect(h, 'incident.opened');
    const resolved = collect(h, 'incident.resolved');
    h.graph.expireToken(h.token);
    for (let i = 0; i < 5; i++) await agentReply(h, i < 3 ? A : B, `held ${i}`);
    await waitFor(async () => (await h.channel.status(TENANT.id)).paused, 'paused');
    // Probes keep failing with the expired token: still paused, nothing sent, one incident.
    await new Promise((r) => setTimeout(r, 500));
    expect((await h.channel.status(TENANT.id)).queued).toBe(5);
    expect(h.graph.sent).toHaveLength(0);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ kind: 'token', fixableByToken: true, metaCode: 190 });
    // Inbound keeps flowing while paused.
    await postSigned(h, h.graph.customerMessage({ phoneNumberId: TENANT.phoneNumberId, from: A, text: 'are you there?' }));
    await waitFor(() => h.giosg.umiMessages.length === 1, 'inbound relayed while paused');

    const fresh = await promoteNewToken(h);
    await waitFor(() => h.graph.sent.length === 5, 'held sent');
    await h.idle();
    expect(h.graph.sent).toHaveLength(5);
    expect(h.graph.sent.filter((m) => m.to === A).map((m) => m.body)).toEqual(['held 0', 'held 1', 'held 2']);
    expect(h.graph.sent.filter((m) => m.to === B).map((m) => m.body)).toEqual(['held 3', 'held 4']);
    expect(new Set(h.graph.sent.map((m) => m.tokenFingerprint))).toEqual(new Set([createHash('sha256').update(fresh).digest('hex').slice(0, 8)]));
    await waitFor(() => resolved.length === 1, 'resolved');
    expect(resolved[0]).toMatchObject({ tenantId: TENANT.id, kind: 'token', heldDelivered: 5 });
    expect((await h.channel.status(TENANT.id)).paused).toBe(false);
    expect(h.logs.text()).not.toContain(h.token);
    expect(h.logs.text()).not.toContain(fresh);
  });

  test('ten concurrent failing sends open one incident and emit once', async () => {
    const opened = collect(h, 'incident.opened');
    h.graph.expireToken(h.token);
    for (let i = 0; i < 10; i++) await agentReply(h, `35840000${String(i).padStart(4, '0')}`, `x${i}`);
    await waitFor(async () => (await h.channel.status(TENANT.id)).paused, 'paused');
    await new Promise((r) => setTimeout(r, 200));
    const incidents = await h.services.store.db.selectFrom('incidents').selectAll().execute();
    expect(incidents).toHaveLength(1);
    expect(opened).toHaveLength(1);
  });

  test('racing detectors: the unique open index lets exactly one create the incident', async () => {
    const repo = new IncidentRepo(h.services.store.db);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => repo.open({ tenantId: TENANT.id, kind: 'token', fixableByToken: true, reason: 'r', metaCode: 190 }, Date.now())),
    );
    expect(results.filter((r: any) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r: any) => r.incident.id)).size).toBe(1);
  });

  test('status webhooks move the row forward, never back; duplicates ignored', async () => {
    await agentReply(h, A, 'track me');
    await waitFor(async () => (await outboxRows(h))[0]?.wamid, 'wamid recorded');
    const wamid = (await outboxRows(h))[0].wamid!;
    const status = (s: 'sent' | 'delivered' | 'read' | 'failed', errors?: { code: number; title: string }[]) =>
      postSigned(h, h.graph.statusUpdate({ phoneNumberId: TENANT.phoneNumberId, wamid, recipient: A, status: s, errors }));
    await status('delivered');
    await waitFor(async () => (await outboxRows(h))[0].state === 'delivered', 'delivered');
    await status('read');
    await status('read');
    await status('sent');
    await waitFor(async () => (await h.services.store.db.selectFrom('webhook_events').where('processed_at', 'is', null).selectAll().execute()).length === 0, 'processed');
    expect((await outboxRows(h))[0].state).toBe('read');
    const ev = await h.services.store.db.selectFrom('status_events').selectAll().execute();
    expect(ev.map((e) => e.status).sort()).toEqual(['delivered', 'read', 'sent']);
  });

  test('a failed status with an auth-class code opens an incident like a send error', async () => {
    const opened = collect(h, 'incident.opened');
    await agentReply(h, A, 'accepted then failed');
    await waitFor(async () => (await outboxRows(h))[0]?.wamid, 'wamid');
    const wamid = (await outboxRows(h))[0].wamid!;
    await postSigned(h, h.graph.statusUpdate({ phoneNumberId: TENANT.phoneNumberId, wamid, recipient: A, status: 'failed', errors: [{ code: 190, title: 'Access token has expired' }] }));
    await waitFor(() => opened.length === 1, 'incident');
    expect(opened[0]).toMatchObject({ kind: 'token', metaCode: 190 });
    expect((await outboxRows(h))[0]).toMatchObject({ state: 'failed', error_code: 190 });
    expect((await h.channel.status(TENANT.id)).paused).toBe(true);
  });

  test('account_update cut-off pauses (not fixable by token); a token change does not resume; RECONNECTED does', async () => {
    const cut = collect(h, 'account.cutoff');
    await postSigned(h, h.graph.accountUpdate({ wabaId: TENANT.wabaId, event: 'PARTNER_APP_UNINSTALLED' }));
    await waitFor(() => cut.length === 1, 'cutoff');
    const st = await h.channel.status(TENANT.id);
    expect(st).toMatchObject({ paused: true, incidentKind: 'account_update', fixableByToken: false });
    await agentReply(h, A, 'wait for reconnect');
    await promoteNewToken(h);
    await h.idle();
    expect(h.graph.sent).toHaveLength(0);
    await postSigned(h, h.graph.accountUpdate({ wabaId: TENANT.wabaId, event: 'ACCOUNT_RECONNECTED' }));
    await waitFor(() => h.graph.sent.length === 1, 'sent after reconnect');
  });
});

describe.each(engines)('outbox pausing error classes (%s)', (engine) => {
  let h: Harness;
  // A long probe interval keeps the channel paused while we look; each test makes the probe due.
  beforeEach(async () => {
    h = await startChannelHarness({ engine, config: { channelTuning: { ...FAST, probeIntervalMs: 3_600_000 } } });
  });
  afterEach(async () => {
    await h.stop();
  });

  test.each([
    ['token', { httpStatus: 401, code: 190, subcode: 460, message: 'Error validating access token' }, true],
    ['permission', { httpStatus: 403, code: 10, message: 'Application does not have permission' }, true],
    ['account', { httpStatus: 400, code: 131031, message: 'Business account locked' }, false],
  ] as const)('%s error pauses the channel, keeps the row queued and opens one incident', async (kind, err, fixable) => {
    const opened = collect(h, 'incident.opened');
    h.graph.failNext(1, err);
    await agentReply(h, A, 'held 1');
    await waitFor(async () => (await h.channel.status(TENANT.id)).paused, 'paused');
    await agentReply(h, A, 'held 2');
    await agentReply(h, B, 'held 3');
    await h.idle();
    const st = await h.channel.status(TENANT.id);
    expect(st).toMatchObject({ paused: true, incidentKind: kind, fixableByToken: fixable, queued: 3 });
    expect(h.graph.sent).toHaveLength(0);
    const rows = await outboxRows(h);
    expect(rows.map((r) => [r.state, r.attempts])).toEqual([['queued', 0], ['queued', 0], ['queued', 0]]);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ tenantId: TENANT.id, kind, fixableByToken: fixable, metaCode: err.code });
    const gauge = await h.services.metrics.registry.getSingleMetricAsString('channel_paused');
    expect(gauge).toContain(`channel_paused{tenant="${TENANT.id}"} 1`);
    // The probe, once due, finds the token working again (the injected failure was one-off) and resumes.
    const resolved = collect(h, 'incident.resolved');
    await h.services.store.db.updateTable('channel_state').set({ next_probe_at: 0 }).where('tenant_id', '=', TENANT.id).execute();
    await waitFor(() => h.graph.sent.length === 3, 'resumed by probe', 10_000);
    expect(h.graph.sent.filter((m) => m.to === A).map((m) => m.body)).toEqual(['held 1', 'held 2']);
    await waitFor(() => resolved.length === 1, 'resolved');
    expect(resolved[0]).toMatchObject({ kind, heldDelivered: 3 });
    expect(opened).toHaveLength(1);
  });

});
