import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { loadConfig, ConfigError, DEFAULT_RETENTION } from '../../src/config';

const full = {
  META_APP_ID: '123',
  META_APP_SECRET: 's3cret',
  META_VERIFY_TOKEN: 'verify',
  WHATSAPP_BUSINESS_ACCOUNT_ID: '456',
  WHATSAPP_PHONE_NUMBER_ID: '789',
  GIOSG_API_TOKEN: 'gt',
  GIOSG_ORGANIZATION_ID: 'org',
  GIOSG_BOT_USER_ID: 'bot',
  GIOSG_WEBHOOK_SECRET: '0123456789abcdef',
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  PUBLIC_BASE_URL: 'https://wa.example.com/',
};

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('selects the sandbox when no credentials are set', () => {
    const c = loadConfig({});
    expect(c.sandbox).toBe(true);
    expect(c.databaseUrl).toBe('sqlite:./data/bot.sqlite');
    expect(c.port).toBe(3000);
    expect(c.sendRatePerSecond).toBe(80);
    expect(c.tenantSeed).toBeUndefined();
  });

  it('parses a full production environment with defaults', () => {
    const c = loadConfig(full);
    expect(c.sandbox).toBe(false);
    expect(c.publicBaseUrl).toBe('https://wa.example.com');
    expect(c.graph).toEqual({ baseUrl: 'https://graph.facebook.com', version: 'v25.0' });
    expect(c.giosgBaseUrl).toBe('https://service.giosg.com');
    expect(c.tenantSeed?.id).toBe('default');
    expect(c.tenantSeed?.phoneNumberId).toBe('789');
    expect(c.encryptionKeys).toHaveLength(1);
    expect(c.linkTtlMs).toBe(15 * 60_000);
  });

  it('retention: safe defaults, days (fractions allowed) as milliseconds, bad values named', () => {
    expect(loadConfig({}).retention).toEqual(DEFAULT_RETENTION);
    const c = loadConfig({ RETENTION_WEBHOOK_BODY_DAYS: '1', RETENTION_MESSAGES_DAYS: '0.5', RETENTION_DEDUPE_DAYS: '10', PRUNE_INTERVAL_MS: '5000', PRUNE_BATCH: '100' });
    expect(c.retention).toMatchObject({ webhookBodyMs: 86_400_000, messagesMs: 43_200_000, dedupeMs: 864_000_000, statusMs: 30 * 86_400_000, intervalMs: 5000, batch: 100 });
    const p = problems({ RETENTION_MESSAGES_DAYS: 'forever', RETENTION_AUDIT_DAYS: '-1', PRUNE_BATCH: '0' });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^RETENTION_MESSAGES_DAYS: expected a number of days/),
        expect.stringMatching(/^RETENTION_AUDIT_DAYS: expected a number of days/),
        expect.stringMatching(/^PRUNE_BATCH: expected an integer from 10/),
      ]),
    );
  });

  it('names the variable in each problem, one line each', () => {
    const p = problems({ DATABASE_URL: 'mysql://x', PORT: 'eighty', SEND_RATE_PER_SECOND: '0', TOKEN_ENCRYPTION_KEY: 'short' });
    expect(p).toEqual(
      expect.arrayContaining([
        'DATABASE_URL: expected sqlite:… or postgres://…',
        expect.stringMatching(/^PORT: expected an integer/),
        expect.stringMatching(/^SEND_RATE_PER_SECOND: expected an integer from 1/),
        expect.stringMatching(/^TOKEN_ENCRYPTION_KEY: expected 32 bytes/),
      ]),
    );
    expect(p.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('lists every missing credential when only some are set', () => {
    const p = problems({ META_APP_ID: '1', TOKEN_ENCRYPTION_KEY: full.TOKEN_ENCRYPTION_KEY, PUBLIC_BASE_URL: 'https://x.example' });
    expect(p.some((l) => l.startsWith('META_APP_SECRET: required'))).toBe(true);
    expect(p.some((l) => l.startsWith('GIOSG_WEBHOOK_SECRET: required'))).toBe(true);
    expect(p.some((l) => l.startsWith('META_APP_ID'))).toBe(false);
  });

  it('requires an encryption key and a public URL outside the sandbox', () => {
    const { TOKEN_ENCRYPTION_KEY: _k, PUBLIC_BASE_URL: _u, ...rest } = full;
    const p = problems(rest);
    expect(p.some((l) => l.startsWith('TOKEN_ENCRYPTION_KEY: required'))).toBe(true);
    expect(p.some((l) => l.startsWith('PUBLIC_BASE_URL: required'))).toBe(true);
  });

  it('refuses the sandbox while real credentials are present', () => {
    const p = problems({ ...full, SANDBOX: 'on' });
    expect(p[0]).toMatch(/^SANDBOX: refusing to run the sandbox/);
  });

  it('rejects malformed ids and versions', () => {
    const p = problems({ ...full, META_APP_ID: 'abc', META_GRAPH_VERSION: '25', TENANT_ID: 'Bad Id' });
    expect(p).toEqual(expect.arrayContaining([expect.stringMatching(/^META_APP_ID:/), expect.stringMatching(/^META_GRAPH_VERSION:/), expect.stringMatching(/^TENANT_ID:/)]));
  });

  it('accepts postgres URLs and old keys for rotation', () => {
    const c = loadConfig({ ...full, DATABASE_URL: 'postgres://u@h/db', TOKEN_ENCRYPTION_OLD_KEYS: Buffer.alloc(32, 2).toString('base64') });
    expect(c.databaseUrl).toBe('postgres://u@h/db');
    expect(c.encryptionKeys).toHaveLength(2);
  });

  const built = path.resolve(__dirname, '../../dist/src/main.js');
  (fs.existsSync(built) ? it : it.skip)('the server exits 1 with one clear line per problem and no stack trace', () => {
    const r = spawnSync(process.execPath, [built], {
      env: { PATH: process.env.PATH, DATABASE_URL: 'mysql://nope', PORT: '-1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DATABASE_URL: expected sqlite:… or postgres://…');
    expect(r.stderr).toMatch(/PORT: expected an integer/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
