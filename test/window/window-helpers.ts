// Shared bits of the service-window tests: a clock that can jump ahead, a restart of the
// service over the same database, peeks into the window tables.
import http from 'node:http';
import { compose, type Composed } from '../../src/compose';
import { createLogger } from '../../src/log';
import type { Clock } from '../../src/clock';
import { TENANT, type Harness, LogCapture } from '../../testkit/harness';

export const HOUR = 3_600_000;

/** Real time plus an offset: workers keep running while the test "ages" the conversation. */
export class JumpClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
}

export async function heldRows(h: { services: Harness['services'] }) {
  return h.services.store.db.selectFrom('held_replies').selectAll().orderBy('written_at').orderBy('id').execute();
}

export async function reengagementRows(h: { services: Harness['services'] }) {
  return h.services.store.db.selectFrom('reengagements').selectAll().orderBy('id').execute();
}

export const chatLines = (h: Harness, chatId?: string) => h.giosg.chatMessages.filter((m) => chatId === undefined || m.chatId === chatId).map((m) => m.message);

export interface Restarted {
  composed: Composed;
  url: string;
  logs: LogCapture;
  stop(): Promise<void>;
}

/**
 * Stops the harness's service (workers and store, as a process exit would) and starts a new
 * one on the same database and simulators; giosg and Meta are pointed at it.
 */
export async function restartService(h: Harness, clock?: Clock): Promise<Restarted> {
  await Promise.allSettled(h.composed.workers.map((w) => w.stop()));
  const config = h.services.config;
  const logs = new LogCapture();
  const composed = await compose(config, { logger: createLogger('debug', logs), clock });
  const server = http.createServer(composed.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const channel = h.giosg.umiChannels.find((c) => c.id === TENANT.giosgUmiChannelId)!;
  channel.reply_webhook_url = `${url}/webhooks/giosg/${TENANT.id}/replies?secret=${TENANT.giosgWebhookSecret}`;
  h.graph.setWebhookTarget(`${url}/webhooks/meta/${TENANT.id}`);
  for (const w of composed.workers) w.start();
  return {
    composed,
    url,
    logs,
    async stop() {
      await Promise.allSettled(composed.workers.map((w) => w.stop()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await composed.services.store.close();
    },
  };
}
