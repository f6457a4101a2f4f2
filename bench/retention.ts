// Retention's cost to ingest: the same paced webhook load against a server whose pruner
// has nothing to do (PRUNE_INTERVAL_MS of a day) and one that prunes all the time (every
// row is due 5 s after it is finished, a pass every second), one after the other in
// rounds. Each measured run follows a fill at the same rate whose rows become due during
// the run, so the pruner deletes while webhooks arrive. Reports the latencies of both and
// how many rows the pruner removed meanwhile (from its /metrics counter).
import { TENANT, waitFor } from '../testkit/harness';
import { WebhookRepo } from '../src/store/webhook-repo';
import { InboundRepo } from '../src/store/inbound-repo';
import { WebhookGenerator } from './payloads';
import { PHONE, serverNodeArgs, startOurs, type OurService } from './service';
import { paced, pacedAgent } from './paced';
import type { LoadResult } from './load';

const DUE_AFTER_S = 5;
const days = (s: number) => String(s / 86_400);

const PRUNING = {
  RETENTION_WEBHOOK_BODY_DAYS: days(DUE_AFTER_S),
  RETENTION_MESSAGES_DAYS: days(DUE_AFTER_S),
  RETENTION_STATUS_DAYS: days(DUE_AFTER_S),
  RETENTION_DEDUPE_DAYS: days(DUE_AFTER_S),
  PRUNE_INTERVAL_MS: '1000',
};
const IDLE = { PRUNE_INTERVAL_MS: '86400000' };

export interface RetentionRun {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  acknowledged: number;
  /** Rows the pruner deleted or stripped during the measured run. */
  prunedDuringRun: number;
}

export interface RetentionEffect {
  ratePerSec: number;
  durationS: number;
  rounds: Array<{ idle: RetentionRun; pruning: RetentionRun }>;
  idleP99Ms: number;
  pruningP99Ms: number;
  p99DeltaMs: number;
}

async function prunedRows(ours: OurService): Promise<number> {
  const text = await (await fetch(`${ours.child.url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^retention_pruned_rows_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm)) n += Number(m[1]);
  return n;
}

async function settle(ours: OurService): Promise<void> {
  const webhooks = new WebhookRepo(ours.store.db);
  const inbound = new InboundRepo(ours.store.db, ours.store.engine);
  await waitFor(async () => (await webhooks.countUnprocessed()) === 0 && (await inbound.countQueued()) === 0, 'backlog', 60_000, 250).catch(() => undefined);
}

async function runOne(env: Record<string, string>, rate: number, durationS: number, fillS: number): Promise<RetentionRun> {
  const ours = await startOurs({ nodeArgs: serverNodeArgs(), extraEnv: env });
  const gen = new WebhookGenerator(PHONE, TENANT.metaAppSecret);
  const agent = pacedAgent(100);
  try {
    await paced(ours.child.url, gen, { ratePerSec: rate, durationS: fillS, maxSockets: 100, agent });
    await settle(ours);
    // Let the filled rows come due, so the pruner works during the measured run.
    await new Promise((r) => setTimeout(r, DUE_AFTER_S * 1000));
    const before = await prunedRows(ours);
    const r: LoadResult = await paced(ours.child.url, gen, { ratePerSec: rate, durationS, maxSockets: 100, agent });
    const after = await prunedRows(ours);
    return { p50Ms: r.p50Ms, p99Ms: r.p99Ms, maxMs: r.maxMs, errors: r.errors, acknowledged: r.acknowledged, prunedDuringRun: after - before };
  } finally {
    agent.destroy();
    await ours.stop();
  }
}

export async function retentionEffect(o: { ratePerSec: number; durationS: number; fillS: number; rounds: number; log(s: string): void }): Promise<RetentionEffect> {
  const rounds: RetentionEffect['rounds'] = [];
  for (let i = 1; i <= o.rounds; i++) {
    o.log(`retention round ${i}/${o.rounds}: pruner idle, ${o.ratePerSec}/s for ${o.durationS}s`);
    const idle = await runOne(IDLE, o.ratePerSec, o.durationS, o.fillS);
    o.log(`retention round ${i}/${o.rounds}: pruner working, ${o.ratePerSec}/s for ${o.durationS}s`);
    const pruning = await runOne(PRUNING, o.ratePerSec, o.durationS, o.fillS);
    rounds.push({ idle, pruning });
  }
  const idleP99Ms = Math.max(...rounds.map((r) => r.idle.p99Ms));
  const pruningP99Ms = Math.max(...rounds.map((r) => r.pruning.p99Ms));
  return { ratePerSec: o.ratePerSec, durationS: o.durationS, rounds, idleP99Ms, pruningP99Ms, p99DeltaMs: Math.round((pruningP99Ms - idleP99Ms) * 100) / 100 };
}
