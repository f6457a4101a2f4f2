// The playground's "install the app for a new organization": the giosg simulator plays the
// install trigger, the playground then shows two tenants, and the new organization's setup
// chat is played through to the end (ids, app secret link, a minted token), on SQLite and
// PostgreSQL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { startSandbox, type Sandbox } from '../../src/sandbox/boot';
import { DEMO } from '../../src/sandbox/demo-tenant';
import { createLogger } from '../../src/log';
import { engines, LogCapture, tempDatabase, testConfig, waitFor, type TempDb } from '../../testkit/harness';
import { openAndSubmit } from '../../testkit/link-client';

describe.each(engines)('playground: a second organization installs the App (%s)', (engine) => {
  let dir: string;
  let db: TempDb;
  let sb: Sandbox;
  let http: AxiosInstance;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-app-'));
    db = await tempDatabase(engine);
    sb = await startSandbox(testConfig({ sandbox: true, encryptionKeys: [], databaseUrl: db.url, port: 0, tenantId: 'demo', logLevel: 'debug' }), {
      dataDir: dir,
      logger: createLogger('debug', new LogCapture()),
    });
    http = axios.create({ baseURL: sb.url, validateStatus: () => true, timeout: 15_000 });
  });
  afterEach(async () => {
    await sb.stop();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the button installs, the selector shows two tenants, and the new one is set up in its chat', async () => {
    const page = await http.get('/playground');
    expect(page.data).toContain('Install the app for a new organization');
    expect(page.data).toContain('id="tenant-select"');
    expect((await http.get('/playground/api/tenants')).data.tenants).toHaveLength(1);

    const installed = await http.post('/playground/api/app/install', {});
    expect(installed.status).toBe(200);
    const tenantId: string = installed.data.tenantId;
    const { tenants } = (await http.get('/playground/api/tenants')).data;
    expect(tenants.map((t: { id: string; kind: string; lifecycle: string | null }) => [t.id, t.kind, t.lifecycle])).toEqual([
      ['demo', 'demo', null],
      [tenantId, 'app', 'awaiting_setup'],
    ]);

    const q = `?tenant=${encodeURIComponent(tenantId)}`;
    const chats = await waitFor(async () => {
      const r = (await http.get(`/playground/api/admin/chats${q}`)).data.chats;
      return r.length ? r : null;
    }, 'setup chat');
    expect(chats[0].kind).toBe('setup');
    const chatId: string = chats[0].id;
    const messages = async () => (await http.get(`/playground/api/admin/chats/${encodeURIComponent(chatId)}/messages${q}`)).data.items as { fromBot: boolean; text: string }[];
    const botSaid = async (n: number) => waitFor(async () => {
      const bot = (await messages()).filter((m) => m.fromBot);
      return bot.length >= n ? bot : null;
    }, `bot message ${n}`);
    expect((await botSaid(1))[0].text).toContain('WhatsApp Business Account id');
    // The demo tenant's pane is untouched by the other organization's chat.
    expect((await http.get('/playground/api/admin/chats')).data.chats.map((c: { id: string }) => c.id)).not.toContain(chatId);

    const side = (await http.get('/playground/api/app/meta-side')).data;
    expect(side).toMatchObject({ wabaId: DEMO.wabaId, phoneNumberId: DEMO.phoneNumberId, appId: DEMO.metaAppId });
    const say = async (text: string) => expect((await http.post('/playground/api/admin/say', { tenant: tenantId, chatId, text })).data.delivered).toBe(true);
    await say(side.wabaId);
    await say(side.phoneNumberId);
    await say(side.appId);
    const bot = await botSaid(4);
    const linkPath = (text: string) => new URL(/https?:\/\/\S+\/t\/\S+/.exec(text)![0]).pathname;
    expect((await openAndSubmit({ url: sb.url }, linkPath(bot[3].text), side.appSecret)).status).toBe(200);
    const tokenLink = await waitFor(async () => (await messages()).find((m) => m.fromBot && m.text.includes('System User access token')), 'token link');
    const { token } = (await http.post('/playground/api/meta/mint', {})).data;
    expect((await openAndSubmit({ url: sb.url }, linkPath(tokenLink.text), token)).status).toBe(200);
    await waitFor(async () => (await messages()).find((m) => m.fromBot && m.text.startsWith('All set!')), 'summary');
    expect((await http.get('/playground/api/tenants')).data.tenants[1].lifecycle).toBe('active');
    expect((await http.get(`/playground/api/status${q}`)).data.channel.paused).toBe(false);
  });

  it('an unknown tenant in the selector is a 404, not the demo tenant', async () => {
    const r = await http.get('/playground/api/admin/chats?tenant=giosg-nope');
    expect(r.status).toBe(404);
  });
});
