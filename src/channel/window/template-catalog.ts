// The WABA's message templates as Meta lists them (every page of GET
// /{waba-id}/message_templates, with the tenant's current token), and the checks a choice of
// re-engagement template must pass before it is stored: the template exists, is approved
// in that language, and takes exactly as many body parameters as are mapped for it. The bot
// dialog (dialogs/templates.ts) and the CLI (src/cli/template-commands.ts) both use this.
import type { Services } from '../../services';
import type { MetaTemplate } from '../../meta/graph-client';
import type { ReengagementTemplateRepo } from '../../store/reengagement-template-repo';
import { templateChoice, parseStoredParams, type TemplateChoice } from './template-params';

export interface CatalogTemplate {
  name: string;
  language: string;
  status: string;
  category: string | null;
  body: string | null;
  /** Distinct body placeholders ({{1}}, {{2}}… or named ones). */
  params: number;
  /** Placeholders outside the body (a text header): we send body parameters only. */
  headerParams: number;
}

export type ChoiceProblem =
  | { code: 'invalid'; vars: { detail: string } }
  | { code: 'not_found'; vars: { name: string } }
  | { code: 'language_missing'; vars: { name: string; language: string; languages: string } }
  | { code: 'not_approved'; vars: { name: string; language: string; status: string } }
  | { code: 'param_count'; vars: { name: string; expected: number; given: number } }
  | { code: 'header_params'; vars: { name: string } };

export type ChooseOutcome = { ok: true; list: TemplateChoice[] } | { ok: false; problems: ChoiceProblem[] };

/** Meta's page size ceiling is higher; 100 keeps each answer small. The page cap bounds a runaway cursor. */
const PAGE = 100;
const MAX_PAGES = 50;

const placeholders = (text: string | undefined): number => (text ? new Set([...text.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1])).size : 0);

export function toCatalogTemplate(t: MetaTemplate): CatalogTemplate {
  const body = t.components.find((c) => c.type.toUpperCase() === 'BODY');
  const header = t.components.find((c) => c.type.toUpperCase() === 'HEADER' && (c.format ?? 'TEXT').toUpperCase() === 'TEXT');
  return { name: t.name, language: t.language, status: t.status.toUpperCase(), category: t.category ?? null, body: body?.text ?? null, params: placeholders(body?.text), headerParams: placeholders(header?.text) };
}

export function validateChoice(catalog: CatalogTemplate[], choice: TemplateChoice): ChoiceProblem[] {
  const named = catalog.filter((t) => t.name === choice.name);
  if (named.length === 0) return [{ code: 'not_found', vars: { name: choice.name } }];
  const t = named.find((x) => x.language === choice.language);
  if (!t) return [{ code: 'language_missing', vars: { name: choice.name, language: choice.language, languages: named.map((x) => x.language).join(', ') } }];
  const problems: ChoiceProblem[] = [];
  if (t.status !== 'APPROVED') problems.push({ code: 'not_approved', vars: { name: t.name, language: t.language, status: t.status } });
  if (t.params !== choice.params.length) problems.push({ code: 'param_count', vars: { name: t.name, expected: t.params, given: choice.params.length } });
  if (t.headerParams > 0) problems.push({ code: 'header_params', vars: { name: t.name } });
  return problems;
}

export class TemplateCatalog {
  constructor(
    private readonly s: Services,
    private readonly repo: ReengagementTemplateRepo,
  ) {}

  /** Every template of the tenant's WABA, all statuses. Throws GraphError (token, permission…) for the caller to explain. */
  async list(tenantId: string): Promise<CatalogTemplate[]> {
    const tenant = await this.s.tenants.get(tenantId);
    if (!tenant) throw new Error(`unknown tenant ${tenantId}`);
    const current = await this.s.vault.current(tenantId);
    if (!current) throw new Error('no WhatsApp token is stored for this channel');
    const out: CatalogTemplate[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await this.s.graph.listTemplates({ wabaId: tenant.wabaId, token: current.token, appSecret: tenant.metaAppSecret, after, limit: PAGE });
      out.push(...r.templates.map(toCatalogTemplate));
      if (!r.after) break;
      after = r.after;
    }
    return out;
  }

  async current(tenantId: string): Promise<TemplateChoice[]> {
    return (await this.repo.list(tenantId)).map((t) => ({ name: t.name, language: t.language, params: parseStoredParams(t.params) }));
  }

  /**
   * Checks each choice against Meta's catalog and stores them (replacing the list, or added
   * after it) only when all pass: a bad choice changes nothing.
   */
  async choose(tenantId: string, choices: unknown[], actor: string, mode: 'replace' | 'add'): Promise<ChooseOutcome> {
    const parsed: TemplateChoice[] = [];
    for (const c of choices) {
      const r = templateChoice.safeParse(c);
      if (!r.success) return { ok: false, problems: [{ code: 'invalid', vars: { detail: r.error.issues.map((i) => `${i.path.join('.') || 'choice'}: ${i.message}`).join('; ') } }] };
      parsed.push(r.data);
    }
    const catalog = await this.list(tenantId);
    const problems = parsed.flatMap((c) => validateChoice(catalog, c));
    if (problems.length > 0) return { ok: false, problems };
    const list = mode === 'add' ? [...(await this.current(tenantId)).filter((c) => !parsed.some((p) => p.name === c.name && p.language === c.language)), ...parsed] : parsed;
    await this.repo.replace(tenantId, list.map((c) => ({ name: c.name, language: c.language, params: JSON.stringify(c.params) })), actor, this.s.clock.now());
    return { ok: true, list };
  }

  async clear(tenantId: string, actor: string): Promise<void> {
    await this.repo.replace(tenantId, [], actor, this.s.clock.now());
  }
}
