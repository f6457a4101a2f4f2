// kill -9 in the middle of a burst: the built server runs as a child process on a real
// SQLite file; after a restart on the same file every webhook that got a 200 reaches
// giosg exactly once, and every reply giosg got a 200 for reaches WhatsApp.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startGraphSimulator, GraphSim, signPayload } from '../../src/sandbox/graph';
import { startGiosgSimulator, GiosgSim } from '../../src/sandbox/giosg';
import { makeToken, tempDatabase, TempDb, TENANT, waitFor } from '../../testkit/harness';
import { builtServerAvailable, childEnv, startChild, ChildService } from '../../testkit/child-service';

jest.setTimeout(120_000);

const CUSTOMERS = ['358411000001', '358411000002', '358411000003', '358411000004', '358411000005'];

// child-service's kill() can wait forever once startChild removed its exit listener, so
// wait for the exit here.
async function killHard(c: ChildService): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGKILL');
  await exited;
}

describe('crash safety (kill -9 during a burst)', () => {
  let graph: GraphSim;
  let giosg: GiosgSim;
  let db: TempDb;
  let child: ChildService | undefined;

  beforeAll(() => {
    // Build once so the child runs the current code (tsc emits even if another module has type errors).
    try {
      execFileSync(process.execPath, [path.resolve(__dirname, '../../node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: path.resolve(__dirname, '../..'), stdio: 'ignore' });
    } catch {
      /* type errors elsewhere still emit JavaScript */
    }
    if (!builtServerAvailable()) throw new Error('dist/src/main.js missing after build');
  });

  beforeEach(async () => {
    graph = await startGraphSimulator({ appId: TENANT.metaAppId, appSecret: TENANT.metaAppSecret, requireAppSecretProof: true });
    giosg = await startGiosgSimulator({ apiToken: TENANT.giosgApiToken, orgId: TENANT.giosgOrganizationId, botUserId: TENANT.giosgBotUserId });
    graph.addPhone({ id: TENANT.phoneNumberId, wabaId: TENANT.wabaId, displayPhoneNumber: '+358 40 1234567', verifiedName: 'Acme Oy' });
    db = await tempDatabase('sqlite');
  });
  afterEach(async () => {
    if (child) await killHard(child);
    await graph.close();
    await giosg.close();
    await db.drop();
  });

  test('every acknowledged webhook and reply survives kill -9', async () => {
    const token = makeToken();
    graph.addToken({ token, appId: TENANT.metaAppId, targetIds: [TENANT.wabaId] });
    const env = childEnv({ databaseUrl: `sqlite:${db.file}`, graphUrl: graph.url, giosgUrl: giosg.url, extra: { WHATSAPP_ACCESS_TOKEN: token } });
    child = await startChild(env);
    giosg.addUmiChannel({ id: TENANT.giosgUmiChannelId, reply_webhook_url: `${child.url}/webhooks/giosg/${TENANT.id}/replies?secret=${TENANT.giosgWebhookSecret}` });
    const target = `${child.url}/webhooks/meta/${TENANT.id}`;

    const ackedInbound: string[] = [];
    const ackedReplies: Array<{ to: string; text: string }> = [];
    const TOTAL = 400;

    const sendWebhook = async (i: number) => {
      const id = `wamid.crash.${i}`;
      const payload = graph.customerMessage({ phoneNumberId: TENANT.phoneNumberId, from: CUSTOMERS[i % CUSTOMERS.length], text: `in ${i}`, id });
      const raw = JSON.stringify(payload);
      try {
        const res = await fetch(target, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signPayload(raw, TENANT.metaAppSecret) } });
        if (res.status === 200) ackedInbound.push(id);
      } catch {
        /* connection died with the process: not acknowledged, Meta would retry */
      }
    };
    const sendReply = async (i: number) => {
      const to = CUSTOMERS[i % CUSTOMERS.length];
      try {
        const r = await giosg.agentReply({ channelId: TENANT.giosgUmiChannelId, threadId: to, text: `out ${i}`, messageId: `giosg-msg-${i}` });
        if (r.status === 200) ackedReplies.push({ to, text: `out ${i}` });
      } catch {
        /* not acknowledged */
      }
    };

    // Burst in waves; kill -9 once about half is acknowledged, while requests are in flight.
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < TOTAL; i++) {
      inflight.push(sendWebhook(i), sendReply(i));
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
    }
    // Kill while requests are still in flight, once about a third is acknowledged.
    await waitFor(() => ackedInbound.length >= TOTAL / 3, 'a third acknowledged', 30_000, 2);
    await killHard(child);
    await Promise.allSettled(inflight);
    await killHard(child);
    const sentBeforeRestart = graph.sent.length;

    child = await startChild(env);
    // Replies giosg still retries would go to the new port; the acknowledged ones are already ours.
    await waitFor(() => new Set(giosg.umiMessages.map((m) => m.external_message_id)).size >= ackedInbound.length && ackedInbound.every((id) => giosg.umiMessages.some((m) => m.external_message_id === id)), 'every acked webhook relayed', 60_000, 100);
    await waitFor(() => ackedReplies.every((r) => graph.sent.some((s) => s.to === r.to && s.body === r.text)), 'every acked reply sent', 60_000, 100);

    for (const id of ackedInbound) expect(giosg.umiMessages.filter((m) => m.external_message_id === id)).toHaveLength(1);
    // Per customer, relayed in the order the webhooks were stored (concurrent requests
    // arrive in any order, so the stored order is the reference).
    const file = new Database(db.file!, { readonly: true });
    const stored = file.prepare('select wa_message_id, wa_id from inbound_messages order by id').all() as Array<{ wa_message_id: string; wa_id: string }>;
    file.close();
    for (const c of CUSTOMERS) {
      const expected = stored.filter((r) => r.wa_id === c).map((r) => r.wa_message_id);
      expect(giosg.umiMessages.filter((m) => m.thread_id === c).map((m) => m.external_message_id)).toEqual(expected);
    }
    // A reply is sent twice only if the process died between Meta's answer and our write:
    // at most the sends in flight at the kill.
    const counts = new Map<string, number>();
    for (const s of graph.sent) counts.set(s.body, (counts.get(s.body) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    expect(duplicates).toBeLessThanOrEqual(CUSTOMERS.length);
    console.log(`crash test: acked webhooks ${ackedInbound.length}, acked replies ${ackedReplies.length}, sent before kill ${sentBeforeRestart}, duplicate sends ${duplicates}`);
    expect(ackedInbound.length).toBeGreaterThan(0);
    expect(ackedReplies.length).toBeGreaterThan(0);
  });
});
