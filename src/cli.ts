// Operator CLI: migrations, tenants, the token vault and customers' data. Secrets are read from stdin,
// never from argv (argv ends up in shell history and `ps`).
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, Config } from './config';
import { createLogger } from './log';
import { ensureSandboxKey } from './sandbox-key';
import { buildServices, seedFromConfig, Services } from './services';
import { errorSummary } from './log';
import { migrateToLatest } from './store/migrations';
import { openStore } from './store/db';
import { tenantCommands } from './cli/tenant-commands';
import { tokenCommands } from './cli/token-commands';
import { templateCommands } from './cli/template-commands';
import { customerCommands } from './cli/customer-commands';
import { retentionCommands } from './cli/retention-commands';
import readline from 'node:readline/promises';

import { CliIO, CliFailure } from './cli/cli-io';
export type { CliIO };
export { CliFailure };

const processIO: CliIO = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  readStdin: () =>
    new Promise((resolve, reject) => {
      if (process.stdin.isTTY) process.stderr.write('(reading from stdin; finish with Ctrl-D)\n');
      const chunks: Buffer[] = [];
      process.stdin.on('data', (c) => chunks.push(c as Buffer));
      process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      process.stdin.on('error', reject);
    }),
  ...(process.stdin.isTTY && process.stderr.isTTY
    ? {
        confirm: async (question: string) => {
          const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
          try {
            return /^(y|yes)$/i.test((await rl.question(question)).trim());
          } finally {
            rl.close();
          }
        },
      }
    : {}),
};


function configFor(): Config {
  const config = loadConfig();
  return config.sandbox ? ensureSandboxKey(config) : config;
}

/** Opens the service without listening: the CLI uses the same vault, validation and audit log. */
async function withServices<T>(fn: (s: Services) => Promise<T>): Promise<T> {
  const config = configFor();
  const services = await buildServices(config, { logger: createLogger(config.cliLogLevel) });
  try {
    await seedFromConfig(services);
    return await fn(services);
  } finally {
    await services.store.close();
  }
}

export function buildProgram(io: CliIO = processIO, open: typeof withServices = withServices): Command {
  const program = new Command();
  program
    .name('npm run cli --')
    .description('Operate the giosg WhatsApp channel: database migrations, tenants, the token vault, customers\' data.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  program
    .command('migrate')
    .description('apply database migrations (DATABASE_URL); safe to run repeatedly')
    .action(async () => {
      const config = configFor();
      const store = openStore(config.databaseUrl);
      try {
        const applied = await migrateToLatest(store.db, store.engine);
        io.out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        await store.close();
      }
    });

  tenantCommands(program, io, open);
  tokenCommands(program, io, open);
  templateCommands(program, io, open);
  customerCommands(program, io, open);
  retentionCommands(program, io, open);
  return program;
}

export async function runCli(argv: string[], io: CliIO = processIO, open?: typeof withServices): Promise<number> {
  try {
    await buildProgram(io, open).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      io.err(`configuration error:\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
      return 1;
    }
    if (err instanceof CliFailure) {
      io.err(err.message);
      return 1;
    }
    io.err(`error: ${errorSummary(err).message ?? 'unknown error'}`);
    return 1;
  }
}

export { withServices };

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
