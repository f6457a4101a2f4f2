// Disk-full style write errors on SQLite (PRAGMA max_page_count caps the file, so the next
// insert that needs a page fails with SQLITE_FULL): the webhook is answered 5xx, never
// 200, and nothing is stored; Meta's retry after space returns is stored and relayed once.
import request from 'supertest';
import { waitFor, type Harness } from '../../testkit/harness';
import { customer, postMeta, signed, startChannelHarness, webhookRows } from '../channel/channel-helpers';

describe('SQLite write errors (disk full)', () => {
  let h: Harness;
  afterEach(async () => h && (await h.stop()));

  test('5xx while full, every time; Meta retry succeeds once space is back', async () => {
    h = await startChannelHarness();
    const raw = h.services.store.sqliteDb!;
    const big = (text: string) => ({ ...(customer(h, '358403000000', text) as object), pad: 'x'.repeat(200_000) });
    const pages = Number(raw.pragma('page_count', { simple: true }));
    raw.pragma(`max_page_count = ${pages}`);

    const body = JSON.stringify(big('while full'));
    const fast = await postMeta(h, body, signed(body));
    expect(fast.status).toBe(503);
    expect(JSON.parse(fast.text).error.code).toBe('store_unavailable');
    // A second attempt through the production listener itself (supertest, no port) fails the same way.
    const again = await request(h.composed.handler).post(`/webhooks/meta/${h.tenant.id}`).set({ 'content-type': 'application/json', ...signed(body) }).send(body);
    expect(again.status).toBe(503);
    expect(await webhookRows(h)).toHaveLength(0);
    const metrics = await h.services.metrics.registry.getSingleMetricAsString('webhooks_total');
    expect(metrics).toMatch(/result="store_failed"} 2/);
    // select 1 still answers, but the instance is unready while writes fail.
    const ready = await request(h.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unready', database: 'ok', writes: 'failing', lastWriteError: 'SQLITE_FULL' });
    // The log says why, once, without the body.
    expect(h.logs.text()).toContain('webhook not stored');
    expect(h.logs.text()).not.toContain('while full');

    // Meta keeps retrying; space comes back between attempts.
    const delivery = h.graph.deliverWebhook(big('retried'));
    // The first attempt is refused at once; the next comes 50 ms later (harness delays).
    await new Promise((r) => setTimeout(r, 60));
    raw.pragma('max_page_count = 1073741823');
    const result = await delivery;
    expect(result.status).toBe(200);
    expect(result.attempts).toBeGreaterThan(1);
    expect(await webhookRows(h)).toHaveLength(1);
    // A stored write makes it ready again at once.
    expect((await request(h.app).get('/readyz')).body).toMatchObject({ status: 'ready', writes: 'ok' });
    await waitFor(() => h.giosg.umiMessages.length === 1, 'relayed once');
    expect(h.giosg.umiMessages[0].text).toBe('retried');
  });
});
