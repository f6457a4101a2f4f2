// Graph API trouble while agents reply: 5xx answers, slow answers and requests that never
// answer (client timeout). Every reply still reaches the customer, exactly once, and in
// order per customer.
import { TENANT, waitFor, type Harness } from '../../testkit/harness';
import { agentReply, startChannelHarness } from '../channel/channel-helpers';

describe('Graph simulator faults', () => {
  let h: Harness;
  afterEach(async () => h && (await h.stop()));

  test('5xx, slow and timed-out sends are retried: none lost, none duplicated, order kept', async () => {
    h = await startChannelHarness();
    const sent = () => h.graph.sent.map((m) => `${m.to}:${m.body}`);
    const sendAttempts = () => h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages')).length;

    h.graph.setMode('5xx');
    for (const [to, text] of [['358401000001', 'a1'], ['358401000002', 'b1'], ['358401000001', 'a2']]) expect((await agentReply(h, to, text)).status).toBe(200);
    await waitFor(() => sendAttempts() >= 4, 'several refused attempts');
    expect(h.graph.sent).toHaveLength(0);

    h.graph.setMode('slow', { latencyMs: 300 });
    expect((await agentReply(h, '358401000002', 'b2')).status).toBe(200);
    await waitFor(() => h.graph.sent.length >= 2, 'slow sends go through');

    h.graph.setMode('timeout');
    expect((await agentReply(h, '358401000003', 'c1')).status).toBe(200);
    const parkedFrom = sendAttempts();
    await waitFor(() => sendAttempts() > parkedFrom, 'a send parked by the simulator');
    h.graph.setMode('ok');
    expect((await agentReply(h, '358401000003', 'c2')).status).toBe(200);

    // The parked request times out on our side (10 s) and is sent again.
    await waitFor(() => h.graph.sent.length >= 6, 'every reply delivered', 25_000, 50);
    await h.idle();
    const all = sent();
    expect([...all].sort()).toEqual(['358401000001:a1', '358401000001:a2', '358401000002:b1', '358401000002:b2', '358401000003:c1', '358401000003:c2']);
    for (const customer of ['358401000001', '358401000002', '358401000003']) {
      const mine = all.filter((x) => x.startsWith(customer)).map((x) => x.split(':')[1]);
      expect(mine).toEqual([...mine].sort());
    }
    const status = await h.channel.status(TENANT.id);
    expect(status.queued).toBe(0);
  }, 30_000);
});
