// Three real instances (node dist/src/main.js) on one PostgreSQL database, requests spread
// round-robin across them, Meta and giosg simulated on loopback. Each instance reaches the
// Graph simulator through its own pass-through proxy, so every send is attributed to the
// instance that made it and to the token it used (by fingerprint).
import fs from 'node:fs';
import path from 'node:path';
import { startGraphSimulator, GraphSim, signPayload } from '../../src/sandbox/graph';
import { startGiosgSimulator, GiosgSim } from '../../src/sandbox/giosg';
import { tokenFingerprint } from '../../src/sandbox/fingerprint';
import { openStore, Store } from '../../src/store/db';
import { CircuitStateRepo } from '../../src/store/circuit-state-repo';
import { TokenRepo } from '../../src/store/token-repo';
import { SecretBox } from '../../src/vault/crypto';
import { refusingValidation } from '../helpers/validation';
import { TokenVault } from '../../src/vault/token-vault';
import { systemClock } from '../../src/clock';
import { PG_URL, TENANT, TEST_KEY, makeToken, tempDatabase, TempDb, waitFor } from '../../testkit/harness';
import { builtServerAvailable, childEnv, ChildService, startChild } from '../../testkit/child-service';
import { InstanceProxy, startInstanceProxy } from './instance-proxy';
import { open as openLinkForm, submit as submitLinkForm, text } from '../../testkit/link-client';

if (!PG_URL) console.warn('TEST_DATABASE_URL is not set: test/scale/multi-instance.test.ts (three instances on PostgreSQL) is skipped');
else if (!builtServerAvailable()) console.warn('dist/src/main.js is missing (npm run build): test/scale/multi-instance.test.ts is skipped');
const scaleDescribe = PG_URL && builtServerAvailable() ? describe : describe.skip;

jest.setTimeout(120_000);

const LEASE_MS = 3000;
const RESULTS = path.resolve(__dirname, '../artifacts/scale-throughput.json');

interface Instance {
  name: string;
  child: ChildService;
  proxy: InstanceProxy;
  id: string;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

scaleDescribe('three instances on one PostgreSQL', () => {
  let graph: GraphSim;
  let giosg: GiosgSim;
  let db: TempDb;
  let store: Store;
  let state: CircuitStateRepo;
  let vault: TokenVault;
  let token: string;
  const inst: Instance[] = [];
  const results: Record<string, unknown> = {};
  let rr = 0;
  const live = () => inst.filter((i) => i.child.proc.exitCode === null && i.child.proc.signalCode === null);
  const nextInstance = () => {
    const l = live();
    return l[rr++ % l.length];
  };

  // Every started child is stopped in afterAll, even when setup fails half-way.
  const started: ChildService[] = [];
  const track = async (env: NodeJS.ProcessEnv) => {
    const c = await startChild(env, 40_000);
    started.push(c);
    return c;
  };

  beforeAll(async () => {
    graph = await startGraphSimulator({ appId: TENANT.metaAppId, appSecret: TENANT.metaAppSecret, requireAppSecretProof: true });
    giosg = await startGiosgSimulator({ apiToken: TENANT.giosgApiToken, orgId: TENANT.giosgOrganizationId, botUserId: TENANT.giosgBotUserId });
    graph.addPhone({ id: TENANT.phoneNumberId, wabaId: TENANT.wabaId, displayPhoneNumber: '+358 40 1234567', verifiedName: 'Acme Oy' });
    token = makeToken();
    graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId], expiresAt: 0 });
    db = await tempDatabase('postgres');
    const names = ['a', 'b', 'c'];
    const proxies = await Promise.all(names.map((n) => startInstanceProxy(n, graph.url)));
    // All three start at once on an empty database: migrations and seeding race on purpose.
    const settled = await Promise.allSettled(
      names.map((n, i) =>
        track(
          childEnv({
            databaseUrl: db.url,
            graphUrl: proxies[i].url,
            giosgUrl: giosg.url,
            extra: { WHATSAPP_ACCESS_TOKEN: token, SEND_RATE_PER_SECOND: '1000', WORKER_POLL_MS: '50', WORKER_LEASE_MS: String(LEASE_MS) },
          }),
        ),
      ),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const children = settled.map((r) => (r as PromiseFulfilledResult<ChildService>).value);
    for (const [i, name] of names.entries()) {
      // The ready message can overtake the log line on the pipe.
      const line = await waitFor(() => children[i].output().split('\n').find((l) => l.includes('"listening"')), `"listening" from instance ${name}`);
      inst.push({ name, child: children[i], proxy: proxies[i], id: JSON.parse(line).instance });
    }
    giosg.addUmiChannel({ id: TENANT.giosgUmiChannelId, reply_webhook_url: `${inst[0].child.url}/webhooks/giosg/${TENANT.id}/replies?secret=${TENANT.giosgWebhookSecret}` });
    store = openStore(db.url);
    state = new CircuitStateRepo(store.db);
    vault = new TokenVault({ repo: new TokenRepo(store.db, 'postgres'), box: new SecretBox([TEST_KEY]), clock: systemClock, validation: refusingValidation });
  }, 90_000);

  afterAll(async () => {
    const stop = (c: ChildService) => Promise.race([c.kill('SIGTERM'), new Promise((r) => setTimeout(r, 12_000)).then(() => c.kill('SIGKILL'))]);
    const step = async (what: string, p: Promise<unknown> | undefined) => {
      const t = Date.now();
      await Promise.race([p, new Promise((r) => setTimeout(r, 15_000))]);
      if (Date.now() - t > 5000) console.warn(`cleanup step "${what}" took ${Date.now() - t} ms`);
    };
    await step('stop instances', Promise.allSettled(started.map(stop)));
    await step('close proxies', Promise.allSettled(inst.map((i) => i.proxy.close())));
    await step('close store', store?.close());
    await step('close graph', graph?.close());
    await step('close giosg', giosg?.close());
    await step('drop schema', db?.drop());
    if (Object.keys(results).length > 0) fs.writeFileSync(RESULTS, JSON.stringify({ measuredAt: new Date().toISOString(), ...results }, null, 2) + '\n');
  });

  // Holding the channel (as Meta's cut-off would) lets a test queue a backlog first.
  const hold = () => state.pause(TENANT.id, 'account_update', 0, Date.now(), Date.now() + 3_600_000);
  const release = () => state.resume(TENANT.id, Date.now());

  async function postMeta(i: Instance, payload: object): Promise<number> {
    const raw = JSON.stringify(payload);
    const res = await fetch(`${i.child.url}/webhooks/meta/${TENANT.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signPayload(raw, TENANT.metaAppSecret) },
      body: raw,
    });
    await res.arrayBuffer();
    return res.status;
  }

  /**
   * giosg redelivers on a network error; so does this helper. An idle keep-alive socket the
   * server has just closed gives ECONNRESET; the redelivery is deduplicated on the message id.
   */
  async function postReply(i: Instance, threadId: string, messageId: string, body: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await postReplyOnce(i, threadId, messageId, body, attempt > 1);
      } catch (err) {
        const alive = i.child.proc.exitCode === null && i.child.proc.signalCode === null;
        if (attempt >= 3 || !alive || !/fetch failed/.test((err as Error).message)) {
          throw new Error(`reply to instance ${i.name} (alive: ${alive}) failed: ${(err as Error).message}\n${i.child.output().split('\n').slice(-10).join('\n')}`);
        }
      }
    }
  }

  async function postReplyOnce(i: Instance, threadId: string, messageId: string, body: string, redelivery: boolean): Promise<void> {
    const res = await fetch(`${i.child.url}/webhooks/giosg/${TENANT.id}/replies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': TENANT.giosgWebhookSecret },
      body: JSON.stringify({
        thread_id: threadId,
        chat_id: `chat-${threadId}`,
        organization_id: TENANT.giosgOrganizationId,
        channel_id: TENANT.giosgUmiChannelId,
        message: { id: messageId, text: body, sender_type: 'user', sender_name: 'Agent', created_at: new Date().toISOString() },
      }),
    });
    const json = (await res.json()) as { queued?: number; duplicate?: boolean };
    if (res.status !== 200 || !(json.queued === 1 || (redelivery && json.duplicate === true))) throw new Error(`reply ${messageId} on ${i.name}: ${res.status} ${JSON.stringify(json)}`);
  }

  /** Queues `perRecipient` replies for each recipient, each recipient's in order, requests round-robin. */
  async function queueReplies(tag: string, recipients: number, perRecipient: number, concurrency = 24, only?: Instance): Promise<string[]> {
    const threads = Array.from({ length: recipients }, (_, r) => `3584${tag.length}${String(r).padStart(6, '0')}${tag.charCodeAt(0)}`);
    await pool(threads, concurrency, async (thread) => {
      for (let k = 0; k < perRecipient; k++) await postReply(only ?? nextInstance(), thread, `${tag}-${thread}-${k}`, `${tag}|${thread}|${k}`);
    });
    return threads;
  }

  const sentWith = (tag: string) => graph.sent.filter((m) => m.body.startsWith(`${tag}|`));

  async function countState(prefix: string, states: string[]): Promise<number> {
    const r = await store.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('source_id', 'like', `${prefix}-%`)
      .where('state', 'in', states as never)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  function expectOrderedOnce(tag: string, threads: string[], perRecipient: number): void {
    const byThread = new Map<string, number[]>();
    for (const m of sentWith(tag)) {
      const [, thread, k] = m.body.split('|');
      byThread.set(thread, [...(byThread.get(thread) ?? []), Number(k)]);
    }
    const expected = Array.from({ length: perRecipient }, (_, k) => k);
    for (const t of threads) expect(byThread.get(t)).toEqual(expected);
  }

  it('(a) a burst of inbound webhooks with duplicates spread across instances is relayed to giosg once each, in order per customer', async () => {
    const customers = 30;
    const perCustomer = 10;
    const deliveries: Array<{ payload: object; copies: number }> = [];
    for (let c = 0; c < customers; c++) {
      for (let k = 0; k < perCustomer; k++) {
        const payload = graph.customerMessage({ phoneNumberId: TENANT.phoneNumberId, from: `35850${String(c).padStart(6, '0')}`, name: `Customer ${c}`, text: `hello ${c}/${k}`, id: `wamid.scale-a-${c}-${k}` });
        // Meta's redeliveries: every message twice, every third one three times, each copy to another instance.
        deliveries.push({ payload, copies: k % 3 === 0 ? 3 : 2 });
      }
    }
    const statuses: number[] = [];
    await pool(deliveries, 30, async (d) => {
      const copies = Array.from({ length: d.copies }, () => nextInstance());
      statuses.push(...(await Promise.all(copies.map((i) => postMeta(i, d.payload)))));
    });
    expect(statuses.every((s) => s === 200)).toBe(true);

    const total = customers * perCustomer;
    await waitFor(async () => {
      const r = await store.db.selectFrom('inbound_messages').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'relayed').executeTakeFirstOrThrow();
      return Number(r.n) === total;
    }, 'every customer message relayed', 60_000, 100);

    const umi = giosg.umiMessages.filter((m) => m.external_message_id?.startsWith('wamid.scale-a-'));
    expect(umi).toHaveLength(total);
    expect(new Set(umi.map((m) => m.external_message_id)).size).toBe(total);
    // Not one second POST for the same message reached giosg (the simulator's own dedupe is not what we test).
    const intakes = giosg.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/unified_messaging/${TENANT.giosgUmiChannelId}/messages`));
    expect(intakes).toHaveLength(total);
    // Per customer, giosg got the messages in the order they were stored.
    const rows = await store.db.selectFrom('inbound_messages').select(['id', 'wa_id', 'wa_message_id']).orderBy('id').execute();
    expect(rows).toHaveLength(total);
    for (let c = 0; c < customers; c++) {
      const waId = `35850${String(c).padStart(6, '0')}`;
      expect(umi.filter((m) => m.thread_id === waId).map((m) => m.external_message_id)).toEqual(rows.filter((r) => r.wa_id === waId).map((r) => r.wa_message_id));
    }
    const events = await store.db.selectFrom('webhook_events').select(['processed_at']).execute();
    expect(events.length).toBe(deliveries.reduce((n, d) => n + d.copies, 0));
    expect(events.every((e) => e.processed_at !== null)).toBe(true);
  });

  it('(b) 3,000 queued replies are each sent exactly once, in order per recipient, by all three instances together', async () => {
    await hold();
    const threads = await queueReplies('b', 100, 30);
    expect(await countState('b', ['queued'])).toBe(3000);
    expect(sentWith('b')).toHaveLength(0);
    const started = Date.now();
    await release();
    await waitFor(async () => (await countState('b', ['sent'])) === 3000, 'all 3,000 sent', 90_000, 50);
    const last = Math.max(...sentWith('b').map((m) => m.at));
    const seconds = (last - started) / 1000;
    results.threeInstances = { messages: 3000, seconds, perSecond: Math.round(3000 / seconds) };
    console.info(`drain with 3 instances: 3000 messages in ${seconds.toFixed(2)} s = ${Math.round(3000 / seconds)} msg/s`);

    expect(sentWith('b')).toHaveLength(3000);
    expect(new Set(sentWith('b').map((m) => m.body)).size).toBe(3000);
    expectOrderedOnce('b', threads, 30);
    // All three took part, and none sent what another already had.
    const byInstance = inst.map((i) => i.proxy.sends.filter((s) => s.body.startsWith('b|')).length);
    for (const n of byInstance) expect(n).toBeGreaterThan(0);
    expect(byInstance.reduce((a, n) => a + n, 0)).toBe(3000);
    results.threeInstancesShare = Object.fromEntries(inst.map((i, k) => [i.name, byInstance[k]]));
    // The shared per-number budget was never overdrawn in any second.
    const windows = await store.db.selectFrom('send_budget').select(['window_start', 'used']).where('phone_number_id', '=', TENANT.phoneNumberId).execute();
    expect(windows.length).toBeGreaterThan(0);
    for (const w of windows) expect(Number(w.used)).toBeLessThanOrEqual(1000);
  });

  it('(c) an admin dialog spread over instances swaps the token on one; all three send with the new token within 1 s', async () => {
    const chatId = 'admin-chat-scale';
    const botSaid = () => giosg.chatMessages.filter((m) => m.chatId === chatId && m.userId === TENANT.giosgBotUserId);
    // The dialog's turns land on different instances: its state lives in the database.
    giosg.setBotWebhook(`${inst[0].child.url}/webhooks/giosg/${TENANT.id}?secret=${TENANT.giosgWebhookSecret}`);
    expect((await giosg.adminSays({ chatId, text: 'renew' })).status).toBe(200);
    await waitFor(() => botSaid().length >= 1, 'intro from instance a');
    giosg.setBotWebhook(`${inst[1].child.url}/webhooks/giosg/${TENANT.id}?secret=${TENANT.giosgWebhookSecret}`);
    expect((await giosg.adminSays({ chatId, responseValue: 'have_token' })).status).toBe(200);
    const linkMsg = await waitFor(() => botSaid().find((m) => /\/t\/[A-Za-z0-9_-]{43}/.test(m.message)), 'the one-time link from instance b');
    const linkPath = /\/t\/[A-Za-z0-9_-]{43}/.exec(linkMsg.message)![0];

    // Replies keep flowing through all instances while the token changes.
    let flowing = true;
    let n = 0;
    const trickle = (async () => {
      while (flowing) {
        const thread = `3587${String(n % 200).padStart(6, '0')}`;
        await postReply(nextInstance(), thread, `c-${n}`, `c|${thread}|${n}`);
        n++;
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    try {
      await waitFor(() => inst.every((i) => i.proxy.sends.some((s) => s.body.startsWith('c|'))), 'every instance sending');
    } catch (err) {
      flowing = false;
      await trickle.catch(() => undefined);
      console.warn(JSON.stringify(await store.db.selectFrom('outbox').select(['id', 'state', 'lease_owner', 'attempts', 'error_reason', 'next_attempt_at']).orderBy('id').limit(5).execute()), JSON.stringify(await store.db.selectFrom('channel_state').selectAll().execute()), Date.now());
      console.warn(inst.map((i) => `${i.name}: ${i.proxy.sends.filter((s) => s.body.startsWith('c|')).length} sends\n${i.child.output().split('\n').slice(-15).join('\n')}`).join('\n----\n'));
      throw err;
    }

    const newToken = makeToken();
    graph.addToken({ token: newToken, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId], expiresAt: 0 });
    const site = { url: inst[2].child.url } as never;
    const form = await openLinkForm(site, linkPath);
    expect(form.status).toBe(200);
    const done = await submitLinkForm(site, linkPath, newToken, form);
    expect(done.status).toBe(200);
    expect(text(done.html)).not.toContain(newToken);
    const cur = await vault.tokens.current(TENANT.id);
    expect(cur!.fingerprint).toBe(tokenFingerprint(newToken).slice(0, cur!.fingerprint.length));
    const promotedAt = Number(cur!.promoted_at);

    await waitFor(() => inst.every((i) => i.proxy.sends.some((s) => s.at > promotedAt + 1000 && s.body.startsWith('c|'))), 'sends after the switch on every instance', 20_000);
    flowing = false;
    await trickle;
    const oldFp = tokenFingerprint(token);
    const newFp = tokenFingerprint(newToken);
    const switchedIn: Record<string, number> = {};
    for (const i of inst) {
      const mine = i.proxy.sends.filter((s) => s.body.startsWith('c|'));
      // Nothing with the old token later than 1 s after the swap, on any instance.
      expect(mine.filter((s) => s.fingerprint === oldFp && s.at > promotedAt + 1000)).toEqual([]);
      expect(mine.filter((s) => s.at > promotedAt + 1000).every((s) => s.fingerprint === newFp)).toBe(true);
      const lastOld = Math.max(promotedAt, ...mine.filter((s) => s.fingerprint === oldFp).map((s) => s.at));
      switchedIn[i.name] = lastOld - promotedAt;
    }
    results.swapLastOldTokenSendAfterPromoteMs = switchedIn;
    // Every customer reply of the trickle went out once.
    await waitFor(async () => (await countState('c', ['sent'])) === n, 'trickle drained', 20_000, 50);
    expect(new Set(sentWith('c').map((m) => m.body)).size).toBe(n);
    expect(sentWith('c')).toHaveLength(n);
    for (const i of inst) expect(i.child.output()).not.toContain(newToken);
  });

  it('(e) an auth failure seen by all three instances at once gives one incident and one alert to the admins', async () => {
    const current = await vault.tokens.current(TENANT.id);
    const liveToken = vault.open(current!);
    await hold();
    const threads = await queueReplies('e', 300, 1, 30);
    const before = giosg.chatMessages.length;
    graph.invalidateToken(liveToken);
    // Meta answers slowly, so every instance has claimed its own batch of heads and sent
    // with the dead token before the first refusal pauses the channel for the others:
    // otherwise whichever instance polls first trips it alone, and the others never send.
    graph.setMode('slow', { latencyMs: 1500 });
    await release();
    await waitFor(() => inst.every((i) => i.child.output().includes('send refused; pausing the channel')), 'all three instances see the auth error', 20_000);
    graph.setMode('ok');
    const alert = await waitFor(() => giosg.chatMessages.slice(before).find((m) => m.userId === TENANT.giosgBotUserId), 'the alert');
    const chat = giosg.chats.find((c) => c.id === alert.chatId)!;
    expect(chat.invitedTeams).toContain(TENANT.giosgAdminTeamId);
    // Give any second alert time to show up: there must not be one.
    await new Promise((r) => setTimeout(r, 2000));
    expect(giosg.chatMessages.slice(before).filter((m) => m.userId === TENANT.giosgBotUserId)).toHaveLength(1);
    const incidents = await store.db.selectFrom('incidents').selectAll().where('tenant_id', '=', TENANT.id).where('state', '=', 'open').execute();
    expect(incidents).toHaveLength(1);
    expect(incidents[0].kind).toBe('token');
    expect(incidents[0].alerted_at).not.toBeNull();

    // A new token (here from outside the instances, as the CLI would) resumes every instance; the held replies go out once.
    const fresh = makeToken();
    graph.addToken({ token: fresh, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId], expiresAt: 0 });
    const id = await vault.addPending(TENANT.id, fresh, 'scale-test', 'test');
    await vault.markValidated(TENANT.id, id, { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: 'Acme Oy', displayPhoneNumber: null }, 'scale-test');
    expect((await vault.promote(TENANT.id, id, current!.id, 'scale-test')).ok).toBe(true);
    await waitFor(async () => (await countState('e', ['sent'])) === 300, 'held replies sent after the swap', 30_000, 50);
    const ok = sentWith('e');
    expect(ok).toHaveLength(300);
    expect(new Set(ok.map((m) => m.to)).size).toBe(threads.length);
    expect(ok.every((m) => m.tokenFingerprint === tokenFingerprint(fresh))).toBe(true);
  });

  it('(d) kill -9 of one instance mid-drain: the others send its claimed rows after the lease; none lost, duplicates only from its in-flight rows', async () => {
    await hold();
    const threads = await queueReplies('d', 50, 30);
    await release();
    const victim = inst[1];
    await waitFor(() => victim.proxy.sends.filter((s) => s.body.startsWith('d|')).length >= 100, 'the victim is draining', 30_000, 5);
    await victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const orphans = await store.db.selectFrom('outbox').select(['id', 'body', 'lease_until']).where('lease_owner', '=', victim.id).where('state', '=', 'sending').execute();
    await waitFor(async () => (await countState('d', ['sent'])) === 1500, 'all 1,500 sent by the survivors', 60_000, 50);

    const sent = sentWith('d');
    const counts = new Map<string, number>();
    for (const m of sent) counts.set(m.body, (counts.get(m.body) ?? 0) + 1);
    expect(counts.size).toBe(1500); // none lost
    const duplicated = [...counts].filter(([, c]) => c > 1).map(([b]) => b);
    const orphanBodies = new Set(orphans.map((o) => o.body));
    // A duplicate is only possible for a row the victim had in flight when it died.
    expect(duplicated.length).toBeLessThanOrEqual(orphans.length);
    for (const b of duplicated) expect(orphanBodies.has(b)).toBe(true);
    for (const b of duplicated) expect(counts.get(b)).toBe(2);
    // Its claims were taken over by the others, and only after its lease ran out.
    const survivors = inst.filter((i) => i !== victim);
    for (const o of orphans) {
      const resent = survivors.flatMap((i) => i.proxy.sends).filter((s) => s.body === o.body);
      expect(resent.length).toBeGreaterThanOrEqual(1);
      for (const s of resent) expect(s.at).toBeGreaterThanOrEqual(Number(o.lease_until));
    }
    // Per recipient the order holds; a re-sent row repeats only right where it was.
    const byThread = new Map<string, number[]>();
    for (const m of sent) {
      const [, thread, k] = m.body.split('|');
      const list = byThread.get(thread) ?? [];
      if (list[list.length - 1] !== Number(k)) list.push(Number(k));
      byThread.set(thread, list);
    }
    for (const t of threads) expect(byThread.get(t)).toEqual(Array.from({ length: 30 }, (_, k) => k));
    results.killDrill = { orphansInFlight: orphans.length, duplicatesDelivered: duplicated.length, leaseMs: LEASE_MS, recoveredWithinMs: Date.now() - killedAt };
  });

  it('drain throughput with a single instance (for comparison with three)', async () => {
    const survivor = inst[0];
    await inst[2].child.kill('SIGTERM');
    expect(live()).toEqual([survivor]);
    await hold();
    const threads = await queueReplies('s', 100, 30, 24, survivor);
    const started = Date.now();
    await release();
    await waitFor(async () => (await countState('s', ['sent'])) === 3000, 'all 3,000 sent by one instance', 90_000, 50);
    const last = Math.max(...sentWith('s').map((m) => m.at));
    const seconds = (last - started) / 1000;
    results.oneInstance = { messages: 3000, seconds, perSecond: Math.round(3000 / seconds) };
    console.info(`drain with 1 instance: 3000 messages in ${seconds.toFixed(2)} s = ${Math.round(3000 / seconds)} msg/s`);
    expect(sentWith('s')).toHaveLength(3000);
    expectOrderedOnce('s', threads, 30);
  });
});
