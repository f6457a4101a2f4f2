// Delivered and read reach the agent's chat as one short bot line per chat and turn, never
// one per status webhook: a quick read replaces the delivered line, replies that change
// state together share a line, a split reply counts only when all its parts have, a failed
// reply gets its failure notice and no tick, and giosg being down delays a line but never
// doubles or loses it.
import { engines, TENANT, waitFor, type Harness } from '../../testkit/harness';
import { agentReply, outboxRows, startChannelHarness, FAST } from '../channel/channel-helpers';
import { translator } from '../../src/i18n';
import type { Config } from '../../src/config';

const A = '358401234567';
const word = 'lorem ';
const en = translator('en');

describe.each(engines)('delivery ticks in the agent chat (%s)', (engine) => {
  let h: Harness;
  afterEach(async () => h?.stop());

  const start = (settleMs: number, config: Partial<Config> = {}, readSettleMs = 0) =>
    startChannelHarness({ engine, config: { channelTuning: { ...FAST, ticksPollMs: 30, ticksSettleMs: settleMs, ticksReadSettleMs: readSettleMs }, ...config } });
  const ticks = () => h.giosg.chatMessages.filter((m) => m.message.startsWith('✓✓'));
  const status = (wamid: string, s: 'delivered' | 'read' | 'failed', errors?: { code: number; title: string }[]) =>
    h.graph.deliverWebhook(h.graph.statusUpdate({ phoneNumberId: TENANT.phoneNumberId, wamid, recipient: A, status: s, errors }));
  /** Lets the announcer run a few more turns, so "no further line" is a real observation. */
  const settle = async () => {
    await h.idle();
    const turns = (await h.services.store.db.selectFrom('job_leases').select('last_run_at').where('job', '=', 'delivery_ticks').executeTakeFirst())?.last_run_at ?? 0;
    await waitFor(async () => ((await h.services.store.db.selectFrom('job_leases').select('last_run_at').where('job', '=', 'delivery_ticks').executeTakeFirst())?.last_run_at ?? 0) > turns + 100, 'announcer turns');
  };

  async function replySent(text: string, id: string): Promise<string> {
    const before = h.graph.sent.length;
    await agentReply(h, A, text, id);
    await waitFor(() => h.graph.sent.length > before, `"${text}" sent`);
    await h.idle();
    return h.graph.sent[h.graph.sent.length - 1].id;
  }

  test('delivered is said once after it settles, then read once; redelivered statuses say nothing more', async () => {
    h = await start(150);
    const wamid = await replySent('Your parcel left today.', 'g-1');
    await status(wamid, 'delivered');
    await waitFor(() => ticks().length === 1, 'delivered line');
    expect(ticks()[0].message).toBe(en('delivery:ticks.line', { segments: en('delivery:ticks.delivered', { count: 1, excerpt: 'Your parcel left today.' }) }));
    expect(ticks()[0].message).toBe('✓✓ Delivered to the customer: “Your parcel left today.”');
    expect(ticks()[0].userId).toBe(TENANT.giosgBotUserId);
    const chatId = (await outboxRows(h))[0].giosg_chat_id;
    expect(ticks()[0].chatId).toBe(chatId);
    await h.graph.customerReads({ phoneNumberId: TENANT.phoneNumberId, waId: A });
    await waitFor(() => ticks().length === 2, 'read line');
    expect(ticks()[1].message).toBe('✓✓ Read by the customer: “Your parcel left today.”');
    // Meta redelivers both statuses: nothing more is said.
    await status(wamid, 'delivered');
    await status(wamid, 'read');
    await settle();
    expect(ticks()).toHaveLength(2);
  });

  test('a read that follows quickly replaces the delivered line: one line, not two', async () => {
    h = await start(5_000);
    const wamid = await replySent('Thanks for waiting.', 'g-2');
    await status(wamid, 'delivered');
    await status(wamid, 'read');
    await waitFor(() => ticks().length === 1, 'read line');
    expect(ticks()[0].message).toBe('✓✓ Read by the customer: “Thanks for waiting.”');
    await settle();
    expect(ticks()).toHaveLength(1);
  });

  test('replies read together share one line naming how many, quoting the latest (shortened)', async () => {
    h = await start(5_000, {}, 1_000);
    await replySent('First answer.', 'g-3a');
    await replySent('Second answer.', 'g-3b');
    const long = 'Third answer, which is a good deal longer than what fits into one short line in the chat.';
    await replySent(long, 'g-3c');
    // The customer opens the chat: Meta reports the three reads together (one webhook, three statuses).
    const payloads = h.graph.sent.map((m) => h.graph.statusUpdate({ phoneNumberId: TENANT.phoneNumberId, wamid: m.id, recipient: A, status: 'read' })) as { entry: { changes: { value: { statuses: unknown[] } }[] }[] }[];
    const [one] = payloads;
    one.entry[0].changes[0].value.statuses = payloads.flatMap((p) => p.entry[0].changes[0].value.statuses);
    expect((await h.graph.deliverWebhook(one)).status).toBe(200);
    await waitFor(() => ticks().length === 1, 'one read line');
    const line = ticks()[0].message;
    expect(line).toMatch(/^✓✓ Read by the customer: 3 replies, the latest “Third answer, which is a good deal longer than what fits in…”$/);
    await settle();
    expect(ticks()).toHaveLength(1);
  });

  test('a split reply is delivered only when all its parts are', async () => {
    h = await start(50);
    const long = word.repeat(1500).trim(); // three WhatsApp messages
    await agentReply(h, A, long, 'g-split');
    await waitFor(() => h.graph.sent.length === 3, 'three parts sent');
    await h.idle();
    const [p1, p2, p3] = h.graph.sent.map((m) => m.id);
    await status(p1, 'delivered');
    await status(p2, 'delivered');
    await settle();
    expect(ticks()).toHaveLength(0);
    await status(p3, 'delivered');
    await waitFor(() => ticks().length === 1, 'delivered line');
    expect(ticks()[0].message).toMatch(/^✓✓ Delivered to the customer: “lorem lorem/);
    // Read of the first part only (an old client): the reply is not read yet.
    await status(p1, 'read');
    await settle();
    expect(ticks()).toHaveLength(1);
    await h.graph.customerReads({ phoneNumberId: TENANT.phoneNumberId, waId: A });
    await waitFor(() => ticks().length === 2, 'read line');
    await settle();
    expect(ticks()).toHaveLength(2);
  });

  test('a failed reply gets its failure notice and no tick; a later reply still gets its own', async () => {
    h = await start(50);
    const bad = await replySent('This one will fail.', 'g-4a');
    await status(bad, 'failed', [{ code: 131026, title: 'Message undeliverable' }]);
    await waitFor(() => h.giosg.chatMessages.length === 1, 'failure notice');
    const good = await replySent('This one arrives.', 'g-4b');
    await status(good, 'delivered');
    await waitFor(() => ticks().length === 1, 'delivered line');
    expect(ticks()[0].message).toBe('✓✓ Delivered to the customer: “This one arrives.”');
    await settle();
    expect(ticks()).toHaveLength(1);
    expect(h.giosg.chatMessages).toHaveLength(2);
  });

  test('giosg refusing the line delays it; it is said once when giosg is back', async () => {
    h = await start(50);
    const wamid = await replySent('Hello again.', 'g-5');
    h.giosg.failNext(1000, 503);
    await status(wamid, 'read');
    await waitFor(() => h.logs.text().includes('could not tell the agent a reply was delivered or read'), 'failure logged');
    expect(ticks()).toHaveLength(0);
    h.giosg.failNext(0, 503);
    await waitFor(() => ticks().length === 1, 'read line after giosg recovered');
    await settle();
    expect(ticks()).toHaveLength(1);
    expect((await h.services.metrics.registry.getSingleMetricAsString('giosg_delivery_ticks_total'))).toContain('state="read",result="posted"} 1');
  });

  test('the line is in the tenant language', async () => {
    h = await start(50);
    await h.services.tenants.update(TENANT.id, { defaultLocale: 'fi' });
    const wamid = await replySent('Kiitos odotuksesta.', 'g-6');
    await status(wamid, 'read');
    await waitFor(() => ticks().length === 1, 'read line');
    expect(ticks()[0].message).toBe('✓✓ Asiakas on lukenut: ”Kiitos odotuksesta.”');
  });

  test('DELIVERY_TICKS=read says only read; =off says nothing', async () => {
    h = await start(50, { deliveryTicks: 'read' });
    const w1 = await replySent('one', 'g-7a');
    await status(w1, 'delivered');
    await settle();
    expect(ticks()).toHaveLength(0);
    await status(w1, 'read');
    await waitFor(() => ticks().length === 1, 'read line');
    expect(ticks()[0].message).toBe('✓✓ Read by the customer: “one”');
    await h.stop();
    h = await start(50, { deliveryTicks: 'off' });
    const w2 = await replySent('two', 'g-7b');
    await status(w2, 'delivered');
    await status(w2, 'read');
    await h.idle();
    await waitFor(async () => (await outboxRows(h))[0].state === 'read', 'row read');
    await new Promise((r) => setTimeout(r, 200));
    expect(ticks()).toHaveLength(0);
  });
});
