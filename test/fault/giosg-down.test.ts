// giosg unreachable while customers write: webhooks are still acknowledged (stored), the
// relay keeps them, and when giosg is back every message arrives once, by itself.
import { TENANT, waitFor, type Harness } from '../../testkit/harness';
import { customer, postSigned, startChannelHarness } from '../channel/channel-helpers';

describe('giosg down', () => {
  let h: Harness;
  afterEach(async () => h && (await h.stop()));

  test('inbound relay resumes by itself after an outage; nothing lost or doubled', async () => {
    h = await startChannelHarness();
    h.giosg.setMode('down');
    const texts = Array.from({ length: 12 }, (_, i) => `message ${i}`);
    for (const [i, text] of texts.entries()) {
      const res = await postSigned(h, customer(h, `35840200000${i % 3}`, text));
      expect(res.status).toBe(200);
    }
    // The relay keeps trying during the outage; nothing gets through.
    await waitFor(() => h.giosg.requests.length > 0, 'relay attempts during the outage');
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.giosg.umiMessages).toHaveLength(0);

    h.giosg.setMode('ok');
    await waitFor(() => h.giosg.umiMessages.length >= texts.length, 'all relayed after recovery', 20_000, 50);
    await h.idle();
    expect(h.giosg.umiMessages.map((m) => m.text).sort()).toEqual([...texts].sort());
    // Per customer, in the order they wrote.
    for (const c of ['358402000000', '358402000001', '358402000002']) {
      const mine = h.giosg.umiMessages.filter((m) => m.thread_id === c).map((m) => Number(m.text.split(' ')[1]));
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
    expect(TENANT.id).toBe(h.tenant.id);
  }, 30_000);
});
