// `templates list|show|set|add|clear`: the WABA's message templates as Meta lists them, and
// the re-engagement templates chosen for a tenant (checked against that list first: a
// choice that does not pass changes nothing). Parameters map each body placeholder, in
// order, to `reply` (the agent's held reply), `customer_name[:fallback]` or `text:<value>`.
import type { Command } from 'commander';
import { CliIO, CliFailure } from './cli-io';
import type { Services } from '../services';
import { TemplateCatalog } from '../channel/window/template-catalog';
import { ReengagementTemplateRepo } from '../store/reengagement-template-repo';
import type { ParamSource } from '../channel/window/template-params';
import { GraphError } from '../meta/graph-errors';
import { translator } from '../i18n';

type Open = <T>(fn: (s: Services) => Promise<T>) => Promise<T>;

const collect = (v: string, prev: string[]) => [...prev, v];

export function parseParamSpec(spec: string): ParamSource {
  if (spec === 'reply') return { from: 'reply' };
  if (spec === 'customer_name') return { from: 'customer_name' };
  if (spec.startsWith('customer_name:')) return { from: 'customer_name', fallback: spec.slice('customer_name:'.length) };
  if (spec.startsWith('text:')) return { from: 'text', value: spec.slice('text:'.length) };
  throw new CliFailure(`--param ${spec}: expected reply, customer_name, customer_name:<fallback> or text:<value>`);
}

export function describeSource(p: ParamSource, locale: 'en' | 'fi' | 'sv' = 'en'): string {
  const t = translator(locale);
  return p.from === 'text' ? t('window:catalog.source.text', { value: p.value }) : t(`window:catalog.source.${p.from}`);
}

export function templateCommands(program: Command, io: CliIO, open: Open): void {
  const templates = program.command('templates').description('message templates: the WABA catalog and the re-engagement choice');
  const catalogOf = (s: Services) => new TemplateCatalog(s, new ReengagementTemplateRepo(s.store.db));
  const tenantOf = async (s: Services, id?: string) => {
    const tenantId = id ?? s.config.tenantId;
    if (!(await s.tenants.get(tenantId))) throw new CliFailure(`no tenant ${tenantId}`);
    return tenantId;
  };
  const metaFailure = (err: unknown) => (err instanceof GraphError ? new CliFailure(`Meta refused the template listing: ${err.reason} (code ${err.code ?? '-'})`) : err);

  templates
    .command('list')
    .description("list the WABA's message templates (all pages) with status, language and body parameter count")
    .option('--tenant <id>', 'tenant id (default: TENANT_ID)')
    .action(async (o: { tenant?: string }) => {
      await open(async (s) => {
        const tenantId = await tenantOf(s, o.tenant);
        const catalog = catalogOf(s);
        const [all, chosen] = await Promise.all([catalog.list(tenantId).catch((e) => Promise.reject(metaFailure(e))), catalog.current(tenantId)]);
        io.out(['name', 'language', 'status', 'category', 'params', 'chosen'].join('\t'));
        for (const t of all) {
          const at = chosen.findIndex((c) => c.name === t.name && c.language === t.language);
          io.out([t.name, t.language, t.status, t.category ?? '-', t.params, at >= 0 ? `#${at + 1}` : ''].join('\t'));
        }
        io.out(`${all.length} templates, ${all.filter((t) => t.status === 'APPROVED').length} approved`);
      });
    });

  templates
    .command('show')
    .description('show the re-engagement templates chosen for the tenant, in the order they are tried')
    .option('--tenant <id>', 'tenant id (default: TENANT_ID)')
    .action(async (o: { tenant?: string }) => {
      await open(async (s) => {
        const tenantId = await tenantOf(s, o.tenant);
        const chosen = await catalogOf(s).current(tenantId);
        if (chosen.length === 0) io.out(`tenant ${tenantId}: no re-engagement template chosen (replies outside the 24-hour window are held until the customer writes)`);
        for (const [i, c] of chosen.entries()) io.out(`#${i + 1} ${c.name} (${c.language}): ${c.params.map((p) => describeSource(p)).join(', ') || 'no parameters'}`);
      });
    });

  for (const mode of ['set', 'add'] as const) {
    templates
      .command(`${mode} <name> <language>`)
      .description(mode === 'set' ? 'make this approved template the only re-engagement template' : 'add this approved template after the chosen ones (tried when they fail)')
      .option('--tenant <id>', 'tenant id (default: TENANT_ID)')
      .option('--param <source>', 'one per body placeholder, in order: reply | customer_name[:fallback] | text:<value>', collect, [] as string[])
      .addHelpText('after', `\nExample:\n  npm run cli -- templates ${mode} reopen_conversation en --param customer_name`)
      .action(async (name: string, language: string, o: { tenant?: string; param: string[] }) => {
        const params = o.param.map(parseParamSpec);
        await open(async (s) => {
          const tenantId = await tenantOf(s, o.tenant);
          const r = await catalogOf(s)
            .choose(tenantId, [{ name, language, params }], `cli:${s.config.operator}`, mode === 'set' ? 'replace' : 'add')
            .catch((e) => Promise.reject(metaFailure(e)));
          const t = translator('en');
          if (!r.ok) throw new CliFailure(`not chosen: ${r.problems.map((p) => t(`window:catalog.problem.${p.code}`, p.vars)).join('; ')}; nothing was changed`);
          io.out(`re-engagement templates for ${tenantId}: ${r.list.map((c) => `${c.name} (${c.language})`).join(', ')}`);
        });
      });
  }

  templates
    .command('clear')
    .description('choose no re-engagement template (replies outside the window are then held until the customer writes)')
    .option('--tenant <id>', 'tenant id (default: TENANT_ID)')
    .action(async (o: { tenant?: string }) => {
      await open(async (s) => {
        const tenantId = await tenantOf(s, o.tenant);
        await catalogOf(s).clear(tenantId, `cli:${s.config.operator}`);
        io.out(`tenant ${tenantId}: no re-engagement template chosen`);
      });
    });
}
