// While Meta's webhooks keep arriving, the relay to giosg takes a slice of a rate that grows
// with its lag instead of a full batch at once: acknowledging comes first. When webhooks are
// not arriving, it relays full batches as fast as giosg answers.
import { InboundRepo } from '../../src/store/inbound-repo';
import { RelayWorker } from '../../src/channel/inbound/relay-worker';
import { IngestPressure, RELAY_MIN_RATE, relayRate } from '../../src/channel/ingest-pressure';
import { channelTuning } from '../../src/channel/tuning';
import { FAST, startChannelHarness } from './channel-helpers';
import { TENANT, type Harness } from '../../testkit/harness';

const busy = { busy: true, note() {} } as unknown as IngestPressure;
const idle = { busy: false, note() {} } as unknown as IngestPressure;

async function queueMessages(h: Harness, n: number, createdAt: number): Promise<void> {
  await h.services.store.db
    .insertInto('inbound_messages')
    .values(
      Array.from({ length: n }, (_, i) => ({
        tenant_id: TENANT.id,
        wa_message_id: `wamid.pacing.${createdAt}.${i}`,
        wa_id: `35840${String(i).padStart(7, '0')}`,
        profile_name: null,
        text: `message ${i}`,
        wa_timestamp: Math.floor(createdAt / 1000),
        state: 'queued' as const,
        attempts: 0,
        next_attempt_at: createdAt,
        last_error: null,
        lease_owner: null,
        lease_until: null,
        created_at: createdAt,
        relayed_at: null,
      })),
    )
    .execute();
}

describe('relay pacing under ingest', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startChannelHarness({ workers: false });
  });
  afterEach(async () => h && (await h.stop()));

  const relay = (pressure: IngestPressure) => new RelayWorker(h.services, new InboundRepo(h.services.store.db, h.services.store.engine), channelTuning(h.services.config), pressure);

  test('the rate grows with the lag, from 500/s when up to date', () => {
    expect(relayRate(0)).toBe(RELAY_MIN_RATE);
    expect(relayRate(-100)).toBe(RELAY_MIN_RATE);
    expect(relayRate(1_000)).toBe(2 * RELAY_MIN_RATE);
    expect(relayRate(10_000)).toBe(11 * RELAY_MIN_RATE);
  });

  test('while webhooks arrive, a tick relays a slice and then gives the time back', async () => {
    await queueMessages(h, 300, Date.now());
    const worker = relay(busy);
    const started = performance.now();
    expect(await worker.tick()).toBe(true);
    const tookMs = performance.now() - started;
    // Up to date: 500/s, so a 50 ms slice is 25 messages...
    const slice = Math.floor(RELAY_MIN_RATE * 0.05);
    expect(slice).toBe(25);
    expect(h.giosg.umiMessages).toHaveLength(slice);
    // ...and the tick lasts at least as long as 25 messages at 500/s take.
    expect(tookMs).toBeGreaterThanOrEqual(slice * (1000 / RELAY_MIN_RATE) - 2);
  });

  test('a lagging relay gets a larger slice', async () => {
    // Messages waiting for 2 s: the first tick learns the lag, the next one uses it.
    await queueMessages(h, 300, Date.now() - 2_000);
    const worker = relay(busy);
    await worker.tick();
    expect(h.giosg.umiMessages).toHaveLength(25);
    await worker.tick();
    // 500/s × (1 + 2 s) = 1,500/s: 75 in a 50 ms slice (a little more lag by now: 75 to 77).
    expect(h.giosg.umiMessages.length - 25).toBeGreaterThanOrEqual(75);
    expect(h.giosg.umiMessages.length - 25).toBeLessThanOrEqual(77);
  });

  test('without webhooks arriving, a tick relays a full batch', async () => {
    await queueMessages(h, 300, Date.now());
    await relay(idle).tick();
    expect(h.giosg.umiMessages).toHaveLength(FAST.batchSize);
  });

  test('with the service running, every message is relayed once while webhooks keep arriving', async () => {
    await queueMessages(h, 200, Date.now());
    const keepBusy = setInterval(() => h.services.events.emit('webhook.stored', { workMs: 0.05 }), 5);
    try {
      h.startWorkers();
      const until = Date.now() + 20_000;
      while (h.giosg.umiMessages.length < 200 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    } finally {
      clearInterval(keepBusy);
    }
    const ids = h.giosg.umiMessages.map((m) => m.external_message_id);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
  }, 30_000);
});
