// Starts the whole product with no Meta or giosg account: both simulators on loopback,
// the real service pointed at them, a demo tenant wired both ways, a working token, and
// the playground. main.ts calls this when config.sandbox is true; tests call it directly.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Config } from '../config';
import { compose, type Composed } from '../compose';
import { createLogger, type Logger } from '../log';
import { ensureSandboxKey } from '../sandbox-key';
import type { Services } from '../services';
import type { Tenant } from '../vault/tenants';
import { ReengagementTemplateRepo } from '../store/reengagement-template-repo';
import { startGraphSimulator, type GraphSim } from './graph';
import { startGiosgSimulator, type GiosgSim } from './giosg';
import { DEMO, demoPhone, demoTenantInput, deriveDemoSecrets, newDemoToken, WHATSAPP_SCOPES, type DemoSecrets } from './demo-tenant';
import { SimControlClient } from './sim-control-client';
import { playgroundRoutes } from './playground-routes';

export interface SandboxOptions {
  /** Where the generated encryption key lives (default ./data). */
  dataDir?: string;
  logger?: Logger;
  /** Start the background workers (default true). */
  workers?: boolean;
  /** Also print a plain-text banner on stderr, for a person watching the terminal (main.ts). */
  banner?: boolean;
}

export interface Sandbox {
  services: Services;
  /** The composed features (tests drive the bot's sweeps and read the channel's state). */
  composed: Composed;
  app: Express;
  server: http.Server;
  /** Our service, e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  graph: GraphSim;
  giosg: GiosgSim;
  tenant: Tenant;
  stop(): Promise<void>;
}

const SANDBOX_GIOSG_APP_ID = 'sandbox-whatsapp-app';

// Meta retries for days; the playground's customer would wait for every retry, so keep them short.
const SANDBOX_WEBHOOK_RETRIES_MS = [500, 2000, 5000];

export async function startSandbox(input: Config, o: SandboxOptions = {}): Promise<Sandbox> {
  if (!input.sandbox) throw new Error('startSandbox: config.sandbox is false (real credentials are configured)');
  const logger = o.logger ?? createLogger(input.logLevel);
  const keyed = ensureSandboxKey(input, o.dataDir);
  const secrets = deriveDemoSecrets(keyed.encryptionKeys[0]);

  const graph = await startGraphSimulator({
    appId: DEMO.metaAppId,
    appSecret: secrets.metaAppSecret,
    requireAppSecretProof: true,
    autoStatuses: true,
    webhookRetryDelaysMs: SANDBOX_WEBHOOK_RETRIES_MS,
  });
  // The sandbox is a giosg App too (unless one is configured): the playground installs it for new organizations.
  const giosgApp = input.giosgApp ?? { appId: SANDBOX_GIOSG_APP_ID, appSecret: secrets.giosgAppSecret };
  const giosg = await startGiosgSimulator({
    apiToken: secrets.giosgApiToken,
    orgId: DEMO.giosgOrganizationId,
    botUserId: DEMO.giosgBotUserId,
    app: giosgApp,
  });

  // Loopback only: the playground hands out working tokens to whoever can reach it.
  const server = http.createServer();
  server.keepAliveTimeout = 65_000;
  const stopSims = async () => {
    await Promise.allSettled([graph.close(), giosg.close()]);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(input.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await stopSims();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const config: Config = {
    ...keyed,
    // A random port (tests) is only known now; one-time links must point at it.
    publicBaseUrl: input.port === 0 ? url : keyed.publicBaseUrl,
    graph: { ...keyed.graph, baseUrl: graph.url },
    giosgBaseUrl: giosg.url,
    giosgApp,
  };
  const ctx = { tenantId: config.tenantId, graph: new SimControlClient(graph.url), giosg: new SimControlClient(giosg.url) };

  let services: Services | undefined;
  try {
    const composed = await compose(config, { logger }, (f) => [playgroundRoutes(f.services, f.channel.control, ctx)]);
    services = composed.services;
    server.on('request', composed.handler);
    giosg.app.setTriggerUrl(`${url}/apps/giosg/trigger`);
    const tenant = await seedDemoTenant(services, graph, giosg, url, secrets);
    if (o.workers !== false) for (const w of composed.workers) w.start();
    announce(logger, url, config, o.banner === true);

    const running = services;
    let stopping: Promise<void> | undefined;
    return {
      services: running,
      composed,
      app: composed.app,
      server,
      url,
      port,
      graph,
      giosg,
      tenant,
      stop() {
        // Stop taking requests, let workers finish what they hold, then the database and simulators.
        stopping ??= (async () => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          await Promise.allSettled(composed.workers.map((w) => w.stop()));
          server.closeAllConnections();
          await closed;
          await running.store.close();
          await stopSims();
        })();
        return stopping;
      },
    };
  } catch (err) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (services) await services.store.close().catch(() => undefined);
    await stopSims();
    throw err;
  }
}

/**
 * Creates or refreshes the demo tenant and wires the fresh simulators to it. The
 * simulators forget everything on restart, so what lives in the database (tenant, token)
 * is told to them again every time.
 */
export async function seedDemoTenant(s: Services, graph: GraphSim, giosg: GiosgSim, url: string, secrets: DemoSecrets): Promise<Tenant> {
  const tenantId = s.config.tenantId;
  const result = await s.tenants.upsert(demoTenantInput(tenantId, secrets, s.config.defaultLocale));
  const tenant = await s.tenants.get(tenantId);
  if (!tenant) throw new Error(`sandbox: demo tenant ${tenantId} missing after upsert`);

  graph.addPhone(demoPhone);
  graph.setWebhookTarget(`${url}/webhooks/meta/${encodeURIComponent(tenantId)}`);
  const secret = encodeURIComponent(secrets.giosgWebhookSecret);
  giosg.addUmiChannel({
    id: DEMO.giosgUmiChannelId,
    name: 'WhatsApp',
    reply_webhook_url: `${url}/webhooks/giosg/${encodeURIComponent(tenantId)}/replies?secret=${secret}`,
  });
  giosg.setBotWebhook(`${url}/webhooks/giosg/${encodeURIComponent(tenantId)}?secret=${secret}`);

  const current = await s.vault.current(tenantId);
  if (current) {
    // A restart: Meta (the new simulator) learns the stored token again, working.
    graph.addToken({ token: current.token, appId: DEMO.metaAppId, type: 'SYSTEM_USER', scopes: [...WHATSAPP_SCOPES], targetIds: [DEMO.wabaId], expiresAt: 0 });
  } else {
    const t = newDemoToken();
    graph.addToken(t);
    const versionId = await s.vault.addPending(tenantId, t.token, 'sandbox', 'sandbox');
    await s.vault.markValidated(
      tenantId,
      versionId,
      { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: DEMO.verifiedName, displayPhoneNumber: DEMO.displayPhoneNumber },
      'sandbox',
    );
    const promoted = await s.vault.promote(tenantId, versionId, null, 'sandbox');
    if (!promoted.ok) throw new Error(`sandbox: could not make the demo token current (${promoted.reason})`);
  }
  // A re-engagement template chosen, so the playground shows a closed window's whole flow.
  const templates = new ReengagementTemplateRepo(s.store.db);
  if ((await templates.list(tenantId)).length === 0) {
    await templates.replace(tenantId, [{ name: 'reopen_conversation', language: s.config.defaultLocale, params: JSON.stringify([{ from: 'customer_name' }]) }], 'sandbox', s.clock.now());
  }
  s.logger.info({ tenant: tenantId, result, tokenWasStored: current !== null }, 'sandbox demo tenant ready');
  return tenant;
}

function announce(logger: Logger, url: string, config: Config, toTerminal: boolean): void {
  const text = `SANDBOX MODE: Meta and giosg are simulated on loopback; nothing reaches real WhatsApp. Open ${url}/playground to try it.`;
  logger.warn(
    { sandbox: true, playground: `${url}/playground`, tenant: config.tenantId, graphSimulator: config.graph.baseUrl, giosgSimulator: config.giosgBaseUrl },
    text,
  );
  if (toTerminal) {
    const line = '#'.repeat(78);
    process.stderr.write(`\n${line}\n#  SANDBOX  SANDBOX  SANDBOX\n#  Meta and giosg are simulated on loopback; nothing reaches real WhatsApp.\n#  Playground: ${url}/playground\n${line}\n\n`);
  }
}
