// The operator CLI against a real SQLite file; token commands validate against the Graph simulator.
import { runCli } from '../../src/cli';
import type { CliIO } from '../../src/cli';
import { tempDatabase, TempDb, TENANT, TEST_KEY, makeToken } from '../../testkit/harness';
import { startGraphSimulator, GraphSim } from '../../src/sandbox/graph';

function io(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => stdin };
  return { cli, out, err };
}

describe('cli', () => {
  let db: TempDb;
  let graph: GraphSim;
  const saved = { ...process.env };

  beforeEach(async () => {
    db = await tempDatabase('sqlite');
    graph = await startGraphSimulator({ appId: TENANT.metaAppId, appSecret: TENANT.metaAppSecret });
    graph.addPhone({ id: TENANT.phoneNumberId, wabaId: TENANT.wabaId, displayPhoneNumber: '+358 1', verifiedName: 'Acme' });
    process.env = {
      PATH: saved.PATH,
      SANDBOX: 'on',
      DATABASE_URL: db.url,
      TOKEN_ENCRYPTION_KEY: TEST_KEY.toString('base64'),
      TENANT_ID: TENANT.id,
      META_GRAPH_BASE_URL: graph.url,
      LOG_LEVEL: 'silent',
    };
  });
  afterEach(async () => {
    process.env = saved;
    await graph.close();
    await db.drop();
  });

  it('prints help', async () => {
    const a = io();
    expect(await runCli(['--help'], a.cli)).toBe(0);
    expect(a.out.join('\n')).toMatch(/tenant/);
    const b = io();
    expect(await runCli(['tenant', 'add', '--help'], b.cli)).toBe(0);
    expect(b.out.join('\n')).toMatch(/reads its JSON definition/);
  });

  it('migrates, adds, lists, shows and updates tenants without printing secrets', async () => {
    const m = io();
    expect(await runCli(['migrate'], m.cli)).toBe(0);
    expect(m.out[0]).toMatch(/applied: 0001_foundation/);
    const add = io(JSON.stringify(TENANT));
    expect(await runCli(['tenant', 'add'], add.cli)).toBe(0);
    const dup = io(JSON.stringify(TENANT));
    expect(await runCli(['tenant', 'add'], dup.cli)).toBe(1);
    expect(dup.err.join()).toMatch(/already exists/);
    const list = io();
    await runCli(['tenant', 'list'], list.cli);
    expect(list.out.join('\n')).toContain('t1');
    const show = io();
    await runCli(['tenant', 'show', 't1'], show.cli);
    const shown = show.out.join('\n');
    expect(shown).toContain(TENANT.phoneNumberId);
    expect(shown).not.toContain(TENANT.metaAppSecret);
    expect(shown).not.toContain(TENANT.giosgApiToken);
    const upd = io(JSON.stringify({ giosgAdminTeamId: 'team-9' }));
    expect(await runCli(['tenant', 'update', 't1'], upd.cli)).toBe(0);
    const show2 = io();
    await runCli(['tenant', 'show', 't1'], show2.cli);
    expect(show2.out.join('\n')).toContain('team-9');
  });

  it('rejects an invalid tenant definition, naming the field, and stores nothing', async () => {
    const bad = io(JSON.stringify({ ...TENANT, metaAppId: 'abc', giosgWebhookSecret: 'short' }));
    expect(await runCli(['tenant', 'add'], bad.cli)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/metaAppId: expected digits/);
    expect(bad.err.join('\n')).toMatch(/giosgWebhookSecret/);
    const list = io();
    await runCli(['tenant', 'list'], list.cli);
    expect(list.out).toEqual(['no tenants']);
    const notJson = io('{oops');
    expect(await runCli(['tenant', 'add'], notJson.cli)).toBe(1);
    expect(notJson.err.join()).toMatch(/not valid JSON/);
  });

  it('never takes a token from argv', async () => {
    const a = io();
    expect(await runCli(['token', 'set', 'EAAGsecret'], a.cli)).not.toBe(0);
  });

  it('token status shows fingerprints, never the token', async () => {
    await runCli(['tenant', 'add'], io(JSON.stringify(TENANT)).cli);
    const token = makeToken();
    graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], expiresAt: 0 });
    const set = io(`${token}\n`);
    const code = await runCli(['token', 'set'], set.cli);
    expect({ code, err: set.err }).toEqual({ code: 0, err: [] });
    const st = io();
    await runCli(['token', 'status'], st.cli);
    const text = st.out.join('\n');
    expect(text).toMatch(/current/);
    expect(text).not.toContain(token);
  });
});
