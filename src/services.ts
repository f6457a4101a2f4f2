// The core every feature builds on: config, logger, clock, store, tenants, the token vault
// with its validation, events, metrics and the outside world's clients. main.ts, the CLI
// and the tests all build it here, so tests run the same wiring as production with an
// injected clock, logger or store. Features are built from it in compose.ts.
import { randomUUID } from 'node:crypto';
import type { Config } from './config';
import { createLogger, errorSummary, Logger } from './log';
import { Clock, systemClock } from './clock';
import { openStore, Store } from './store/db';
import { migrateToLatest } from './store/migrations';
import { TenantRepo } from './store/tenant-repo';
import { TokenRepo } from './store/token-repo';
import { SecretBox } from './vault/crypto';
import { TokenVault } from './vault/token-vault';
import { TenantService } from './vault/tenants';
import { MetaTokenValidation } from './vault/validation';
import type { TokenValidation } from './vault/validation-types';
import { ChannelEventBus } from './events';
import { Metrics } from './http/metrics';
import { GraphClient } from './meta/graph-client';
import { GiosgClient } from './giosg/client';
import type { Tenant } from './vault/tenants';

export interface Services {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  box: SecretBox;
  tenants: TenantService;
  /** Checks a token against Meta; the vault uses it before any token becomes current. */
  validation: TokenValidation;
  vault: TokenVault;
  events: ChannelEventBus;
  metrics: Metrics;
  /** Unique per process: lease owner name for outbox claims and scheduled jobs. */
  instanceId: string;
  graph: GraphClient;
  /** A giosg client with the tenant's API token (one per tenant, reused). */
  giosgFor(tenant: Tenant): GiosgClient;
}

export interface ServiceOverrides {
  logger?: Logger;
  clock?: Clock;
  store?: Store;
  metrics?: Metrics;
  instanceId?: string;
  graph?: GraphClient;
}

export async function buildServices(config: Config, o: ServiceOverrides = {}): Promise<Services> {
  const logger = o.logger ?? createLogger(config.logLevel);
  const clock = o.clock ?? systemClock;
  const store = o.store ?? openStore(config.databaseUrl, { backgroundCheckpoints: true });
  await migrateWithRetry(store, logger);
  const box = new SecretBox(config.encryptionKeys);
  const events = new ChannelEventBus();
  events.onListenerError(({ name, err }) => logger.error({ event: name, err: errorSummary(err) }, 'event listener failed'));
  const metrics = o.metrics ?? new Metrics();
  const tenants = new TenantService(new TenantRepo(store.db), box, clock);
  const graph = o.graph ?? new GraphClient({ baseUrl: config.graph.baseUrl, version: config.graph.version });
  const validation = new MetaTokenValidation(tenants, graph, clock);
  const vault = new TokenVault({ repo: new TokenRepo(store.db, store.engine), box, clock, validation, events });

  const giosgClients = new Map<string, { token: string; client: GiosgClient }>();
  const giosgFor = (tenant: Tenant) => {
    const hit = giosgClients.get(tenant.id);
    if (hit && hit.token === tenant.giosgApiToken) return hit.client;
    const client = new GiosgClient({ baseUrl: config.giosgBaseUrl, apiToken: tenant.giosgApiToken });
    giosgClients.set(tenant.id, { token: tenant.giosgApiToken, client });
    return client;
  };

  return {
    config,
    logger,
    clock,
    store,
    box,
    tenants,
    validation,
    vault,
    events,
    metrics,
    instanceId: o.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`,
    graph,
    giosgFor,
  };
}

/**
 * Several instances starting at once on an empty PostgreSQL race to create Kysely's
 * migration bookkeeping tables; the loser sees a duplicate-object error. Retrying is
 * enough: the migrations themselves run under Kysely's lock.
 */
async function migrateWithRetry(store: Store, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(store.db, store.engine);
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      logger.warn({ attempt, err: errorSummary(err) }, 'migration attempt failed; retrying');
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/** Seeds the environment's tenant and initial token. Safe to run at every start. */
export async function seedFromConfig(s: Services): Promise<void> {
  const seed = s.config.tenantSeed;
  if (!seed) return;
  const result = await s.tenants.upsert({
    id: seed.id,
    metaAppId: seed.metaAppId,
    metaAppSecret: seed.metaAppSecret,
    metaVerifyToken: seed.metaVerifyToken,
    wabaId: seed.wabaId,
    phoneNumberId: seed.phoneNumberId,
    giosgApiToken: seed.giosgApiToken,
    giosgOrganizationId: seed.giosgOrganizationId,
    giosgBotUserId: seed.giosgBotUserId,
    giosgWebhookSecret: seed.giosgWebhookSecret,
    giosgAdminTeamId: seed.giosgAdminTeamId ?? null,
    giosgUmiChannelId: seed.giosgUmiChannelId ?? null,
    defaultLocale: seed.defaultLocale,
  });
  s.logger.info({ tenant: seed.id, result }, 'tenant seeded from environment');
  if (s.config.initialAccessToken) {
    const id = await s.vault.seedIfEmpty(seed.id, s.config.initialAccessToken, 'env', 'env:WHATSAPP_ACCESS_TOKEN');
    if (id !== null) s.logger.info({ tenant: seed.id, versionId: id }, 'initial WhatsApp token stored in the vault');
  }
}
