// SQL for the templates a tenant chose to re-open a customer's 24-hour window. Replaced as
// a whole list (one transaction), in the order they are tried.
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export interface StoredTemplateChoice {
  name: string;
  language: string;
  /** JSON-encoded parameter sources. */
  params: string;
  chosenBy: string;
  createdAt: number;
}

export class ReengagementTemplateRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async list(tenantId: string): Promise<StoredTemplateChoice[]> {
    const rows = await this.db.selectFrom('reengagement_templates').selectAll().where('tenant_id', '=', tenantId).orderBy('position').execute();
    return rows.map((r) => ({ name: r.name, language: r.language, params: r.params, chosenBy: r.chosen_by, createdAt: Number(r.created_at) }));
  }

  async replace(tenantId: string, list: Array<{ name: string; language: string; params: string }>, actor: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('reengagement_templates').where('tenant_id', '=', tenantId).execute();
      // Who chose which templates, for the audit trail (names and languages only).
      await trx
        .insertInto('audit_log')
        .values({ tenant_id: tenantId, actor, action: 'templates.chosen', version_id: null, detail: JSON.stringify({ templates: list.map((t) => `${t.name}/${t.language}`) }), created_at: now })
        .execute();
      for (const [position, t] of list.entries()) {
        await trx
          .insertInto('reengagement_templates')
          .values({ tenant_id: tenantId, position, name: t.name, language: t.language, params: t.params, chosen_by: actor, created_at: now })
          .execute();
      }
    });
  }
}
