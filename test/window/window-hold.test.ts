// The 24-hour customer-service window with no template configured: replies inside the
// window go out as free text; outside it they are held (never sent as free text), the agent
// is told at once when the window closed and that an admin must choose a template, and the
// held replies go out in order when the customer writes again, also across a restart.
import { engines, Harness, TENANT, waitFor } from '../../testkit/harness';
import { agentReply, customer, postSigned, startChannelHarness } from '../channel/channel-helpers';
import { JumpClock, HOUR, heldRows, reengagementRows, chatLines, restartService } from './window-helpers';

const A = '358401234567';
const B = '358409876543';

describe.each(engines)('service window, no template (%s)', (engine) => {
  let h: Harness;
  let clock: JumpClock;
  beforeEach(async () => {
    clock = new JumpClock();
    h = await startChannelHarness({ engine, clock });
  });
  afterEach(async () => {
    await h.stop();
  });

  const windowRow = (waId: string) => h.services.store.db.selectFrom('service_windows').selectAll().where('tenant_id', '=', TENANT.id).where('wa_id', '=', waId).executeTakeFirst();

  test('the customer message opens the window; a reply inside it is sent as free text', async () => {
    expect((await postSigned(h, customer(h, A, 'Hei!'))).status).toBe(200);
    await waitFor(async () => (await windowRow(A))?.last_inbound_at, 'window recorded');
    const w = await windowRow(A);
    expect(w!.profile_name).toBe('Maija Meikäläinen');
    expect(Math.abs(Number(w!.last_inbound_at) - Date.now())).toBeLessThan(60_000);
    clock.offset = 24 * HOUR - 60_000; // a minute before it closes
    expect((await agentReply(h, A, 'still in time')).status).toBe(200);
    await waitFor(() => h.graph.sent.length === 1, 'sent');
    expect(h.graph.sent[0].body).toBe('still in time');
    expect(await heldRows(h)).toHaveLength(0);
  });

  test('outside the window replies are held in order, the agent is told, and they go out when the customer writes', async () => {
    await postSigned(h, customer(h, A, 'Hei!'));
    await waitFor(async () => (await windowRow(A))?.last_inbound_at, 'window recorded');
    const lastInbound = Number((await windowRow(A))!.last_inbound_at);
    clock.offset = 24 * HOUR + 1000;
    const r1 = await agentReply(h, A, 'first, next morning');
    expect(r1.status).toBe(200);
    await agentReply(h, A, 'second');
    await agentReply(h, A, 'third');
    const held = await heldRows(h);
    expect(held.map((r) => r.body)).toEqual(['first, next morning', 'second', 'third']);
    expect(held.every((r) => r.reason === 'window_closed')).toBe(true);
    await h.idle();
    expect(h.graph.sent).toHaveLength(0);
    // One re-engagement for the customer; no template, so the agent is told to ask an admin.
    const re = await reengagementRows(h);
    expect(re).toHaveLength(1);
    expect(re[0].state).toBe('no_template');
    const lines = await waitFor(() => (chatLines(h).length >= 3 ? chatLines(h) : null), 'agent notices');
    expect(lines[0]).toContain('24-hour WhatsApp window closed');
    expect(lines[0]).toContain(String(new Date(lastInbound + 24 * HOUR).getUTCFullYear()));
    expect(lines[0]).toContain('ask an admin');
    expect(lines[1]).toContain('kept too');
    // A redelivered held reply is held once.
    const chat = h.giosg.chatMessages[0].chatId;
    expect(chat).toBeTruthy();
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    await waitFor(async () => /whatsapp_held_replies\{tenant="t1"\} 3/.test(await (await fetch(`${h.url}/metrics`)).text()), 'held gauge');
    expect(metrics).toMatch(/whatsapp_replies_held_total\{reason="window_closed"\} 3/);

    // The customer writes again (the simulator stamps real time, so our clock comes back to it):
    // the window reopens and the held replies go out in order.
    clock.offset = 0;
    await postSigned(h, customer(h, A, 'Kiitos, tässä vastaus'));
    await waitFor(() => h.graph.sent.length === 3, 'held replies sent');
    expect(h.graph.sent.map((m) => m.body)).toEqual(['first, next morning', 'second', 'third']);
    expect(await heldRows(h)).toHaveLength(0);
    expect((await reengagementRows(h))[0].state).toBe('answered');
    await waitFor(() => chatLines(h).some((l) => l.includes('3 held replies are now being sent')), 'released notice');
    // Later replies are free text again.
    await agentReply(h, A, 'fourth');
    await waitFor(() => h.graph.sent.length === 4, 'fourth');
  });

  test('window edges: a reply just before the 24 h are up goes out, one at the end is held', async () => {
    await postSigned(h, customer(h, A, 'Hei!'));
    await waitFor(async () => (await windowRow(A))?.last_inbound_at, 'window recorded');
    const last = Number((await windowRow(A))!.last_inbound_at);
    // Real time moves on while the reply travels: "just in time" is 5 s before the end.
    clock.offset = last + 24 * HOUR - 5000 - Date.now();
    await agentReply(h, A, 'just in time');
    clock.offset = last + 24 * HOUR - Date.now();
    await agentReply(h, A, 'just too late');
    await h.idle();
    expect(h.graph.sent.map((m) => m.body)).toEqual(['just in time']);
    expect((await heldRows(h)).map((r) => r.body)).toEqual(['just too late']);
  });

  test('a customer we never heard from is answered as free text; Meta’s 131047 holds it instead of failing it', async () => {
    h.graph.failNext(1, { httpStatus: 400, code: 131047, message: '(#131047) Re-engagement message' });
    await agentReply(h, B, 'hello after a long time');
    await waitFor(async () => (await heldRows(h)).length === 1, 'held by 131047');
    const held = await heldRows(h);
    expect(held[0]).toMatchObject({ body: 'hello after a long time', reason: 'meta_131047', recipient: B });
    expect(await h.services.store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(0);
    const lines = await waitFor(() => (chatLines(h).length > 0 ? chatLines(h) : null), 'notice');
    expect(lines[0]).toContain('WhatsApp refused this reply');
    expect(lines.join('\n')).not.toContain('could not be delivered');
    // Meta said closed: the next reply is held without trying.
    await agentReply(h, B, 'and another');
    await h.idle();
    expect(h.graph.sent).toHaveLength(0);
    expect((await heldRows(h)).map((r) => r.body)).toEqual(['hello after a long time', 'and another']);
    await postSigned(h, customer(h, B, 'Hi again'));
    await waitFor(() => h.graph.sent.length === 2, 'released');
    expect(h.graph.sent.map((m) => m.body)).toEqual(['hello after a long time', 'and another']);
  });

  test('held replies survive a restart and are released by the new process in order', async () => {
    await postSigned(h, customer(h, A, 'Hei!'));
    await waitFor(async () => (await windowRow(A))?.last_inbound_at, 'window recorded');
    clock.offset = 25 * HOUR;
    await agentReply(h, A, 'before restart 1');
    await agentReply(h, A, 'before restart 2');
    expect(await heldRows(h)).toHaveLength(2);
    const second = await restartService(h, clock);
    try {
      await agentReply(h, A, 'after restart');
      expect((await heldRows({ services: second.composed.services })).map((r) => r.body)).toEqual(['before restart 1', 'before restart 2', 'after restart']);
      clock.offset = 0;
      await postSigned({ ...h, url: second.url } as Harness, customer(h, A, 'Moi'));
      await waitFor(() => h.graph.sent.length === 3, 'released after restart');
      expect(h.graph.sent.map((m) => m.body)).toEqual(['before restart 1', 'before restart 2', 'after restart']);
      expect(second.logs.text()).not.toContain(h.token);
    } finally {
      await second.stop();
    }
    expect(h.logs.text()).not.toContain(h.token);
  });

  test('a redelivered reply webhook is held once; a held reply is not queued again when redelivered after release', async () => {
    await postSigned(h, customer(h, A, 'Hei!'));
    await waitFor(async () => (await windowRow(A))?.last_inbound_at, 'window recorded');
    clock.offset = 25 * HOUR;
    await agentReply(h, A, 'only once', 'giosg-msg-1');
    const dup = await agentReply(h, A, 'only once', 'giosg-msg-1');
    expect(dup.status).toBe(200);
    expect(await heldRows(h)).toHaveLength(1);
    clock.offset = 0;
    await postSigned(h, customer(h, A, 'ok'));
    await waitFor(() => h.graph.sent.length === 1, 'released');
    await agentReply(h, A, 'only once', 'giosg-msg-1');
    await h.idle();
    expect(h.graph.sent.map((m) => m.body)).toEqual(['only once']);
    expect(await heldRows(h)).toHaveLength(0);
  });
});
