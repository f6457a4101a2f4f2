// An evenly paced, open-loop load generator for the sustained phase. autocannon's
// overallRate gives each connection a per-second quota that it spends at the start of
// every second, so at 2,000/s it measures its own bursts: against the bare ceiling server
// it reported p50 66 ms / p99 804 ms (100 connections) where the server itself answered
// everything within 1 ms. Here request i is due at start + i/rate; its latency runs from
// that due time to the end of the answer, so a slow server or a busy generator shows up
// in the numbers instead of being hidden (no coordinated omission).
import http from 'node:http';
import type { WebhookGenerator } from './payloads';
import type { LoadResult } from './load';
import { TENANT } from '../testkit/harness';

export interface PacedOptions {
  ratePerSec: number;
  durationS: number;
  /** Keep-alive sockets the generator may open; requests wait for a free one (and that wait counts). */
  maxSockets: number;
  /**
   * Sockets to reuse, kept open after the run: a warm-up and the run it warms share them,
   * as Meta keeps its connections to a webhook endpoint. Without it, a fresh agent's ~100
   * new connections in the first second cost our server 0.2–1 s of latency on a slow
   * machine (bench/README.md). Omitted: a fresh agent, destroyed at the end.
   */
  agent?: http.Agent;
}

/** An agent for paced(): keep-alive, at most `maxSockets` sockets. */
export function pacedAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

export async function paced(baseUrl: string, gen: WebhookGenerator, o: PacedOptions): Promise<LoadResult> {
  const total = Math.round(o.ratePerSec * o.durationS);
  const url = new URL(`${baseUrl}/webhooks/meta/${TENANT.id}`);
  const requests = Array.from({ length: total }, () => {
    const s = gen.next();
    return { body: Buffer.from(s.body), signature: s.signature };
  });
  const agent = o.agent ?? pacedAgent(o.maxSockets);
  const latencies = new Float64Array(total);
  let acknowledged = 0;
  let errors = 0;
  let finished = 0;
  let sent = 0;
  const intervalMs = 1000 / o.ratePerSec;

  const start = performance.now();
  await new Promise<void>((resolveAll) => {
    const done = (i: number, ok: boolean) => {
      latencies[i] = performance.now() - (start + i * intervalMs);
      if (ok) acknowledged++;
      else errors++;
      if (++finished === total) resolveAll();
    };
    const send = (i: number) => {
      const r = requests[i];
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': r.body.length, 'x-hub-signature-256': r.signature },
        },
        (res) => {
          res.resume();
          res.once('end', () => done(i, res.statusCode === 200));
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.once('error', () => done(i, false));
      req.end(r.body);
    };
    // Sends whatever has fallen due, then sleeps until the next one is due.
    const pump = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(pump, Math.max(0, start + sent * intervalMs - performance.now()));
    };
    pump();
  });
  if (!o.agent) agent.destroy();
  const durationS = (performance.now() - start) / 1000;
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) / 10;
  return {
    requestsPerSec: Math.round(acknowledged / durationS),
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: Math.round(sorted[sorted.length - 1]),
    errors,
    acknowledged,
    sent,
    durationS: Math.round(durationS * 100) / 100,
  };
}
