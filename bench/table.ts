// The one table `npm run bench` prints, with each target next to its measurement.
import type { LoadResult } from './load';
import type { DrainResult } from './drain';

export const TARGETS = {
  ingestRatio: '>= 0.5',
  sustained2000P99Ms: '< 50, nothing lost',
  drainPerSec: '>= 950 at a 1000/s limit, limit respected',
  swapGapMs: '< 1000 (median of 5)',
  peakRssMb: '< 200',
  mediaPeakRssMb: '< 200 while relaying 100 media at once',
};

type Row = [string, string, string, string];

const caughtUp = (x: { processorBacklogAfter?: number; processorCaughtUpMs?: number | null }) =>
  `${x.processorBacklogAfter ?? '?'} stored webhooks not yet processed when the load stopped; ${x.processorCaughtUpMs === null ? 'not cleared within 60 s' : `cleared ${x.processorCaughtUpMs} ms later`}`;

export function printTable(r: Record<string, any>): void {
  const rows: Row[] = [];
  const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'PASS' : 'FAIL');
  const lat = (x: LoadResult) => `${x.requestsPerSec} req/s  p50 ${x.p50Ms} ms  p99 ${x.p99Ms} ms  max ${x.maxMs} ms  errors ${x.errors}`;
  if (r.ingest) {
    rows.push(['ingest: ceiling (bare node:http + HMAC)', lat(r.ingest.ceiling), '', '']);
    rows.push(['ingest: ours (SQLite, persist-then-ack)', lat(r.ingest.ours), '', '']);
    const rounds = (r.ingest.rounds ?? []) as Array<{ ceiling: { requestsPerSec: number }; ours: { requestsPerSec: number }; ratio: number }>;
    const perRound = rounds.length > 1 ? `  (rounds: ${rounds.map((x) => `${x.ours.requestsPerSec}/${x.ceiling.requestsPerSec} = ${x.ratio}`).join(', ')})` : '';
    rows.push(['ingest_ratio (ours / ceiling)', `${r.ingest.ingestRatio}${perRound}`, TARGETS.ingestRatio, mark(r.ingest.ingestRatio >= 0.5)]);
    const c = r.ingest.ceiling as LoadResult;
    const o = r.ingest.ours as LoadResult;
    if (c.serverCpuUs !== undefined && o.serverCpuUs !== undefined) {
      const busy = (x: LoadResult) => `${Math.round((x.serverMainBusy ?? 0) * 100)} %`;
      rows.push([
        'ingest: server CPU per webhook',
        `ceiling ${c.serverCpuUs} µs (main thread ${c.serverMainCpuUs} µs, busy ${busy(c)})  ours ${o.serverCpuUs} µs (main thread ${o.serverMainCpuUs} µs, busy ${busy(o)})`,
        'info: ceiling main / ours main bounds the ratio',
        '',
      ]);
    }
    rows.push(['ingest: stored / acknowledged', `${r.ingest.stored} / ${r.ingest.acknowledged}  (bodies ~${r.ingest.avgBodyBytes} B, ${Math.round(r.ingest.duplicateShare * 100)} % re-deliveries)`, 'stored >= acked', mark(r.ingest.nothingLost)]);
    rows.push(['ingest: processing after the burst', caughtUp(r.ingest), 'info', '']);
  }
  for (const s of r.sustained ?? []) {
    if (s.ceiling) rows.push([`sustained ${s.ratePerSec}/s: ceiling (same pacing)`, `p50 ${s.ceiling.p50Ms} ms  p99 ${s.ceiling.p99Ms} ms  max ${s.ceiling.maxMs} ms  errors ${s.ceiling.errors}`, '', '']);
    const ok = s.ratePerSec === 2000 ? s.p99Ms < 50 && s.lost === 0 && s.errors === 0 : undefined;
    rows.push([
      `sustained ${s.ratePerSec}/s for ${s.durationS}s`,
      `${s.requestsPerSec} req/s  p50 ${s.p50Ms} ms  p99 ${s.p99Ms} ms  max ${s.maxMs} ms  acked ${s.acknowledged} stored ${s.stored} lost ${s.lost} errors ${s.errors}`,
      s.ratePerSec === 2000 ? TARGETS.sustained2000P99Ms : 'report',
      mark(ok),
    ]);
    rows.push([`sustained ${s.ratePerSec}/s: processing`, caughtUp(s), 'info', '']);
  }
  if (r.drain) {
    const d = r.drain as DrainResult;
    rows.push([
      `drain ${d.queued} replies, limit ${d.limitPerSec}/s`,
      `${d.messagesPerSec} msg/s  max ${d.maxInAlignedSecond}/1s window (sliding ${d.maxInSlidingSecond}, longest pause ${d.maxGapMs} ms, simulator stalls up to ${d.simulatorLoopDelay.maxMs} ms)  sent ${d.sent} distinct ${d.distinctSent}`,
      TARGETS.drainPerSec,
      mark(d.messagesPerSec >= 950 && d.limitRespected && d.distinctSent === d.queued && d.sent === d.queued),
    ]);
  }
  if (r.media) {
    const m = r.media;
    rows.push(['media relay (1 MB images, Graph sim → giosg)', `${m.rate.perSec} images/s  ${m.rate.mbPerSec} MB/s  (${m.rate.images} in ${m.rate.ms} ms)`, 'info', '']);
    rows.push([
      `media: ${m.concurrent.images} images at once, RSS (our server)`,
      `idle ${m.idleRssMb} MB  peak ${m.peakRssMb} MB (sampled ${m.concurrent.sampledPeakRssMb} MB)  all in ${m.concurrent.ms} ms  delivered ${m.delivered}`,
      TARGETS.mediaPeakRssMb,
      mark(m.peakRssMb < 200 && m.delivered === m.rate.images + m.concurrent.images),
    ]);
  }
  if (r.retention) {
    const t = r.retention;
    const per = (t.rounds as Array<{ idle: { p99Ms: number }; pruning: { p99Ms: number; prunedDuringRun: number } }>)
      .map((x) => `${x.idle.p99Ms} → ${x.pruning.p99Ms} ms, ${x.pruning.prunedDuringRun} rows pruned`)
      .join('; ');
    rows.push([`ingest p99 at ${t.ratePerSec}/s, pruner idle → pruning`, `${t.idleP99Ms} → ${t.pruningP99Ms} ms (Δ ${t.p99DeltaMs} ms; rounds: ${per})`, 'info: pruning must not move p99 much', '']);
  }
  if (r.processor) rows.push(['processor (stored webhooks → work, alone)', `${r.processor.perSec} webhooks/s  (${r.processor.webhooks} in ${r.processor.ms} ms, ${r.processor.cpuUsPerWebhook ?? '?'} µs CPU each)`, 'info: sustainable rate', '']);
  for (const c of r.commit ?? []) {
    rows.push([`group commit, WAL checkpoints ${c.checkpoints}`, `${c.usPerRow} µs/row  event-loop delay p99 ${c.loopDelayP99Ms} ms  max ${c.loopDelayMaxMs} ms  WAL up to ${c.walMaxMb} MB  (${c.rows} rows of 1.3 KB)`, 'info', '']);
  }
  for (const c of r.httpClient ?? []) {
    rows.push([`HTTP client ${c.client} (client + local server)`, `${c.cpuUsPerRequest} µs CPU/request  (${c.requests} requests in ${c.wallMs} ms)`, 'info', '']);
  }
  if (r.swap) rows.push(['swap_gap_ms (median)', `${r.swap.medianMs}  (runs ${r.swap.runsMs.join(', ')})`, TARGETS.swapGapMs, mark(r.swap.medianMs < 1000)]);
  if (r.memory) {
    const peak = Math.max(r.memory.peakRssUnderIngestMb ?? 0, r.memory.peakRssOverallMb ?? 0);
    const bot = r.memory.rssWithBotMb !== undefined ? `  after the load with the bot loaded ${r.memory.rssWithBotMb} MB (was ${r.memory.rssAfterLoadMb} before its first turn)` : '';
    rows.push(['memory RSS (our server)', `idle ${r.memory.idleRssMb} MB  peak ${peak} MB${bot}`, TARGETS.peakRssMb, mark(peak < 200)]);
  }
  if (r.stolenCpuPercent) {
    const parts = Object.entries(r.stolenCpuPercent).map(([phase, pct]) => `${phase} ${pct} %`);
    rows.push(['CPU stolen by the hypervisor (steal)', parts.join('  '), 'info: share of the busy time; above a few % the machine is shared', '']);
  }
  rows.push(['load average before / after', `${r.machine.loadAverageBefore} / ${r.machine.loadAverageAfter}`, '', '']);
  const head: Row = ['measure', 'result', 'target', ''];
  const widths = [0, 1, 2, 3].map((i) => Math.max(head[i].length, ...rows.map((row) => row[i].length)));
  const line = (row: Row) => `| ${row.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
  process.stdout.write(`\n${out.join('\n')}\n`);
}
