// The sandbox boot (simulators + real service + demo tenant) and the playground's page and
// proxy API, over real HTTP, on a real database file that survives a restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { startSandbox, type Sandbox } from '../../src/sandbox/boot';
import { DEMO } from '../../src/sandbox/demo-tenant';
import { createLogger } from '../../src/log';
import { engines, LogCapture, tempDatabase, testConfig, waitFor, type TempDb } from '../../testkit/harness';

interface Started {
  sb: Sandbox;
  logs: LogCapture;
  http: AxiosInstance;
}

async function boot(dataDir: string, db: TempDb, over: { workers?: boolean } = {}): Promise<Started> {
  const logs = new LogCapture();
  const sb = await startSandbox(
    testConfig({ sandbox: true, encryptionKeys: [], databaseUrl: db.url, port: 0, tenantId: 'demo', logLevel: 'debug' }),
    { dataDir, logger: createLogger('debug', logs), workers: over.workers },
  );
  const http = axios.create({ baseURL: sb.url, validateStatus: () => true, timeout: 15_000 });
  return { sb, logs, http };
}

const simState = async (url: string) => (await axios.get(`${url}/_sim/state`)).data;

describe.each(engines)('sandbox boot (%s)', (engine) => {
  let dir: string;
  let db: TempDb;
  let running: Sandbox | undefined;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-boot-'));
    db = await tempDatabase(engine);
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('seeds the demo tenant, wires both simulators to it, and stores a working token', async () => {
    const { sb, logs } = await boot(dir, db);
    running = sb;
    expect(fs.existsSync(path.join(dir, 'sandbox-encryption.key'))).toBe(true);
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sb.services.config.publicBaseUrl).toBe(sb.url);
    expect(sb.services.config.graph.baseUrl).toBe(sb.graph.url);
    expect(sb.services.config.giosgBaseUrl).toBe(sb.giosg.url);

    const tenant = (await sb.services.tenants.get('demo'))!;
    expect(tenant).toMatchObject({
      phoneNumberId: DEMO.phoneNumberId,
      wabaId: DEMO.wabaId,
      giosgBotUserId: DEMO.giosgBotUserId,
      giosgAdminTeamId: DEMO.giosgAdminTeamId,
      giosgUmiChannelId: DEMO.giosgUmiChannelId,
    });

    const graph = await simState(sb.graph.url);
    expect(graph.webhookTarget).toBe(`${sb.url}/webhooks/meta/demo`);
    expect(graph.phones).toEqual([expect.objectContaining({ id: DEMO.phoneNumberId, verifiedName: 'Sandbox Coffee Oy' })]);
    expect(graph.tokens.map((t: { status: string }) => t.status)).toEqual(['ok']);

    const giosg = await simState(sb.giosg.url);
    expect(giosg.botWebhook).toBe(`${sb.url}/webhooks/giosg/demo`);
    expect(giosg.umiChannels).toEqual([expect.objectContaining({ id: DEMO.giosgUmiChannelId, reply_webhook_url: `${sb.url}/webhooks/giosg/demo/replies` })]);
    // The secret rides in the URL giosg calls (the control API hides it): it must be the tenant's.
    expect(sb.giosg.umiChannels[0].reply_webhook_url).toContain(`secret=${encodeURIComponent(tenant.giosgWebhookSecret)}`);

    // The stored token is the one Meta (the simulator) accepts: the real client can probe with it.
    const current = (await sb.services.vault.current('demo'))!;
    const probe = await sb.services.graph.probePhone({ phoneNumberId: tenant.phoneNumberId, token: current.token, appSecret: tenant.metaAppSecret });
    expect(probe).toMatchObject({ verified_name: 'Sandbox Coffee Oy' });

    const text = logs.text();
    expect(text).toContain('SANDBOX MODE');
    expect(text).toContain(`${sb.url}/playground`);
    expect(text).not.toContain(current.token);
    expect(text).not.toContain(tenant.metaAppSecret);
    expect(text).not.toContain(tenant.giosgWebhookSecret);
  });

  test('a restart with the same data keeps the tenant, its secrets and its token, and tells the new simulators', async () => {
    const first = await boot(dir, db);
    // The first run does real work before it stops (and its workers are surely running).
    await first.http.post('/playground/api/customer/send', { from: '358401112223', text: 'before the restart' });
    await waitFor(() => first.sb.giosg.umiMessages.find((m) => m.text === 'before the restart'), 'relay before the restart');
    const tenant1 = (await first.sb.services.tenants.get('demo'))!;
    const token1 = (await first.sb.services.vault.current('demo'))!;
    await first.sb.stop();

    const second = await boot(dir, db);
    running = second.sb;
    const tenant2 = (await second.sb.services.tenants.get('demo'))!;
    const token2 = (await second.sb.services.vault.current('demo'))!;
    expect(tenant2).toEqual(tenant1);
    expect(token2.versionId).toBe(token1.versionId);
    expect(token2.token).toBe(token1.token);
    expect((await second.sb.services.vault.versions('demo')).length).toBe(1);
    // Fresh simulators on new ports, yet the old token works against the new Graph simulator.
    expect(second.sb.graph.url).not.toBe('');
    const graph = await simState(second.sb.graph.url);
    expect(graph.tokens.map((t: { status: string }) => t.status)).toEqual(['ok']);
    await expect(second.sb.services.graph.probePhone({ phoneNumberId: DEMO.phoneNumberId, token: token2.token, appSecret: tenant2.metaAppSecret })).resolves.toMatchObject({ verified_name: 'Sandbox Coffee Oy' });
    expect(second.logs.text()).toContain('"tokenWasStored":true');
  });
});

describe('sandbox refusals', () => {
  test('refuses a config that is not in sandbox mode and leaves nothing running', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-refuse-'));
    await expect(startSandbox(testConfig({ sandbox: false }), { dataDir: dir })).rejects.toThrow(/config.sandbox is false/);
    expect(fs.existsSync(path.join(dir, 'sandbox-encryption.key'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a port that is taken fails the start and closes both simulators', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-port-'));
    const db = await tempDatabase('sqlite');
    const first = await boot(dir, db);
    try {
      await expect(
        startSandbox(testConfig({ sandbox: true, encryptionKeys: [], databaseUrl: db.url, port: first.sb.port }), {
          dataDir: dir,
          logger: createLogger('silent'),
        }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.sb.stop();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('playground over HTTP', () => {
  let dir: string;
  let db: TempDb;
  let s: Started;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-pg-'));
    db = await tempDatabase('sqlite');
    s = await boot(dir, db);
  });
  afterAll(async () => {
    await s?.sb.stop();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the page carries the sandbox banner, in the asked language, under the strict CSP with no inline code', async () => {
    const en = await s.http.get('/playground');
    expect(en.status).toBe(200);
    expect(en.headers['content-type']).toMatch(/text\/html/);
    expect(en.headers['content-security-policy']).toContain("script-src 'self'");
    expect(en.headers['cache-control']).toBe('no-store');
    expect(en.data).toContain('Sandbox: simulated Meta and giosg, nothing reaches real WhatsApp');
    expect(en.data).toContain('<html lang="en">');
    // Every script has a src, no style attribute or <style> block, no unfilled slot.
    expect(en.data).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(en.data).not.toMatch(/\sstyle=|<style/);
    expect(en.data).not.toMatch(/\{\{/);
    expect(en.data).not.toMatch(/\son[a-z]+=/);

    const fi = await s.http.get('/playground?lang=fi');
    expect(fi.data).toContain('Hiekkalaatikko: Meta ja giosg ovat simuloituja');
    expect(fi.data).toContain('<html lang="fi">');
    const sv = await s.http.get('/playground?lang=sv');
    expect(sv.data).toContain('Sandlåda');
    const unknown = await s.http.get('/playground?lang=xx');
    expect(unknown.data).toContain('<html lang="en">');
  });

  test('serves the script and stylesheet, and nothing else from the folder', async () => {
    const js = await s.http.get('/playground/static/playground.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/text\/javascript/);
    const css = await s.http.get('/playground/static/playground.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    for (const p of ['/playground/static/index.html', '/playground/static/README-try-it.md', '/playground/static/..%2Fboot.ts']) {
      expect((await s.http.get(p)).status).toBe(404);
    }
  });

  test('strings for the script come localized, with the same keys in every language', async () => {
    const keys: Record<string, string[]> = {};
    for (const lang of ['en', 'fi', 'sv']) {
      const r = await s.http.get(`/playground/api/strings?lang=${lang}`);
      expect(r.status).toBe(200);
      expect(r.data.lang).toBe(lang);
      keys[lang] = Object.keys(r.data.strings).sort();
    }
    expect(keys.en.length).toBeGreaterThan(20);
    expect(keys.fi).toEqual(keys.en);
    expect(keys.sv).toEqual(keys.en);
    // Every key the script asks for exists.
    const script = fs.readFileSync(path.resolve(__dirname, '../../src/sandbox/playground/playground.js'), 'utf8');
    const used = new Set([...script.matchAll(/\bt\('([a-z0-9_]+)'\s*[,)]/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(10);
    for (const m of script.matchAll(/\btn\('([a-z0-9_]+)'/g)) for (const form of ['one', 'other']) used.add(`${m[1]}_${form}`);
    // ...and the keys it builds from a simulator's vocabulary.
    for (const st of ['ok', 'expired', 'invalid', 'unknown']) used.add(`token_status_${st}`);
    for (const mode of ['ok', 'slow', '5xx', 'down', 'timeout']) used.add(`mode_${mode}`);
    for (const kind of ['token', 'permission', 'account', 'account_update', 'other']) used.add(`channel_reason_${kind}`);
    for (const k of used) expect(keys.en).toContain(k);
  });

  test('a customer message goes through our Meta webhook and reaches giosg; the agent reply reaches the phone', async () => {
    const sent = await s.http.post('/playground/api/customer/send', { from: '+358 40 555 0101', name: 'Pekka', text: 'Is the café open?' });
    expect(sent.status).toBe(200);
    expect(sent.data).toMatchObject({ delivered: true, webhookStatus: 200 });
    const relayed = await waitFor(async () => {
      const r = await s.http.get('/playground/api/giosg/umi-messages?since=0');
      return r.data.items.find((m: { text: string }) => m.text === 'Is the café open?');
    }, 'customer message in giosg');
    expect(relayed).toMatchObject({ threadId: '358405550101', senderName: 'Pekka' });

    const reply = await s.http.post('/playground/api/agent/reply', { threadId: '358405550101', text: 'Yes, until 18.' });
    expect(reply.status).toBe(200);
    expect(reply.data).toMatchObject({ delivered: true });
    const onPhone = await waitFor(async () => {
      const r = await s.http.get('/playground/api/customer/received?since=0&to=358405550101');
      return r.data.items.find((m: { text: string }) => m.text === 'Yes, until 18.');
    }, 'agent reply on the phone');
    expect(onPhone.to).toBe('358405550101');
    // Another customer's phone does not show it.
    const other = await s.http.get('/playground/api/customer/received?since=0&to=358409999999');
    expect(other.data.items).toEqual([]);
  });

  test('an aged conversation: Meta refuses the free text, the template goes to the phone, the reply follows the answer', async () => {
    const from = '358405550212';
    await s.http.post('/playground/api/customer/send', { from, name: 'Liisa', text: 'Hello?' });
    await waitFor(async () => (await s.http.get('/playground/api/giosg/umi-messages?since=0')).data.items.some((m: { text: string }) => m.text === 'Hello?'), 'relayed');
    const early = await s.http.post('/playground/api/customer/age', { from: '358409990000', hours: 25 });
    expect(early.status).toBe(409);
    const aged = await s.http.post('/playground/api/customer/age', { from, hours: 25 });
    expect(aged.status).toBe(200);
    await s.http.post('/playground/api/agent/reply', { threadId: from, text: 'Sorry for the wait!' });
    const invite = await waitFor(async () => {
      const r = await s.http.get(`/playground/api/customer/received?since=0&to=${from}`);
      return r.data.items.find((m: { text: string }) => m.text.includes('Hello Liisa'));
    }, 'template on the phone');
    expect(invite.text).toContain('Reply to this message');
    let r = await s.http.get(`/playground/api/customer/received?since=0&to=${from}`);
    expect(r.data.items.map((m: { text: string }) => m.text)).not.toContain('Sorry for the wait!');
    await s.http.post('/playground/api/customer/send', { from, name: 'Liisa', text: 'I am here' });
    await waitFor(async () => {
      r = await s.http.get(`/playground/api/customer/received?since=0&to=${from}`);
      return r.data.items.some((m: { text: string }) => m.text === 'Sorry for the wait!');
    }, 'held reply on the phone');
  });

  test('the phone pane sends a location and writes as a username-only customer; the agent’s reply reaches that customer by BSUID', async () => {
    const loc = await s.http.post('/playground/api/customer/send', { from: '358405550202', name: 'Liisa', type: 'location' });
    expect(loc.data).toMatchObject({ delivered: true, webhookStatus: 200 });
    const place = await waitFor(async () => (await s.http.get('/playground/api/giosg/umi-messages?since=0')).data.items.find((m: { threadId: string }) => m.threadId === '358405550202'), 'location in giosg');
    expect(place.text).toContain('[Location] Helsinki, Helsinki, Finland');
    expect(place.text).toContain('https://maps.google.com/?q=60.1699,24.9384');

    const u = await s.http.post('/playground/api/customer/send', { from: '358405550303', name: 'Liisa Virtanen', text: 'No number here', usernameOnly: true });
    expect(u.data).toMatchObject({ delivered: true, webhookStatus: 200 });
    const msg = await waitFor(async () => (await s.http.get('/playground/api/giosg/umi-messages?since=0')).data.items.find((m: { text: string }) => m.text === 'No number here'), 'username message in giosg');
    expect(msg).toMatchObject({ threadId: 'FI.358405550303', senderName: 'Liisa Virtanen (@liisa.virtanen)' });
    expect((await s.http.post('/playground/api/agent/reply', { threadId: 'FI.358405550303', text: 'Hello Liisa' })).data).toMatchObject({ delivered: true });
    const onPhone = await waitFor(async () => (await s.http.get('/playground/api/customer/received?since=0&to=FI.358405550303')).data.items.find((m: { text: string }) => m.text === 'Hello Liisa'), 'reply by BSUID');
    expect(onPhone.to).toBe('FI.358405550303');
  });

  test('bad input gets a 422 naming the field and reaches no simulator', async () => {
    const before = s.sb.graph.requests.length + s.sb.giosg.requests.length;
    const cases: [string, unknown, string][] = [
      ['/playground/api/customer/send', { from: 'abc', text: 'hi' }, 'from'],
      ['/playground/api/customer/send', { from: '358401234567', text: '   ' }, 'text'],
      ['/playground/api/agent/reply', { threadId: '358401234567' }, 'text'],
      ['/playground/api/admin/say', { chatId: DEMO.adminChatId }, 'text'],
      ['/playground/api/admin/say', { chatId: DEMO.adminChatId, text: 'renew', responseValue: 'have_token' }, 'text'],
      ['/playground/api/meta/mode', { mode: 'broken' }, 'mode'],
    ];
    for (const [url, body, field] of cases) {
      const r = await s.http.post(url, body);
      expect({ url, status: r.status }).toEqual({ url, status: 422 });
      expect(r.data.error.code).toBe('invalid_input');
      expect(r.data.error.details.path).toBe(field);
    }
    const malformed = await s.http.post('/playground/api/customer/send', '{"from":', { headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    const badCursor = await s.http.get('/playground/api/giosg/umi-messages?since=-1');
    expect(badCursor.status).toBe(422);
    expect(s.sb.graph.requests.length + s.sb.giosg.requests.length).toBe(before);
  });

  test('the admin says something to the bot through the giosg simulator, and alert chats are listed', async () => {
    const said = await s.http.post('/playground/api/admin/say', { chatId: DEMO.adminChatId, text: 'help', lang: 'fi' });
    expect(said.status).toBe(200);
    expect(typeof said.data.delivered).toBe('boolean');
    const msg = s.sb.giosg.adminMessages.find((m) => m.message === 'help')!;
    expect(msg).toMatchObject({ chat_id: DEMO.adminChatId, language: 'fi' });
    const listed = await s.http.get(`/playground/api/admin/chats/${DEMO.adminChatId}/messages`);
    expect(listed.data.items).toEqual(expect.arrayContaining([expect.objectContaining({ text: 'help', fromBot: false })]));

    // The bot opens an alert chat with the admin team through giosg's API: the page lists it.
    const tenant = (await s.sb.services.tenants.get('demo'))!;
    const client = s.sb.services.giosgFor(tenant);
    const { id } = await client.createChat(tenant.giosgBotUserId);
    await client.inviteTeam(tenant.giosgBotUserId, id, DEMO.giosgAdminTeamId);
    const chats = await s.http.get('/playground/api/admin/chats');
    expect(chats.data.chats[0]).toMatchObject({ id: DEMO.adminChatId, kind: 'bot' });
    expect(chats.data.chats).toEqual(expect.arrayContaining([expect.objectContaining({ id, kind: 'alert', invitedTeams: [DEMO.giosgAdminTeamId] })]));
    // UMI chats (customers') are not the admin's.
    const state = await simState(s.sb.giosg.url);
    const umiChat = state.chats.find((c: { umiChannelId?: string }) => c.umiChannelId);
    if (umiChat) expect(chats.data.chats.map((c: { id: string }) => c.id)).not.toContain(umiChat.id);
  });

  test('Meta controls: mint a working token (never logged or cached), expire tokens, change the mode', async () => {
    const minted = await s.http.post('/playground/api/meta/mint', {});
    expect(minted.status).toBe(200);
    expect(minted.headers['cache-control']).toBe('no-store');
    const token: string = minted.data.token;
    expect(token).toMatch(/^EAAG[\w-]{100,}$/);
    const tenant = (await s.sb.services.tenants.get('demo'))!;
    const debug = await s.sb.services.graph.debugToken({ inputToken: token, appId: tenant.metaAppId, appSecret: tenant.metaAppSecret });
    expect(debug).toMatchObject({ is_valid: true, app_id: DEMO.metaAppId });

    const expired = await s.http.post('/playground/api/meta/expire', {});
    expect(expired.status).toBe(200);
    expect(expired.data.expired).toContain(minted.data.fingerprint);
    const status = await s.http.get('/playground/api/status');
    expect(status.data.meta.tokens.every((t: { status: string }) => t.status === 'expired')).toBe(true);
    expect(status.data.channel).toEqual(expect.objectContaining({ tenantId: 'demo' }));

    const slow = await s.http.post('/playground/api/meta/mode', { mode: 'slow' });
    expect(slow.data.mode).toBe('slow');
    expect((await s.http.get('/playground/api/status')).data.meta.mode).toBe('slow');
    await s.http.post('/playground/api/meta/mode', { mode: 'ok' });

    expect(s.logs.text()).not.toContain(token);
  });
});

describe('playground when a simulator is gone', () => {
  test('answers 502 with what went wrong instead of an internal error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-gone-'));
    const db = await tempDatabase('sqlite');
    const s = await boot(dir, db, { workers: false });
    try {
      await s.sb.giosg.close();
      const r = await s.http.get('/playground/api/admin/chats');
      expect(r.status).toBe(502);
      expect(r.data.error.code).toBe('simulator_unreachable');
      // The simulator answering with an error is passed on as such, too.
      const g = await s.http.post('/playground/api/customer/send', { from: '358401234567', text: 'hi' });
      expect(g.status).toBe(200); // Graph simulator still up
    } finally {
      await s.sb.stop();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
