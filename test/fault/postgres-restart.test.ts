// A PostgreSQL restart as the service sees it: every connection reset, new connections
// refused for a while, then accepted again (a TCP proxy in front of the real server).
// While it is away: webhooks are answered 503 (never 200), /readyz says unready. When it
// is back: ready again by itself, everything acknowledged before is relayed exactly once,
// Meta's retry of the refused webhook is stored and relayed once, agents' replies go out.
import request from 'supertest';
import { PG_URL, waitFor, type Harness } from '../../testkit/harness';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { agentReply, customer, postMeta, signed, startChannelHarness, webhookRows } from '../channel/channel-helpers';

if (!PG_URL) console.warn('TEST_DATABASE_URL is not set: test/fault/postgres-restart.test.ts is skipped (it needs PostgreSQL)');
const pgDescribe = PG_URL ? describe : describe.skip;

pgDescribe('PostgreSQL restart', () => {
  let h: Harness | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.restore().catch(() => undefined);
    await h?.stop();
    await proxy?.close();
  });

  test('unready and 503 while away, recovers by itself, nothing acknowledged is lost or relayed twice', async () => {
    const target = new URL(PG_URL!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const p = proxy;
    h = await startChannelHarness({ engine: 'postgres', mapDatabaseUrl: (u) => u.replace(`@${target.host}`, `@127.0.0.1:${p.port}`) });
    const hh = h;
    const post = async (from: string, text: string) => {
      const raw = JSON.stringify(customer(hh, from, text));
      return postMeta(hh, raw, signed(raw));
    };

    // Acknowledged before the restart, some still being processed when it comes.
    for (let i = 0; i < 10; i++) expect((await post(`35840100000${i}`, `before ${i}`)).status).toBe(200);
    await proxy.cut();

    const during = await post('358401000099', 'during');
    expect(during.status).toBe(503);
    expect(JSON.parse(during.text).error.code).toBe('store_unavailable');
    const unready = await request(h.app).get('/readyz');
    expect(unready.status).toBe(503);
    expect(unready.body.status).toBe('unready');
    // An agent's reply while the database is away is refused too (giosg retries), not lost.
    const reply = await agentReply(h, '358401000000', 'reply while away');
    expect(reply.status).toBeGreaterThanOrEqual(500);

    // Meta retries the refused webhook; the database comes back between attempts.
    const retried = h.graph.deliverWebhook(customer(h, '358401000099', 'during'));
    await new Promise((r) => setTimeout(r, 30));
    await proxy.restore();
    expect((await retried).status).toBe(200);

    await waitFor(async () => (await request(hh.app).get('/readyz')).status === 200, 'ready again', 15_000, 100);
    for (let i = 0; i < 5; i++) expect((await post(`35840200000${i}`, `after ${i}`)).status).toBe(200);
    // giosg's retry of the refused reply.
    expect((await agentReply(h, '358401000000', 'reply while away')).status).toBe(200);

    const expected = [...Array.from({ length: 10 }, (_, i) => `before ${i}`), 'during', ...Array.from({ length: 5 }, (_, i) => `after ${i}`)];
    await waitFor(() => hh.giosg.umiMessages.length >= expected.length, 'every acknowledged message relayed', 20_000, 50);
    await hh.idle(); // a duplicate would have been relayed by now
    expect(h.giosg.umiMessages.map((m) => m.text).sort()).toEqual(expected.sort());
    expect(await webhookRows(h)).toHaveLength(expected.length);
    await waitFor(() => hh.graph.sent.some((m) => m.body === 'reply while away'), 'reply sent after the restart', 20_000, 50);
    expect(h.graph.sent.filter((m) => m.body === 'reply while away')).toHaveLength(1);
    expect(h.logs.text()).not.toContain(h.token);
  });
});
