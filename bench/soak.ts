// npm run soak [-- --minutes=5 --rate=500 --replies=10]
// On demand, not in CI. Our built server runs as a child process (production mode, a
// fresh SQLite file, the simulators in a second child: the same setup as `npm run bench`),
// so its memory is its own. Signed Meta webhooks arrive at a fixed rate from the paced
// open-loop generator (bench/paced.ts), agents reply every second, and half-way through
// the token expires and an admin renews it the way a real one would: "renew" in a giosg
// chat with the bot, the one-time link from the bot's message, the new token submitted on
// the link page. Checks at the end: every acknowledged webhook stored, every reply sent
// exactly once, memory flat (last third vs middle third), neither token in the log.
//
// Retention runs at soak speed: every finished row is due RETENTION_S seconds after it is
// finished (dedupe ids included, which production keeps for 8 days) and the pruner passes
// every 5 s. So the database file and its WAL must level off after warm-up; both are
// sampled with RSS and reported (last third vs middle third).
import './quiet';
import fs from 'node:fs';
import { TENANT, makeToken, waitFor } from '../testkit/harness';
import { open, submit } from '../testkit/link-client';
import { countWebhookEvents } from '../src/store/webhook-batch-writer';
import { CircuitStateRepo } from '../src/store/circuit-state-repo';
import { WebhookGenerator } from './payloads';
import { PHONE, serverNodeArgs, startOurs, type OurService } from './service';
import { memoryOf } from './processes';
import { paced, pacedAgent } from './paced';

const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const MINUTES = arg('minutes', 5);
const RATE = arg('rate', 500);
const REPLIES_PER_SEC = arg('replies', 10);
const ADMIN_CHAT = 'soak-admin-chat';
/** Replies go to this many customers in turn, so some customers have several queued. */
const CUSTOMERS = 500;
const RETENTION_S = arg('retention', 30);
const days = (sec: number) => String(sec / 86_400);
const RETENTION_ENV = {
  RETENTION_WEBHOOK_BODY_DAYS: days(RETENTION_S),
  RETENTION_MESSAGES_DAYS: days(RETENTION_S),
  RETENTION_STATUS_DAYS: days(RETENTION_S),
  RETENTION_DEDUPE_DAYS: days(RETENTION_S),
  PRUNE_INTERVAL_MS: '5000',
};
const sizeMb = (file: string) => {
  try {
    return Math.round((fs.statSync(file).size / 1048576) * 10) / 10;
  } catch {
    return 0;
  }
};

const log = (s: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

async function main(): Promise<void> {
  const svc = await startOurs({ nodeArgs: serverNodeArgs(), extraEnv: RETENTION_ENV });
  const sims = svc.sims;
  const durationS = Math.round(MINUTES * 60);
  const gen = new WebhookGenerator(PHONE, TENANT.metaAppSecret);
  const memory: number[] = [];
  let replies = 0;
  let replyErrors = 0;
  const replyTimer = setInterval(() => {
    for (let i = 0; i < REPLIES_PER_SEC; i++) {
      const n = replies++;
      const threadId = `3584${String(20_000_000 + (n % CUSTOMERS))}`;
      void sims.call('agentReply', { threadId, text: `soak reply ${n}`, messageId: `soak-${n}` }).then(
        (r) => void ((r as { status?: number }).status !== 200 && replyErrors++),
        () => void replyErrors++,
      );
    }
  }, 1000);
  const dbMb: number[] = [];
  const walMb: number[] = [];
  const memTimer = setInterval(() => {
    memory.push(memoryOf(svc.child.pid).rssMb);
    dbMb.push(sizeMb(svc.dbFile));
    walMb.push(sizeMb(`${svc.dbFile}-wal`));
  }, 5000);

  const newToken = makeToken();
  const swap = swapHalfWay(svc, durationS, newToken);

  log(`${RATE} webhooks/s for ${durationS}s, ${REPLIES_PER_SEC} replies/s; server pid ${svc.child.pid}`);
  let acked = 0;
  let errors = 0;
  let worstP99 = 0;
  // One-minute slices: the generator builds each slice's signed requests before it starts.
  // The slices share keep-alive sockets, as Meta keeps its connections open.
  const agent = pacedAgent(100);
  for (let left = durationS; left > 0; left -= 60) {
    const slice = Math.min(60, left);
    const r = await paced(svc.child.url, gen, { ratePerSec: RATE, durationS: slice, maxSockets: 100, agent });
    acked += r.acknowledged;
    errors += r.errors;
    worstP99 = Math.max(worstP99, r.p99Ms);
    log(`slice: ${r.acknowledged} acknowledged, ${r.errors} errors, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, server rss ${memoryOf(svc.child.pid).rssMb} MB, db ${sizeMb(svc.dbFile)} MB, wal ${sizeMb(`${svc.dbFile}-wal`)} MB`);
  }
  agent.destroy();
  clearInterval(replyTimer);
  const swapResult = await swap;
  const expected = () => replies - replyErrors;
  await waitFor(async () => ((await sims.call('counts')) as { sent: number }).sent >= expected(), 'replies drained', 120_000, 200).catch(() => undefined);
  // Anything sent twice would show up shortly after.
  await new Promise((r) => setTimeout(r, 1000));
  clearInterval(memTimer);
  // Stored = still in the table + pruned since (the pruner's counter): nothing acknowledged is lost.
  const pruned = await prunedWebhookBodies(svc);
  const stored = (await countWebhookEvents(svc.store.db)) + pruned;
  const bodies = (await svc.sent()).map((m) => m.body);
  const distinct = new Set(bodies).size;
  const third = Math.floor(memory.length / 3);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const middle = avg(memory.slice(third, 2 * third));
  const last = avg(memory.slice(2 * third));
  const output = svc.child.output();
  const result = {
    webhooks: { acknowledged: acked, stored, lost: Math.max(0, acked - stored), errors, worstSliceP99Ms: worstP99 },
    replies: { queued: replies, replyErrors, sent: bodies.length, distinct, duplicated: bodies.length - distinct, lost: expected() - distinct },
    swap: swapResult,
    serverMemoryMb: {
      middleThirdAvg: Math.round(middle),
      lastThirdAvg: Math.round(last),
      max: Math.max(...memory),
      peakSinceStart: memoryOf(svc.child.pid).hwmMb,
      flat: last <= middle * 1.2,
    },
    database: {
      retentionS: RETENTION_S,
      webhookBodiesPruned: pruned,
      fileMb: { middleThirdMax: Math.max(...dbMb.slice(third, 2 * third)), lastThirdMax: Math.max(...dbMb.slice(2 * third)), max: Math.max(...dbMb) },
      walMb: { middleThirdMax: Math.max(...walMb.slice(third, 2 * third)), lastThirdMax: Math.max(...walMb.slice(2 * third)), max: Math.max(...walMb) },
      // Flat: the last third grows no more than 10 % (plus 1 MB of page-level noise) over the middle third.
      flat: Math.max(...dbMb.slice(2 * third)) <= Math.max(...dbMb.slice(third, 2 * third)) * 1.1 + 1 && Math.max(...walMb.slice(2 * third)) <= Math.max(...walMb.slice(third, 2 * third)) * 1.1 + 1,
      samples: { dbMb, walMb },
    },
    tokenLeakedToLog: output.includes(svc.token) || output.includes(newToken),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await svc.stop();
  const ok =
    result.webhooks.lost === 0 &&
    result.replies.duplicated === 0 &&
    result.replies.lost === 0 &&
    result.swap.ok &&
    result.serverMemoryMb.flat &&
    result.database.flat &&
    !result.tokenLeakedToLog;
  process.stdout.write(ok ? 'SOAK PASSED\n' : 'SOAK FAILED\n');
  process.exit(ok ? 0 : 1);
}

async function prunedWebhookBodies(svc: OurService): Promise<number> {
  const text = await (await fetch(`${svc.child.url}/metrics`)).text();
  const m = /^retention_pruned_rows_total\{step="webhook_events"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * Half-way: the token expires at Meta, sending pauses on the first auth error (replies are
 * held), and an admin renews the token through the bot and the one-time link.
 */
async function swapHalfWay(svc: OurService, durationS: number, newToken: string): Promise<{ ok: boolean; pausedAfterMs?: number; resumedAfterSubmitMs?: number; detail?: string }> {
  const sims = svc.sims;
  const channel = new CircuitStateRepo(svc.store.db);
  const paused = async () => (await channel.pausedTenants()).some((t) => t.tenant_id === TENANT.id);
  try {
    await new Promise((r) => setTimeout(r, (durationS / 2) * 1000));
    log('expiring the token at Meta');
    const expiredAt = Date.now();
    await sims.call('expireToken', { token: svc.token });
    await waitFor(paused, 'sending paused', 60_000, 100);
    const pausedAfterMs = Date.now() - expiredAt;
    log(`sending paused after ${pausedAfterMs} ms; replies are held`);
    await new Promise((r) => setTimeout(r, 5000));
    await sims.call('addToken', { token: newToken });

    await sims.call('adminSays', { chatId: ADMIN_CHAT, text: 'renew' });
    await waitFor(async () => ((await sims.call('botMessages', { chatId: ADMIN_CHAT })) as string[]).length >= 1, 'bot intro', 20_000, 100);
    await sims.call('adminSays', { chatId: ADMIN_CHAT, responseValue: 'have_token' });
    const linkPath = await waitFor(
      async () => {
        for (const m of (await sims.call('botMessages', { chatId: ADMIN_CHAT })) as string[]) {
          const url = /https?:\/\/\S+?\/t\/[A-Za-z0-9_-]+/.exec(m)?.[0];
          if (url) return new URL(url).pathname;
        }
        return null;
      },
      'one-time link in the chat',
      20_000,
      100,
    );
    const server = { url: svc.child.url };
    const form = await open(server, linkPath);
    const submittedAt = Date.now();
    const page = await submit(server, linkPath, newToken, form);
    if (page.status !== 200) return { ok: false, detail: `link page answered ${page.status}` };
    await waitFor(async () => !(await paused()), 'sending resumed', 60_000, 50);
    const resumedAfterSubmitMs = Date.now() - submittedAt;
    log(`new token submitted on the link; sending resumed ${resumedAfterSubmitMs} ms later`);
    return { ok: true, pausedAfterMs, resumedAfterSubmitMs };
  } catch (err) {
    return { ok: false, detail: (err as Error)?.message ?? String(err) };
  }
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
