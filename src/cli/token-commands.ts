// `token status|set|rollback`. The token is read from stdin and is never printed: status
// shows its fingerprint (first 8 hex of SHA-256) only.
import type { Command } from 'commander';
import { CliIO, CliFailure } from './cli-io';
import type { Services } from '../services';
import { rollbackToken } from '../vault/swap';
import { describeDiagnosis } from '../vault/validation-messages';

type Open = <T>(fn: (s: Services) => Promise<T>) => Promise<T>;

const fmt = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '-');

export function ageText(ms: number): string {
  const mins = Math.floor(ms / 60_000);
  if (mins < 60) return `${mins} min`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

export function tokenCommands(program: Command, io: CliIO, open: Open): void {
  const token = program.command('token').description('the WhatsApp access token vault');

  token
    .command('status')
    .description('show token versions: stage, age, last validation, fingerprint (never the token)')
    .option('--tenant <id>', 'tenant id (default: TENANT_ID)')
    .action(async (o: { tenant?: string }) => {
      await open(async (s) => {
        const tenantId = o.tenant ?? s.config.tenantId;
        if (!(await s.tenants.get(tenantId))) throw new CliFailure(`no tenant ${tenantId}`);
        const versions = await s.vault.versions(tenantId, 10);
        if (versions.length === 0) {
          io.out(`tenant ${tenantId}: no token stored`);
          return;
        }
        const now = s.clock.now();
        io.out(`tenant ${tenantId}`);
        io.out(['version', 'stage', 'fingerprint', 'age', 'validated', 'expires', 'source', 'by'].join('\t'));
        for (const v of versions) {
          io.out(
            [
              v.id,
              v.stage,
              v.fingerprint,
              ageText(now - v.created_at),
              fmt(v.validated_at),
              v.validated_at ? (v.expires_at ? fmt(v.expires_at) : 'never') : '-',
              v.source,
              v.created_by,
            ].join('\t'),
          );
        }
      });
    });

  token
    .command('set')
    .description('store a new token read from stdin; it is validated against Meta before it becomes current')
    .option('--tenant <id>', 'tenant id (default: TENANT_ID)')
    .addHelpText('after', '\nExample:\n  npm run cli -- token set < token.txt\n  (the token is never accepted as an argument)')
    .action(async (o: { tenant?: string }) => {
      const raw = (await io.readStdin()).trim();
      if (!raw) throw new CliFailure('no token on stdin');
      await open(async (s) => {
        const tenantId = o.tenant ?? s.config.tenantId;
        if (!(await s.tenants.get(tenantId))) throw new CliFailure(`no tenant ${tenantId}`);
        const r = await s.vault.submit(tenantId, raw, `cli:${s.config.operator}`, 'cli');
        if (!r.ok) {
          const why = r.diagnosis ? describeDiagnosis(r.diagnosis, 'en') : r.reason;
          throw new CliFailure(`token rejected (${why}); the current token is unchanged`);
        }
        io.out(`token version ${r.versionId} is now current`);
      });
    });

  token
    .command('rollback')
    .description('re-promote the previous token (validated first) as a new version')
    .option('--tenant <id>', 'tenant id (default: TENANT_ID)')
    .action(async (o: { tenant?: string }) => {
      await open(async (s) => {
        const tenantId = o.tenant ?? s.config.tenantId;
        if (!(await s.tenants.get(tenantId))) throw new CliFailure(`no tenant ${tenantId}`);
        const r = await rollbackToken(s, tenantId, `cli:${s.config.operator}`);
        if (!r.ok) {
          const why = r.diagnosis ? describeDiagnosis(r.diagnosis, 'en') : r.reason;
          throw new CliFailure(`rollback failed (${why}); the current token is unchanged`);
        }
        io.out(`previous token restored as version ${r.versionId}`);
      });
    });
}
