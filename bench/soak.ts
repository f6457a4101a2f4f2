// npm run soak [-- --minutes=5 --rate=500]
// On demand, not in CI. The real service in this process (test harness: simulators on
// loopback, a SQLite file, production timing), signed Meta webhooks at a fixed rate from
// autocannon, agents' replies every second, and in the middle the token expires and a new
// one is submitted through a one-time link. Checks at the end: every acknowledged webhook
// stored, every reply sent exactly once, and memory flat (last third vs middle third).
import './quiet';
import autocannon from 'autocannon';
import { startHarness, makeToken, waitFor, TENANT } from '../test/helpers/harness';
import { issueLink, open, submit } from '../test/links/link-client';
import { countWebhookEvents } from '../src/store/webhook-batch-writer';
import { WebhookGenerator } from './payloads';
import { PHONE } from './service';

const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const MINUTES = arg('minutes', 5);
const RATE = arg('rate', 500);
const REPLIES_PER_SEC = arg('replies', 10);

async function main(): Promise<void> {
  const h = await startHarness({ config: { logLevel: 'warn' } });
  const log = (s: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  const durationS = Math.round(MINUTES * 60);
  const gen = new WebhookGenerator(PHONE, TENANT.metaAppSecret);
  const memory: number[] = [];
  let replies = 0;
  let replyErrors = 0;
  const replyTimer = setInterval(() => {
    for (let i = 0; i < REPLIES_PER_SEC; i++) {
      const n = replies++;
      void h.giosg.agentReply({ channelId: TENANT.giosgUmiChannelId, threadId: `3584${String(20_000_000 + (n % 500))}`, text: `soak reply ${n}`, messageId: `soak-${n}` }).then(
        (r) => void (r.status !== 200 && replyErrors++),
        () => void replyErrors++,
      );
    }
  }, 1000);
  const memTimer = setInterval(() => memory.push(process.memoryUsage().rss / 1048576), 5000);

  // The swap in the middle: expire the token, wait until sending pauses, submit a new one.
  const swap = (async () => {
    await new Promise((r) => setTimeout(r, (durationS / 2) * 1000));
    log('expiring the token');
    h.graph.expireToken(h.token);
    await waitFor(async () => (await h.services.channel!.status(TENANT.id)).paused, 'paused', 60_000, 100);
    await new Promise((r) => setTimeout(r, 5000));
    const token = makeToken();
    h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', targetIds: [TENANT.wabaId], expiresAt: 0 });
    const link = await issueLink(h);
    const page = await submit(h, link.path, token, await open(h, link.path));
    log(`new token submitted: ${page.status}`);
  })();

  log(`${RATE} webhooks/s for ${durationS}s, ${REPLIES_PER_SEC} replies/s`);
  let acked = 0;
  let errors = 0;
  // Load in one-minute slices so request pools stay small.
  for (let left = durationS; left > 0; left -= 60) {
    const slice = Math.min(60, left);
    const pool = Array.from({ length: Math.ceil((RATE * slice * 1.1) / 50) * 50 }, () => {
      const s = gen.next();
      return { method: 'POST' as const, path: `/webhooks/meta/${TENANT.id}`, body: s.body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': s.signature } };
    });
    const per = pool.length / 50;
    let k = 0;
    const r = await autocannon({ url: h.url, connections: 50, duration: slice, overallRate: RATE, setupClient: (c: any) => c.setRequests(pool.slice(k * per, ++k * per)) });
    acked += r['2xx'];
    errors += r.errors + r.timeouts + r.non2xx;
    log(`slice: ${r['2xx']} acknowledged, p99 ${r.latency.p99} ms, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB`);
  }
  clearInterval(replyTimer);
  await swap;
  await waitFor(async () => (await h.services.channel!.status(TENANT.id)).queued === 0 && h.graph.sent.length >= replies, 'replies drained', 120_000, 200).catch(() => undefined);
  clearInterval(memTimer);
  const stored = await countWebhookEvents(h.services.store.db);
  const bodies = h.graph.sent.map((m) => m.body);
  const distinct = new Set(bodies).size;
  const third = Math.floor(memory.length / 3);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const middle = avg(memory.slice(third, 2 * third));
  const last = avg(memory.slice(2 * third));
  const result = {
    webhooks: { acknowledged: acked, stored, lost: Math.max(0, acked - stored), errors },
    replies: { queued: replies, replyErrors, sent: bodies.length, distinct, duplicated: bodies.length - distinct, lost: replies - replyErrors - distinct },
    memoryMb: { middleThirdAvg: Math.round(middle), lastThirdAvg: Math.round(last), flat: last <= middle * 1.2 },
    tokenLeakedToLog: h.logs.text().includes(h.token),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await h.stop();
  const ok = result.webhooks.lost === 0 && result.replies.duplicated === 0 && result.replies.lost === 0 && result.memoryMb.flat && !result.tokenLeakedToLog;
  process.stdout.write(ok ? 'SOAK PASSED\n' : 'SOAK FAILED\n');
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
