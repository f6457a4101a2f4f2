// One real service for a test: simulators on loopback, a real database (a fresh SQLite
// file, or a fresh schema on PostgreSQL), the real composed app listening on a port.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import type { Config } from '../src/config';
import { compose, type Composed } from '../src/compose';
import type { ChannelControl } from '../src/channel/channel-types';
import type { BotRuntime } from '../src/bot/install';
import type { LinkIssuer } from '../src/links/link-types';
import { createLogger } from '../src/log';
import type { Clock } from '../src/clock';
import type { Services } from '../src/services';
import type { Tenant } from '../src/vault/tenants';
import type { Express } from 'express';
import { startGraphSimulator, GraphSim } from '../src/sandbox/graph';
import { startGiosgSimulator, GiosgSim } from '../src/sandbox/giosg';

export const PG_URL = process.env.TEST_DATABASE_URL;
export const engines: Array<'sqlite' | 'postgres'> = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
if (!PG_URL && !(global as any).__pgSkipAnnounced) {
  (global as any).__pgSkipAnnounced = true;
  // Visible on purpose: a laptop without PostgreSQL still passes, but says what it skipped.
  console.warn('TEST_DATABASE_URL is not set: PostgreSQL variants of the store tests are skipped');
}

export const TEST_KEY = Buffer.alloc(32, 7);

export const TENANT = {
  id: 't1',
  metaAppId: '100200300',
  metaAppName: 'Acme WhatsApp',
  metaAppSecret: 'app-secret-0123456789abcdef',
  metaVerifyToken: 'verify-me-please',
  wabaId: '555000111',
  phoneNumberId: '777000222',
  giosgApiToken: 'giosg-api-token-abcdef',
  giosgOrganizationId: 'org-1',
  giosgBotUserId: 'bot-user-1',
  giosgWebhookSecret: 'whsec-0123456789abcdef',
  giosgAdminTeamId: 'team-admins',
  giosgUmiChannelId: 'umi-1',
  defaultLocale: 'en' as const,
};

/** The giosg App the simulator installs; tests enable the trigger route with `config: { giosgApp: TEST_APP }`. */
export const TEST_APP = { appId: 'app-7f3c9a', appSecret: 'giosg-app-secret-0123456789abcdef' };

/** A token with a shape Meta would issue (opaque, long). Unique per call so tests can grep for it. */
export function makeToken(): string {
  return `EAAG${randomBytes(90).toString('base64url')}`;
}

export interface TempDb {
  url: string;
  file?: string;
  drop(): Promise<void>;
}

export async function tempDatabase(engine: 'sqlite' | 'postgres'): Promise<TempDb> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-test-'));
    const file = path.join(dir, 'bot.sqlite');
    return { url: `sqlite:${file}`, file, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  if (!PG_URL) throw new Error('TEST_DATABASE_URL not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const sep = PG_URL.includes('?') ? '&' : '?';
  return {
    url: `${PG_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

export function testConfig(over: Partial<Config> = {}): Config {
  return {
    port: 0,
    publicBaseUrl: 'http://127.0.0.1:0',
    databaseUrl: 'sqlite::memory:',
    encryptionKeys: [TEST_KEY],
    sandbox: false,
    tenantId: TENANT.id,
    graph: { baseUrl: 'http://127.0.0.1:9', version: 'v25.0' },
    giosgBaseUrl: 'http://127.0.0.1:9',
    sendRatePerSecond: 80,
    markRead: true,
    deliveryTicks: 'all',
    // Off unless a test is about it: the check's own Graph calls would race request counts.
    wiringCheck: false,
    linkTtlMs: 15 * 60_000,
    alertReminderMs: 4 * 3_600_000,
    tokenHealthIntervalMs: 3_600_000,
    defaultLocale: 'en',
    logLevel: 'debug',
    cliLogLevel: 'warn',
    operator: 'tester',
    ...over,
  };
}

/** Collects every log line so tests can prove a secret never reached the log. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(chunk.toString('utf8'));
    cb();
  }
  text(): string {
    return this.lines.join('');
  }
}

export interface Harness {
  graph: GraphSim;
  giosg: GiosgSim;
  services: Services;
  /** Every composed feature, as production builds them. */
  composed: Composed;
  channel: ChannelControl;
  /** The bot (tests drive its sweeps directly). */
  bot: BotRuntime;
  links: LinkIssuer;
  /** Resolves when the channel's workers have nothing due (see ChannelFeature.idle). */
  idle(): Promise<void>;
  app: Express;
  /** Base URL of our service */
  url: string;
  tenant: Tenant;
  /** A valid, never-expiring system user token that is current in the vault */
  token: string;
  logs: LogCapture;
  db: TempDb;
  startWorkers(): void;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  engine?: 'sqlite' | 'postgres';
  clock?: Clock;
  config?: Partial<Config>;
  /** Start background workers (outbox sender, relay...) right away. Default true. */
  workers?: boolean;
  /** Store a working token as current. Default true. */
  seedToken?: boolean;
  /** Rewrites the temporary database's URL for the service (e.g. through a TCP proxy). */
  mapDatabaseUrl?: (url: string) => string;
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const graph = await startGraphSimulator({
    appId: TENANT.metaAppId,
    appSecret: TENANT.metaAppSecret,
    requireAppSecretProof: true,
    webhookRetryDelaysMs: [50, 100, 200],
  });
  const giosg = await startGiosgSimulator({ apiToken: TENANT.giosgApiToken, orgId: TENANT.giosgOrganizationId, botUserId: TENANT.giosgBotUserId, app: TEST_APP });
  graph.addPhone({ id: TENANT.phoneNumberId, wabaId: TENANT.wabaId, displayPhoneNumber: '+358 40 1234567', verifiedName: 'Acme Oy' });
  const db = await tempDatabase(o.engine ?? 'sqlite');
  const logs = new LogCapture();
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const config = testConfig({
    databaseUrl: o.mapDatabaseUrl ? o.mapDatabaseUrl(db.url) : db.url,
    publicBaseUrl: url,
    graph: { baseUrl: graph.url, version: 'v25.0' },
    giosgBaseUrl: giosg.url,
    ...o.config,
  });
  let composed: Composed;
  try {
    composed = await compose(config, { logger: createLogger('debug', logs), clock: o.clock });
  } catch (err) {
    // Without this the simulators keep jest alive and the real error is lost in a hang.
    server.close();
    await graph.close();
    await giosg.close();
    await db.drop();
    throw err;
  }
  const { services, app } = composed;
  // The production listener: the lean webhook path in front of the Express app.
  server.on('request', composed.handler);
  const tenant = await services.tenants.add({ ...TENANT });
  giosg.addUmiChannel({ id: TENANT.giosgUmiChannelId, reply_webhook_url: `${url}/webhooks/giosg/${TENANT.id}/replies?secret=${TENANT.giosgWebhookSecret}` });
  giosg.setBotWebhook(`${url}/webhooks/giosg/${TENANT.id}?secret=${TENANT.giosgWebhookSecret}`);
  graph.setWebhookTarget(`${url}/webhooks/meta/${TENANT.id}`);
  giosg.app.setTriggerUrl(`${url}/apps/giosg/trigger`);
  const token = makeToken();
  graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId], expiresAt: 0 });
  if (o.seedToken !== false) {
    const id = await services.vault.addPending(TENANT.id, token, 'test', 'test');
    await services.vault.markValidated(TENANT.id, id, { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567' }, 'test');
    const r = await services.vault.promote(TENANT.id, id, null, 'test');
    if (!r.ok) throw new Error(`could not seed token: ${r.reason}`);
  }
  let started = false;
  const h: Harness = {
    graph,
    giosg,
    services,
    composed,
    channel: composed.channel.control,
    bot: composed.bot.runtime,
    links: composed.links.issuer,
    idle: () => composed.channel.idle(),
    app,
    url,
    tenant,
    token,
    logs,
    db,
    startWorkers() {
      if (started) return;
      started = true;
      for (const w of composed.workers) w.start();
    },
    async stop() {
      await Promise.allSettled(composed.workers.map((w) => w.stop()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await services.store.close();
      await graph.close();
      await giosg.close();
      await db.drop();
    },
  };
  if (o.workers !== false) h.startWorkers();
  return h;
}

export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000, everyMs = 20): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
