// One autocannon run of signed webhooks against a server: as fast as it answers, or at a
// fixed overall rate. Latency is autocannon's (request written → answer read).
import autocannon from 'autocannon';
import type { WebhookGenerator } from './payloads';
import { TENANT } from '../test/helpers/harness';

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connection errors and timeouts plus non-2xx answers. */
  errors: number;
  acknowledged: number;
  sent: number;
  durationS: number;
}

export interface LoadOptions {
  connections: number;
  durationS: number;
  /** Requests per second over all connections; omitted = as fast as possible. */
  overallRate?: number;
}

/** Upper guess of the rate when unlimited: sizes the pools so bodies repeat only as duplicates. */
const UNLIMITED_GUESS_PER_SEC = 14_000;

export async function blast(baseUrl: string, gen: WebhookGenerator, o: LoadOptions): Promise<LoadResult> {
  // Requests are built before the clock starts: a setupRequest per request would make the
  // load generator, not the server, the bottleneck (measured: about 20 % fewer requests/s).
  // Each connection gets its own list; the generator makes 10 % of entries re-deliveries.
  const perClient = Math.ceil(((o.overallRate ?? UNLIMITED_GUESS_PER_SEC) * o.durationS * 1.1) / o.connections);
  const path = `/webhooks/meta/${TENANT.id}`;
  const pools = Array.from({ length: o.connections }, () =>
    Array.from({ length: perClient }, () => {
      const s = gen.next();
      return { method: 'POST' as const, path, body: s.body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': s.signature } };
    }),
  );
  let nextPool = 0;
  const result = await autocannon({
    url: `${baseUrl}/webhooks/meta/${TENANT.id}`,
    method: 'POST',
    connections: o.connections,
    duration: o.durationS,
    ...(o.overallRate ? { overallRate: o.overallRate } : {}),
    timeout: 10,
    setupClient: (client: any) => client.setRequests(pools[nextPool++ % pools.length]),
  });
  pools.length = 0;
  const acknowledged = result['2xx'];
  return {
    requestsPerSec: Math.round(acknowledged / (result.duration || o.durationS)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
    acknowledged,
    sent: result.requests.sent,
    durationS: result.duration,
  };
}
