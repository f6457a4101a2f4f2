// Shared bits of the channel tests: fast worker timing, signed Meta posts, DB peeks.
import { signPayload } from '../../src/sandbox/graph';
import { startHarness, Harness, HarnessOptions, TENANT } from '../../testkit/harness';

export const FAST = { pollMs: 20, leaseMs: 5_000, backoffBaseMs: 20, backoffMaxMs: 200, probeIntervalMs: 150, batchSize: 100 };

export function startChannelHarness(o: HarnessOptions = {}): Promise<Harness> {
  return startHarness({ ...o, config: { channelTuning: FAST, ...o.config } });
}

export async function postMeta(h: Harness, body: string | Buffer, headers: Record<string, string> = {}, tenant = TENANT.id) {
  const res = await fetch(`${h.url}/webhooks/meta/${tenant}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, text: await res.text() };
}

export function signed(raw: string, secret = TENANT.metaAppSecret): Record<string, string> {
  return { 'x-hub-signature-256': signPayload(raw, secret) };
}

export async function postSigned(h: Harness, payload: object) {
  const raw = JSON.stringify(payload);
  return postMeta(h, raw, signed(raw));
}

export async function webhookRows(h: Harness) {
  return h.services.store.db.selectFrom('webhook_events').selectAll().execute();
}

export async function outboxRows(h: Harness) {
  return h.services.store.db.selectFrom('outbox').selectAll().orderBy('id').execute();
}

export async function agentReply(h: Harness, threadId: string, text: string, messageId?: string) {
  return h.giosg.agentReply({ channelId: TENANT.giosgUmiChannelId, threadId, text, messageId });
}

export const customer = (h: Harness, from: string, text: string, extra: Record<string, unknown> = {}) =>
  h.graph.customerMessage({ phoneNumberId: TENANT.phoneNumberId, from, text, name: 'Maija Meikäläinen', ...extra });
