// Quick channel measurements in one process (npx ts-node-less: run after `npm run build`
// with `node dist/bench/ingest-quick.js`): Meta webhook ingest throughput and latency
// with autocannon, then the outbox drain rate against the Graph simulator.
import autocannon from 'autocannon';
import { signPayload } from '../src/sandbox/graph';
import { startHarness, TENANT, waitFor } from '../testkit/harness';
import { OutboxRepo } from '../src/store/outbox-repo';

async function main() {
  const seconds = Number(process.argv[2] ?? 10);
  const h = await startHarness({ config: { logLevel: 'warn', sendRatePerSecond: Number(process.argv[3] ?? 1000) } });
  const payload = h.graph.customerMessage({ phoneNumberId: TENANT.phoneNumberId, from: '358401234567', text: 'benchmark message', name: 'Bench' });
  const raw = JSON.stringify(payload);
  const r = await autocannon({
    url: `${h.url}/webhooks/meta/${TENANT.id}`,
    method: 'POST',
    connections: 20,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signPayload(raw, TENANT.metaAppSecret) },
    body: raw,
  });
  const ingest = { requestsPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors, total: r.requests.total };

  await h.services.store.db.deleteFrom('webhook_events').execute();
  const N = 5000;
  const repo = new OutboxRepo(h.services.store.db, h.services.store.engine);
  const rows = Array.from({ length: N }, (_, i) => ({ tenantId: TENANT.id, sourceId: `bench-${i}`, recipient: `3584${String(i % 500).padStart(8, '0')}`, body: `reply ${i}`, giosgChatId: null }));
  const start = Date.now();
  for (let i = 0; i < rows.length; i += 500) await repo.enqueue(rows.slice(i, i + 500), Date.now());
  h.channel.kick(TENANT.id);
  await waitFor(() => h.graph.sent.length >= N, 'drain', 600_000, 50);
  const drainS = (h.graph.sent[N - 1].at - start) / 1000;
  const drain = { messages: N, recipients: 500, seconds: drainS, perSecond: N / drainS, sendRateLimit: h.services.config.sendRatePerSecond };
  console.log(JSON.stringify({ ingest, drain }, null, 2));
  await h.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
