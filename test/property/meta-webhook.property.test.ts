// Meta webhooks at the edge, over real HTTP, through the one handler (the server's
// listener), once over a real port and once through supertest's own server. Whatever the
// body, the answer is never a 5xx; a row is stored exactly when the answer is 200, and
// 200 comes exactly when the body is signed and validateWebhook accepts it.
import fc from 'fast-check';
import request from 'supertest';
import { startHarness, TENANT, type Harness } from '../../testkit/harness';
import { signPayload } from '../../src/sandbox/graph';
import { validateWebhook } from '../../src/meta/webhook-schemas';
import { countRows, junkBodyOf, mutatedOf } from './edge-helpers';

type Post = (body: string, headers: Record<string, string>, tenant?: string) => Promise<number>;

describe('Meta webhook edge (property)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ workers: false, config: { logLevel: 'warn' } });
  });
  afterAll(async () => h && (await h.stop()));

  const receivers: Array<[string, () => Post]> = [
    [
      'fast path (node:http)',
      () => async (body, headers, tenant = TENANT.id) => {
        const res = await fetch(`${h.url}/webhooks/meta/${encodeURIComponent(tenant)}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
        await res.arrayBuffer();
        return res.status;
      },
    ],
    [
      'production listener (supertest)',
      () => async (body, headers, tenant = TENANT.id) => {
        const res = await request(h.composed.handler).post(`/webhooks/meta/${encodeURIComponent(tenant)}`).set({ 'content-type': 'application/json', ...headers }).send(body);
        return res.status;
      },
    ],
  ];

  const valid = () => h.graph.customerMessage({ phoneNumberId: TENANT.phoneNumberId, from: '358401111111', text: 'hei', name: 'Maija' });
  const sign = (raw: string) => ({ 'x-hub-signature-256': signPayload(raw, TENANT.metaAppSecret) });

  describe.each(receivers)('%s', (_name, make) => {
    test('signed, mutated envelopes: 200 and one row iff valid; otherwise 4xx and nothing stored', async () => {
      const post = make();
      const statusPayload = h.graph.statusUpdate({ phoneNumberId: TENANT.phoneNumberId, wamid: 'wamid.x', recipient: '358401111111', status: 'failed', errors: [{ code: 131026, title: 'undeliverable' }] });
      await fc.assert(
        fc.asyncProperty(fc.oneof(mutatedOf(valid()), mutatedOf(statusPayload), mutatedOf(h.graph.accountUpdate({ wabaId: TENANT.wabaId, event: 'DISABLED_UPDATE' }))), async (payload) => {
          const raw = JSON.stringify(payload) ?? 'undefined';
          const before = await countRows(h.services.store.db, 'webhook_events');
          const status = await post(raw, sign(raw));
          const after = await countRows(h.services.store.db, 'webhook_events');
          let expectOk = false;
          try {
            expectOk = validateWebhook(JSON.parse(raw)).ok;
          } catch {
            expectOk = false;
          }
          expect({ status, stored: after - before }).toEqual(expectOk ? { status: 200, stored: 1 } : { status: expect.any(Number), stored: 0 });
          if (!expectOk) expect([400, 422]).toContain(status);
        }),
        { numRuns: 150 },
      );
    });

    test('signed junk bodies: 400/422, never stored, never 5xx', async () => {
      const post = make();
      const raw0 = JSON.stringify(valid());
      await fc.assert(
        fc.asyncProperty(junkBodyOf(raw0), async (raw) => {
          const before = await countRows(h.services.store.db, 'webhook_events');
          const status = await post(raw, sign(raw));
          const stored = (await countRows(h.services.store.db, 'webhook_events')) - before;
          let ok = false;
          try {
            ok = validateWebhook(JSON.parse(raw)).ok;
          } catch {
            ok = false;
          }
          expect({ status, stored }).toEqual(ok ? { status: 200, stored: 1 } : { status: expect.any(Number), stored: 0 });
          if (!ok) expect([400, 422]).toContain(status);
        }),
        { numRuns: 150 },
      );
    });

    test('unsigned or wrongly signed bodies and arbitrary headers: 401, nothing stored', async () => {
      const post = make();
      const header = fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/).map((x) => `sha256=${x}`), fc.constant(''));
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.string(), fc.constant(JSON.stringify(valid()))), header, async (raw, sig) => {
          const before = await countRows(h.services.store.db, 'webhook_events');
          const headers: Record<string, string> = {};
          // Header values must be sendable: drop characters HTTP cannot carry.
          const clean = sig.replace(/[^\x21-\x7e]/g, '');
          if (clean !== '') headers['x-hub-signature-256'] = clean;
          const status = await post(raw, headers);
          expect(status).toBe(401);
          expect(await countRows(h.services.store.db, 'webhook_events')).toBe(before);
        }),
        { numRuns: 100 },
      );
    });

    test('arbitrary tenant ids in the path: 404 (or 401 for ours), never 5xx, nothing stored', async () => {
      const post = make();
      const raw = JSON.stringify(valid());
      await fc.assert(
        fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }).filter((t) => t !== TENANT.id), async (tenant) => {
          const before = await countRows(h.services.store.db, 'webhook_events');
          const status = await post(raw, sign(raw), tenant);
          expect(status).toBeLessThan(500);
          expect(status).not.toBe(200);
          expect(await countRows(h.services.store.db, 'webhook_events')).toBe(before);
        }),
        { numRuns: 60 },
      );
    });
  });
});
