// The Graph and giosg simulators in their own process, so the load generator does not
// share an event loop with the relay traffic our server sends to giosg. Driven over IPC
// by bench/service.ts: {op:'wire', url} points the simulators at our server; {op:'sent'}
// returns what the Graph simulator accepted (timestamps and bodies); the soak also drives
// agents' replies, the admin's chat with the bot and token expiry through it.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startGraphSimulator } from '../src/sandbox/graph';
import { startGiosgSimulator } from '../src/sandbox/giosg';
import { TENANT } from '../testkit/harness';

interface IpcRequest {
  id: number;
  op: string;
  url?: string;
  token?: string;
  threadId?: string;
  text?: string;
  messageId?: string;
  chatId?: string;
  responseValue?: string;
  n?: number;
  size?: number;
}

async function main(): Promise<void> {
  const graph = await startGraphSimulator({ appId: TENANT.metaAppId, appSecret: TENANT.metaAppSecret, requireAppSecretProof: true });
  // Uploaded files are hashed, not kept: the media bench relays hundreds of megabytes.
  const giosg = await startGiosgSimulator({ apiToken: TENANT.giosgApiToken, orgId: TENANT.giosgOrganizationId, botUserId: TENANT.giosgBotUserId, keepUploadBytes: 0 });
  graph.addPhone({ id: TENANT.phoneNumberId, wabaId: TENANT.wabaId, displayPhoneNumber: '+358 40 1234567', verifiedName: 'Acme Oy' });
  graph.addToken({ token: process.env.BENCH_TOKEN!, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId], expiresAt: 0 });
  // The simulator stamps each accepted send when its handler runs: a stall here bunches
  // the stamps after it, which the drain would count as our burst. Measured, so it shows.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  process.on('message', (m: IpcRequest) => {
    void handle(m).then(
      (result) => process.send!({ id: m.id, result }),
      (err: Error) => process.send!({ id: m.id, result: { error: err?.message ?? String(err) } }),
    );
  });
  async function handle(m: IpcRequest): Promise<unknown> {
    let result: unknown = null;
    if (m.op === 'wire') {
      giosg.addUmiChannel({ id: TENANT.giosgUmiChannelId, reply_webhook_url: `${m.url}/webhooks/giosg/${TENANT.id}/replies?secret=${TENANT.giosgWebhookSecret}` });
      giosg.setBotWebhook(`${m.url}/webhooks/giosg/${TENANT.id}?secret=${TENANT.giosgWebhookSecret}`);
      graph.setWebhookTarget(`${m.url}/webhooks/meta/${TENANT.id}`);
    } else if (m.op === 'sent') {
      result = graph.sent.map((s) => ({ at: s.at, body: s.body }));
    } else if (m.op === 'loopDelayReset') {
      loop.reset();
    } else if (m.op === 'loopDelay') {
      result = { maxMs: Math.round(loop.max / 1e6), p99Ms: Math.round(loop.percentile(99) / 1e5) / 10 };
    } else if (m.op === 'agentReply') {
      // The soak's agents: a reply in a customer's thread, delivered to our reply webhook.
      const r = await giosg.agentReply({ channelId: TENANT.giosgUmiChannelId, threadId: m.threadId!, text: m.text!, messageId: m.messageId });
      result = { status: r.status };
    } else if (m.op === 'adminSays') {
      result = await giosg.adminSays({ chatId: m.chatId!, text: m.text, responseValue: m.responseValue });
    } else if (m.op === 'botMessages') {
      result = giosg.chatMessages.filter((c) => c.chatId === m.chatId).map((c) => c.message);
    } else if (m.op === 'expireToken') {
      graph.expireToken(m.token!);
    } else if (m.op === 'addToken') {
      graph.addToken({ token: m.token!, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [TENANT.wabaId], expiresAt: 0 });
    } else if (m.op === 'addMedia') {
      // Synthetic bodies: served chunk by chunk, never held by the simulator.
      const ids: string[] = [];
      for (let i = 0; i < m.n!; i++) ids.push((await graph.media.add({ mimeType: 'image/jpeg', size: m.size!, seed: i + 1 })).id);
      result = ids;
    } else if (m.op === 'mediaDelivered') {
      let n = 0;
      let bytes = 0;
      for (const u of giosg.umiMessages) {
        for (const a of u.attachments ?? []) {
          n++;
          bytes += giosg.uploads.get(a.upload_id)?.uploaded ? a.file_size : 0;
        }
      }
      result = { withAttachment: n, bytes, umiMessages: giosg.umiMessages.length };
    } else if (m.op === 'counts') {
      result = { sent: graph.sent.length, umiMessages: giosg.umiMessages.length };
    }
    return result;
  }
  process.send!({ ready: true, port: 0, graphUrl: graph.url, giosgUrl: giosg.url });
  process.on('SIGTERM', () => {
    void Promise.allSettled([graph.close(), giosg.close()]).then(() => process.exit(0));
  });
}

main().catch((err) => {
  process.stderr.write(`simulators failed: ${(err as Error)?.stack}\n`);
  process.exit(1);
});
