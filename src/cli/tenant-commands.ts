// `tenant add|list|show|update`. Tenant definitions (with secrets) come as JSON on stdin.
import type { Command } from 'commander';
import { z } from 'zod';
import { CliIO, CliFailure } from './cli-io';
import type { Services } from '../services';
import type { Tenant } from '../vault/tenants';
import { fingerprint } from '../vault/crypto';

type Open = <T>(fn: (s: Services) => Promise<T>) => Promise<T>;

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected lowercase letters, digits, - or _');
const numeric = z.string().regex(/^\d+$/, 'expected digits');
const text = z.string().trim().min(1, 'required');

const tenantSchema = z.object({
  id,
  name: text.optional(),
  metaAppId: numeric,
  metaAppName: text.nullish(),
  metaAppSecret: text,
  metaVerifyToken: text,
  wabaId: numeric,
  phoneNumberId: numeric,
  giosgApiToken: text,
  giosgOrganizationId: text,
  giosgBotUserId: text,
  giosgWebhookSecret: z.string().min(16, 'expected at least 16 characters'),
  giosgAdminTeamId: text.nullish(),
  giosgUmiChannelId: text.nullish(),
  defaultLocale: z.enum(['en', 'fi', 'sv']).optional(),
}).strict();

const patchSchema = tenantSchema.omit({ id: true }).partial().strict();

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new CliFailure('stdin is not valid JSON');
  }
}

function explain(err: z.ZodError): string {
  return err.issues.map((i) => `  ${i.path.join('.') || '(input)'}: ${i.message}`).join('\n');
}

/** Secrets are shown as fingerprints only. */
export function describeTenant(t: Tenant): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    metaAppId: t.metaAppId,
    metaAppName: t.metaAppName,
    metaAppSecret: `sha256:${fingerprint(t.metaAppSecret)}`,
    metaVerifyToken: `sha256:${fingerprint(t.metaVerifyToken)}`,
    wabaId: t.wabaId,
    phoneNumberId: t.phoneNumberId,
    giosgApiToken: `sha256:${fingerprint(t.giosgApiToken)}`,
    giosgOrganizationId: t.giosgOrganizationId,
    giosgBotUserId: t.giosgBotUserId,
    giosgWebhookSecret: `sha256:${fingerprint(t.giosgWebhookSecret)}`,
    giosgAdminTeamId: t.giosgAdminTeamId,
    giosgUmiChannelId: t.giosgUmiChannelId,
    defaultLocale: t.defaultLocale,
  };
}

export function tenantCommands(program: Command, io: CliIO, open: Open): void {
  const tenant = program.command('tenant').description('manage tenants (a giosg organization with its WhatsApp number)');

  tenant
    .command('add')
    .description('add a tenant; reads its JSON definition (including secrets) from stdin')
    .addHelpText(
      'after',
      '\nExample:\n  npm run cli -- tenant add < acme.json\n\nFields: id, name?, metaAppId, metaAppName?, metaAppSecret, metaVerifyToken, wabaId, phoneNumberId,\n  giosgApiToken, giosgOrganizationId, giosgBotUserId, giosgWebhookSecret, giosgAdminTeamId?, giosgUmiChannelId?, defaultLocale? (en|fi|sv)',
    )
    .action(async () => {
      const parsed = tenantSchema.safeParse(parseJson(await io.readStdin()));
      if (!parsed.success) throw new CliFailure(`invalid tenant definition:\n${explain(parsed.error)}`);
      await open(async (s) => {
        if (await s.tenants.get(parsed.data.id)) throw new CliFailure(`tenant ${parsed.data.id} already exists (use tenant update)`);
        const t = await s.tenants.add(parsed.data);
        io.out(`added tenant ${t.id}`);
      });
    });

  tenant
    .command('list')
    .description('list tenants')
    .action(async () => {
      await open(async (s) => {
        const all = await s.tenants.list();
        if (all.length === 0) io.out('no tenants');
        for (const t of all) io.out(`${t.id}\t${t.name}\tphone ${t.phoneNumberId}\twaba ${t.wabaId}\tgiosg org ${t.giosgOrganizationId}`);
      });
    });

  tenant
    .command('show')
    .argument('<id>', 'tenant id')
    .description('show one tenant (secrets as fingerprints)')
    .action(async (tenantId: string) => {
      await open(async (s) => {
        const t = await s.tenants.get(tenantId);
        if (!t) throw new CliFailure(`no tenant ${tenantId}`);
        io.out(JSON.stringify(describeTenant(t), null, 2));
      });
    });

  tenant
    .command('update')
    .argument('<id>', 'tenant id')
    .description('change fields of a tenant; reads a JSON object with the fields to change from stdin')
    .action(async (tenantId: string) => {
      const parsed = patchSchema.safeParse(parseJson(await io.readStdin()));
      if (!parsed.success) throw new CliFailure(`invalid tenant fields:\n${explain(parsed.error)}`);
      await open(async (s) => {
        const t = await s.tenants.update(tenantId, parsed.data);
        if (!t) throw new CliFailure(`no tenant ${tenantId}`);
        io.out(`updated tenant ${tenantId}: ${Object.keys(parsed.data).join(', ') || 'nothing'}`);
      });
    });
}
