// Composition root: read config, open the store, seed, serve, and stop cleanly.
// First: defers Botkit's unused text recognizers before anything loads them (memory).
import './bot/lazy-recognizers';
import { ConfigError, loadConfig, Config } from './config';
import { compose } from './compose';
import { seedFromConfig } from './services';
import { errorSummary } from './log';
import { startSandbox } from './sandbox/boot';
import { createLogger } from './log';
import { createHttpServer } from './http/server';

const SHUTDOWN_BUDGET_MS = 10_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error:\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  if (config.sandbox) {
    // No credentials: simulators, demo tenant and playground (src/sandbox/boot.ts).
    const sandbox = await startSandbox(config, { logger, banner: true });
    if (process.send) process.send({ ready: true, port: sandbox.port });
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      setTimeout(() => process.exit(1), SHUTDOWN_BUDGET_MS).unref();
      sandbox.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    return;
  }
  const composed = await compose(config, { logger });
  const { services, workers } = composed;
  await seedFromConfig(services);

  const server = createHttpServer(composed.handler);
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  for (const w of workers) w.start();
  logger.info({ port, engine: services.store.engine, instance: services.instanceId, sandbox: config.sandbox }, 'listening');
  if (process.send) process.send({ ready: true, port });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS);
    force.unref();
    // Stop accepting first, then let workers finish the sends they hold, then close the database.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.allSettled(workers.map((w) => w.stop()));
    await closed;
    await services.store.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`fatal: ${JSON.stringify(errorSummary(err))}\n`);
  process.exit(1);
});
