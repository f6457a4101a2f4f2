// Runs the built server (dist/src/main.js) as a real child process, configured through
// the environment like production, for crash (kill -9) and multi-instance tests.
import { spawn, ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { TENANT, TEST_KEY } from './harness';

// From the repository root: this file runs from testkit/ under jest and from dist/testkit/ in the bench.
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

export const MAIN = path.join(repoRoot(), 'dist/src/main.js');
export const builtServerAvailable = () => fs.existsSync(MAIN);

export interface ChildService {
  url: string;
  port: number;
  proc: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Environment for a production-mode instance whose Meta and giosg are the simulators. */
export function childEnv(o: { databaseUrl: string; graphUrl: string; giosgUrl: string; extra?: Record<string, string> }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    PORT: '0',
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    DATABASE_URL: o.databaseUrl,
    TOKEN_ENCRYPTION_KEY: TEST_KEY.toString('base64'),
    TENANT_ID: TENANT.id,
    META_APP_ID: TENANT.metaAppId,
    META_APP_SECRET: TENANT.metaAppSecret,
    META_VERIFY_TOKEN: TENANT.metaVerifyToken,
    META_GRAPH_BASE_URL: o.graphUrl,
    WHATSAPP_BUSINESS_ACCOUNT_ID: TENANT.wabaId,
    WHATSAPP_PHONE_NUMBER_ID: TENANT.phoneNumberId,
    GIOSG_BASE_URL: o.giosgUrl,
    GIOSG_API_TOKEN: TENANT.giosgApiToken,
    GIOSG_ORGANIZATION_ID: TENANT.giosgOrganizationId,
    GIOSG_BOT_USER_ID: TENANT.giosgBotUserId,
    GIOSG_WEBHOOK_SECRET: TENANT.giosgWebhookSecret,
    GIOSG_ADMIN_TEAM_ID: TENANT.giosgAdminTeamId,
    GIOSG_UMI_CHANNEL_ID: TENANT.giosgUmiChannelId,
    LOG_LEVEL: 'info',
    // As in the in-process harness: the wiring check's own calls are tested on their own.
    WIRING_CHECK: 'off',
    ...o.extra,
  };
}

export function startChild(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<ChildService> {
  const proc = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child did not start in time:\n${out}`));
    }, timeoutMs);
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code} before it was ready:\n${out}`));
    };
    proc.once('exit', early);
    proc.on('message', (m: any) => {
      if (m && m.ready) {
        clearTimeout(timer);
        // Only this listener: removing all would also drop `exited`, and kill() would never return.
        proc.removeListener('exit', early);
        const port = Number(m.port);
        resolve({
          url: `http://127.0.0.1:${port}`,
          port,
          proc,
          output: () => out,
          kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
            await exited;
          },
        });
      }
    });
  });
}
