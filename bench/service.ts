// Our server for a bench run: both simulators in this process, a fresh SQLite file, and
// dist/src/main.js as a child process in production mode pointed at them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGraphSimulator, type GraphSim } from '../src/sandbox/graph';
import { startGiosgSimulator, type GiosgSim } from '../src/sandbox/giosg';
import { openStore, type Store } from '../src/store/db';
import { childEnv } from '../test/helpers/child-service';
import { TENANT, makeToken } from '../test/helpers/harness';
import { MAIN, startNode, type Child } from './processes';

export interface OurService {
  graph: GraphSim;
  giosg: GiosgSim;
  child: Child;
  token: string;
  dbFile: string;
  /** A second connection to the same file, for counting and for queueing replies. */
  store: Store;
  stop(): Promise<void>;
}

export async function startOurs(o: { sendRatePerSecond?: number; extraEnv?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<OurService> {
  const graph = await startGraphSimulator({ appId: TENANT.metaAppId, appSecret: TENANT.metaAppSecret, requireAppSecretProof: true });
  const giosg = await startGiosgSimulator({ apiToken: TENANT.giosgApiToken, orgId: TENANT.giosgOrganizationId, botUserId: TENANT.giosgBotUserId });
  graph.addPhone({ id: TENANT.phoneNumberId, wabaId: TENANT.wabaId, displayPhoneNumber: '+358 40 1234567', verifiedName: 'Acme Oy' });
  const token = makeToken();
  graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId], expiresAt: 0 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-bench-'));
  const dbFile = path.join(dir, 'bot.sqlite');
  const env = childEnv({
    databaseUrl: `sqlite:${dbFile}`,
    graphUrl: graph.url,
    giosgUrl: giosg.url,
    extra: {
      WHATSAPP_ACCESS_TOKEN: token,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      SEND_RATE_PER_SECOND: String(o.sendRatePerSecond ?? 80),
      ...o.extraEnv,
    },
  });
  let child: Child;
  try {
    child = await startNode(MAIN, env, 30_000, o.nodeArgs);
  } catch (err) {
    await Promise.allSettled([graph.close(), giosg.close()]);
    throw err;
  }
  giosg.addUmiChannel({ id: TENANT.giosgUmiChannelId, reply_webhook_url: `${child.url}/webhooks/giosg/${TENANT.id}/replies?secret=${TENANT.giosgWebhookSecret}` });
  graph.setWebhookTarget(`${child.url}/webhooks/meta/${TENANT.id}`);
  const store = openStore(`sqlite:${dbFile}`);
  return {
    graph,
    giosg,
    child,
    token,
    dbFile,
    store,
    async stop() {
      await child.stop();
      await store.close();
      await Promise.allSettled([graph.close(), giosg.close()]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
