// giosg simulator for the integration tests and the sandbox: the bot user's chat API, UMI
// channel registration and intake, and the two webhooks giosg sends us (admin messages to
// the bot, agent replies through UMI). Failure modes are switchable. Loopback only.
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { listenOnLoopback } from './http-server';
import { requestLog } from './request-log';
import { GiosgState, DEFAULT_ROOM_ID } from './giosg-state';
import { giosgFaults, loseAnswers } from './giosg-faults';
import { giosgAuth } from './giosg-auth';
import { appOrgRouter, identityRouter, installForNewOrg, principalFor, signTrigger, openTrigger, uninstallOrg } from './giosg-app';
import { umiRouter } from './giosg-umi';
import { chatsRouter } from './giosg-chats';
import { giosgControlRouter } from './giosg-control';
import { adminMessageEvent, agentReplyBody, postWebhook, SANDBOX_AGENT } from './giosg-webhooks';
import type { GiosgSim, GiosgSimOptions } from './giosg-types';
import { UploadStore, uploadsApiRouter, uploadsCdnRouter } from './giosg-uploads';
import { giosgFilesControlRouter } from './giosg-files-control';

export type * from './giosg-types';

export async function startGiosgSimulator(o: GiosgSimOptions): Promise<GiosgSim> {
  const state = new GiosgState(o.orgId, o.botUserId);
  const uploads = new UploadStore(o.orgId, o.keepUploadBytes);

  const sim: GiosgSim = {
    url: '',
    close: async () => undefined,
    umiChannels: state.umiChannels,
    addUmiChannel: (c) =>
      void state.umiChannels.push({
        id: c.id,
        name: c.name ?? 'WhatsApp',
        room_id: c.room_id ?? DEFAULT_ROOM_ID,
        reply_webhook_url: c.reply_webhook_url,
      }),
    umiMessages: state.umiMessages,
    uploads: uploads.uploads,
    putUpload: (fileName, contentType, data) => {
      const u = uploads.put(fileName, contentType, data);
      return { id: u.id, downloadUrl: uploads.downloadUrl(u, sim.url) };
    },
    agentReply: async ({ channelId, threadId, text, messageId, attachments }) => {
      const channel = state.channel(channelId);
      if (!channel) throw new Error(`giosg simulator: unknown UMI channel ${channelId}`);
      const chat = state.threadChat(channel, threadId);
      const id = messageId ?? randomUUID();
      const files = (attachments ?? []).map((a) => {
        const u = uploads.put(a.fileName, a.contentType, a.data);
        return { url: uploads.downloadUrl(u, sim.url), file_name: u.original_file_name, content_type: u.content_type, file_size: u.file_size };
      });
      state.timeline.push({
        id,
        type: 'msg',
        chat_id: chat.id,
        room_id: chat.room_id,
        created_at: new Date().toISOString(),
        sender_type: 'user',
        sender_id: SANDBOX_AGENT.id,
        sender_name: SANDBOX_AGENT.name,
        message: text,
        attachments: files,
        response_value: null,
      });
      const body = agentReplyBody(state, { channelId, threadId, chatId: chat.id, text, messageId: id, attachments: files });
      return postWebhook(channel.reply_webhook_url, body);
    },
    chatMessages: state.chatMessages,
    adminMessages: state.adminMessages,
    chats: state.chats,
    setBotWebhook: (url) => void (state.botWebhook = url),
    adminSays: async (input) => {
      if (!state.botWebhook) throw new Error('giosg simulator: no bot webhook set');
      const { resource, payload } = adminMessageEvent(state, input);
      // A replayed resource id is a redelivery: the chat already shows that message.
      if (!state.timeline.some((m) => m.id === resource.id)) {
        state.timeline.push(resource);
        state.adminMessages.push(resource);
      }
      const { status } = await postWebhook(state.botWebhook, payload);
      return { status, resourceId: resource.id };
    },
    setMode: (mode, opts) => {
      state.mode = mode;
      if (opts?.retryAfterSec !== undefined) state.retryAfterSec = opts.retryAfterSec;
    },
    failNext: (n, status) => state.failNext(n, status),
    loseNextAnswers: (n, how) => state.loseNextAnswers(n, how),
    requests: state.requests,
    reset: () => {
      state.reset();
      uploads.reset();
    },
    app: {
      orgs: state.app.orgs,
      subscriptions: state.app.subs,
      setTriggerUrl: (url) => void (state.app.triggerUrl = url),
      installForNewOrg: (opts) => installForNewOrg(state, needApp(), opts),
      uninstall: (orgId) => uninstallOrg(state, needApp(), orgId),
      sign: (claims, opts) => signTrigger(needApp(), claims, opts),
      open: (params) => {
        if (!state.app.triggerUrl) throw new Error('giosg simulator: no app trigger URL set');
        return openTrigger(state.app.triggerUrl, params);
      },
      adminSays: async (orgId, input) => {
        const org = state.app.orgs.find((x) => x.orgId === orgId);
        if (!org) throw new Error(`giosg simulator: unknown organization ${orgId}`);
        const { resource, payload } = adminMessageEvent(state, { senderId: org.installerUserId, senderName: 'Installing Admin', ...input });
        state.timeline.push(resource);
        state.adminMessages.push(resource);
        const channel = `/api/v5/users/${org.botUserId}/chats/${resource.chat_id}/messages`;
        const sub = state.app.subs.find((x) => x.orgId === orgId);
        if (!sub) throw new Error('giosg simulator: the organization has no webhook subscription');
        const { status } = await postWebhook(sub.endpoint_url, { ...payload, channel });
        return { status, resourceId: resource.id };
      },
    },
  };
  function needApp() {
    if (!o.app) throw new Error('giosg simulator: started without an app (options.app)');
    return o.app;
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(() => state.requests));
  app.use('/_sim/files', giosgFilesControlRouter(sim));
  app.use('/_sim', giosgControlRouter(state, sim));
  // The OAuth endpoint is not the REST API: injected API faults leave it alone.
  app.use(identityRouter(state, o.app));
  app.use(giosgFaults(state));
  // The CDN of signed upload and download links: no giosg token, the signature is the key.
  app.use('/_cdn', uploadsCdnRouter(uploads));
  app.use(giosgAuth(o.apiToken, (token) => principalFor(state, token)));
  app.use(express.json({ limit: '1mb' }));
  app.use(loseAnswers(state));
  app.use('/api/v5/orgs/:org/unified_messaging', umiRouter(state, uploads));
  app.use('/api/v5/orgs/:org/uploads', uploadsApiRouter(uploads, o.orgId, () => sim.url));
  app.use('/api/v5/orgs/:org', appOrgRouter(state));
  app.use('/api/v5/users/:userId/chats', chatsRouter(state));
  app.use((_req: Request, res: Response) => void res.status(404).json({ detail: 'Not found.' }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Malformed JSON from express.json(); DRF answers it with a 400 and a parse detail.
    const status = (err as { status?: number }).status ?? 500;
    const detail =
      status === 413 ? 'Request entity too large.'
      : status < 500 ? `JSON parse error - ${(err as Error).message}`
      : 'A server error occurred.';
    res.status(status).json({ detail });
  });

  const listening = await listenOnLoopback(app, o.port ?? 0);
  sim.url = listening.url;
  sim.close = () => listening.close();
  return sim;
}
