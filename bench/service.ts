// Our server for a bench run: the simulators in a child process of their own, a fresh
// SQLite file, and dist/src/main.js as a child process in production mode pointed at them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../src/store/db';
import type { SimPhone } from '../src/sandbox/graph';
import { childEnv } from '../testkit/child-service';
import { TENANT, makeToken } from '../testkit/harness';
import { MAIN, SIMS, startNode, type Child } from './processes';

export const PHONE: SimPhone = { id: TENANT.phoneNumberId, wabaId: TENANT.wabaId, displayPhoneNumber: '+358 40 1234567', verifiedName: 'Acme Oy' };

export interface OurService {
  child: Child;
  sims: Child;
  token: string;
  dbFile: string;
  /** A second connection to the same file, for counting and for queueing replies. */
  store: Store;
  /** What the Graph simulator accepted. */
  sent(): Promise<Array<{ at: number; body: string }>>;
  stop(): Promise<void>;
}

export async function startOurs(o: { sendRatePerSecond?: number; extraEnv?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<OurService> {
  const token = makeToken();
  const simsArgs = (process.env.BENCH_SIMS_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const sims = await startNode(SIMS, { PATH: process.env.PATH, BENCH_TOKEN: token }, 30_000, simsArgs);
  const urls = sims.readyMessage as { graphUrl: string; giosgUrl: string };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-bench-'));
  const dbFile = path.join(dir, 'bot.sqlite');
  const env = childEnv({
    databaseUrl: `sqlite:${dbFile}`,
    graphUrl: urls.graphUrl,
    giosgUrl: urls.giosgUrl,
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
    await sims.stop();
    throw err;
  }
  await sims.call('wire', { url: child.url });
  const store = openStore(`sqlite:${dbFile}`);
  return {
    child,
    sims,
    token,
    dbFile,
    store,
    sent: () => sims.call('sent') as Promise<Array<{ at: number; body: string }>>,
    async stop() {
      await child.stop();
      await store.close();
      await sims.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Node flags for our server: BENCH_PROFILE=dir writes a V8 CPU profile (open it in Chrome
 * DevTools); BENCH_NODE_ARGS adds any others (e.g. "-r ./my-probe.js").
 */
export function serverNodeArgs(): string[] {
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return [...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []), ...extra];
}
