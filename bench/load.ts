// One autocannon run of signed webhooks against a server: as fast as it answers, or at a
// fixed overall rate. Latency is autocannon's (request written → answer read).
import autocannon from 'autocannon';
import type { WebhookGenerator } from './payloads';
import { TENANT } from '../testkit/harness';
import { cpuSecondsOf, mainThreadCpuSecondsOf } from './processes';

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
  /** The server's CPU per acknowledged request (all its threads) and its main thread's, when `serverPid` was given. */
  serverCpuUs?: number;
  serverMainCpuUs?: number;
  /** Share of the run's wall time the server's main thread was on a CPU (1 = never waiting). */
  serverMainBusy?: number;
}

export interface LoadOptions {
  connections: number;
  durationS: number;
  /** Requests per second over all connections; omitted = as fast as possible. */
  overallRate?: number;
  /** The server's process id, to read its CPU time around the run (Linux /proc). */
  serverPid?: number;
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
  const pid = o.serverPid;
  const cpuBefore = pid === undefined ? undefined : serverCpuSeconds(pid);
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
  const ranS = result.duration || o.durationS;
  const cpu = pid !== undefined && cpuBefore ? serverCpu(serverCpuSeconds(pid), cpuBefore, acknowledged, ranS) : {};
  return {
    requestsPerSec: Math.round(acknowledged / ranS),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
    acknowledged,
    sent: result.requests.sent,
    durationS: result.duration,
    ...cpu,
  };
}

interface CpuSeconds {
  all: number;
  main: number;
}

const serverCpuSeconds = (pid: number): CpuSeconds => ({ all: cpuSecondsOf(pid), main: mainThreadCpuSecondsOf(pid) });

/** Microseconds per request, to a tenth. */
const perRequestUs = (seconds: number, requests: number): number => Math.round((seconds / Math.max(1, requests)) * 1e7) / 10;

/** The server's CPU per acknowledged request over the run, and its main thread's busy share. */
export function serverCpu(after: CpuSeconds, before: CpuSeconds, acknowledged: number, durationS: number): Pick<LoadResult, 'serverCpuUs' | 'serverMainCpuUs' | 'serverMainBusy'> {
  const main = after.main - before.main;
  return { serverCpuUs: perRequestUs(after.all - before.all, acknowledged), serverMainCpuUs: perRequestUs(main, acknowledged), serverMainBusy: Math.round((main / durationS) * 100) / 100 };
}
