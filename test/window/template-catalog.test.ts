// The WABA's template catalog through the CLI (Meta's listing, every page) and the checks a
// re-engagement choice must pass: approved, in that language, one mapped parameter per body
// placeholder. A choice that fails changes nothing.
import { runCli, type CliIO } from '../../src/cli';
import { engines, Harness, TENANT } from '../../testkit/harness';
import { startChannelHarness } from '../channel/channel-helpers';
import { ReengagementTemplateRepo } from '../../src/store/reengagement-template-repo';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => '' };
  return { cli, out, err };
}

describe.each(engines)('template catalog and choice (%s)', (engine) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startChannelHarness({ engine, workers: false });
  });
  afterEach(async () => h.stop());

  const cli = async (...argv: string[]) => {
    const a = io();
    const code = await runCli(argv, a.cli, (fn) => fn(h.services));
    return { code, out: a.out.join('\n'), err: a.err.join('\n') };
  };
  const stored = () => new ReengagementTemplateRepo(h.services.store.db).list(TENANT.id);

  test('list shows every template with status and parameter count, across pages', async () => {
    const r = await cli('templates', 'list', '--tenant', TENANT.id);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/reopen_conversation\ten\tAPPROVED\tUTILITY\t1/);
    expect(r.out).toMatch(/answer_waiting\ten_US\tAPPROVED\tUTILITY\t2/);
    expect(r.out).toMatch(/spring_sale\ten\tREJECTED/);
    expect(r.out).toMatch(/old_followup\ten\tPAUSED/);
    expect(r.out).toContain('8 templates, 4 approved');
    // A large catalog comes in pages of 100: all of it is listed.
    for (let i = 0; i < 150; i++) h.graph.templates.push({ id: String(i), wabaId: TENANT.wabaId, name: `bulk_${i}`, language: 'en', status: 'APPROVED', category: 'UTILITY', body: 'Hi {{1}}' });
    const before = h.graph.requests.length;
    const big = await cli('templates', 'list', '--tenant', TENANT.id);
    expect(big.out).toContain('158 templates, 154 approved');
    expect(big.out).toContain('bulk_149');
    expect(h.graph.requests.slice(before).filter((q) => q.path.endsWith('/message_templates')).length).toBe(2);
  });

  test('set stores an approved choice (audited); show and list mark it; add appends a fallback; clear empties', async () => {
    const set = await cli('templates', 'set', 'reopen_conversation', 'en', '--param', 'customer_name:friend', '--tenant', TENANT.id);
    expect(set.code).toBe(0);
    expect(set.out).toContain('reopen_conversation (en)');
    expect((await stored()).map((t) => [t.name, t.language, JSON.parse(t.params)])).toEqual([['reopen_conversation', 'en', [{ from: 'customer_name', fallback: 'friend' }]]]);
    const audit = await h.services.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'templates.chosen').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toMatch(/^cli:/);
    const add = await cli('templates', 'add', 'answer_waiting', 'en_US', '--param', 'customer_name', '--param', 'reply', '--tenant', TENANT.id);
    expect(add.code).toBe(0);
    const show = await cli('templates', 'show', '--tenant', TENANT.id);
    expect(show.out).toContain("#1 reopen_conversation (en): the customer's name");
    expect(show.out).toContain("#2 answer_waiting (en_US): the customer's name, the agent's reply");
    const list = await cli('templates', 'list', '--tenant', TENANT.id);
    expect(list.out).toMatch(/reopen_conversation\ten\tAPPROVED\tUTILITY\t1\t#1/);
    expect((await cli('templates', 'clear', '--tenant', TENANT.id)).code).toBe(0);
    expect(await stored()).toHaveLength(0);
  });

  test.each([
    [['nope_template', 'en'], 'there is no template named “nope_template”'],
    [['reopen_conversation', 'de', '--param', 'reply'], '“reopen_conversation” has no de version (it has: en, fi, sv)'],
    [['spring_sale', 'en', '--param', 'reply'], '“spring_sale” (en) is not approved: its status is REJECTED'],
    [['old_followup', 'en', '--param', 'reply'], 'its status is PAUSED'],
    [['reopen_conversation', 'en'], '“reopen_conversation” takes 1 body parameters but 0 are mapped'],
    [['answer_waiting', 'en_US', '--param', 'reply'], 'takes 2 body parameters but 1 are mapped'],
    [['Bad Name', 'en'], 'the choice is not valid: name:'],
  ])('a bad choice %j is refused with a clear reason and changes nothing', async (args, reason) => {
    await cli('templates', 'set', 'reopen_conversation', 'fi', '--param', 'customer_name', '--tenant', TENANT.id);
    const r = await cli('templates', 'set', ...args, '--tenant', TENANT.id);
    expect(r.code).toBe(1);
    expect(r.err).toContain(reason);
    expect(r.err).toContain('nothing was changed');
    expect((await stored()).map((t) => t.language)).toEqual(['fi']);
  });

  test('a bad --param and a token without management scope get clear errors', async () => {
    const bad = await cli('templates', 'set', 'reopen_conversation', 'en', '--param', 'phone', '--tenant', TENANT.id);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('expected reply, customer_name');
    h.graph.removeScope(h.token, 'whatsapp_business_management');
    const denied = await cli('templates', 'list', '--tenant', TENANT.id);
    expect(denied.code).toBe(1);
    expect(denied.err).toContain('Meta refused the template listing');
    expect(denied.err + denied.out).not.toContain(h.token);
  });
});
