// /_sim control API of the giosg simulator, for the browser playground: be the admin
// chatting with the bot and the agent answering a WhatsApp customer. Webhook URLs carry
// our secret in the query string, so state shows them without it.
import express, { Router } from 'express';
import { z } from 'zod';
import { pageSince } from './cursor';
import { parseBody } from './control-util';
import type { GiosgState } from './giosg-state';
import type { GiosgSim } from './giosg-types';

const adminSaysBody = z
  .object({
    chatId: z.string().min(1),
    text: z.string().min(1).optional(),
    responseValue: z.string().min(1).optional(),
    // The playground's page language, carried like giosg's message `language` field.
    language: z.string().min(2).max(10).optional(),
  })
  .refine((b) => b.text !== undefined || b.responseValue !== undefined, { message: 'text or responseValue required' });

const agentReplyBody = z.object({ channelId: z.string().min(1), threadId: z.string().min(1), text: z.string().min(1) });

const modeBody = z.object({
  mode: z.enum(['ok', 'down', '5xx', '429', '401']),
  retryAfterSec: z.number().int().positive().optional(),
});

const appInstallBody = z.object({ name: z.string().trim().min(1).max(100).optional() });
const appSaysBody = z.intersection(z.object({ orgId: z.string().min(1) }), adminSaysBody);

const withoutQuery = (url: string): string => url.split('?')[0];

export function giosgControlRouter(state: GiosgState, sim: GiosgSim): Router {
  const r = Router();
  r.use(express.json({ limit: '256kb' }));

  r.get('/state', (_req, res) => {
    res.json({
      orgId: state.orgId,
      botUserId: state.botUserId,
      mode: state.mode,
      retryAfterSec: state.retryAfterSec,
      botWebhook: state.botWebhook ? withoutQuery(state.botWebhook) : null,
      umiChannels: state.umiChannels.map((c) => ({ ...c, reply_webhook_url: withoutQuery(c.reply_webhook_url) })),
      chats: state.chats,
      umiMessageCount: state.umiMessages.length,
      chatMessageCount: state.chatMessages.length,
    });
  });

  r.get('/chats/:chatId/messages', (req, res) => {
    res.json(pageSince(state.timeline.filter((m) => m.chat_id === req.params.chatId), req.query.since));
  });

  r.get('/umi-messages', (req, res) => {
    res.json(pageSince(state.umiMessages, req.query.since));
  });

  r.post('/admin-says', async (req, res) => {
    const b = parseBody(adminSaysBody, req.body, res);
    if (!b) return;
    if (!state.botWebhook) return void res.status(409).json({ error: 'no bot webhook set' });
    try {
      res.json(await sim.adminSays(b));
    } catch (e) {
      res.status(502).json({ error: `bot webhook unreachable: ${(e as Error).message}` });
    }
  });

  // giosg's App install flow for a new organization: the trigger opened as the admin's browser would.
  r.post('/app/install', async (req, res) => {
    const b = parseBody(appInstallBody, req.body, res);
    if (!b) return;
    try {
      const { org, answer } = await sim.app.installForNewOrg({ name: b.name });
      res.json({ org, status: answer.status });
    } catch (e) {
      res.status(502).json({ error: `install trigger failed: ${(e as Error).message}` });
    }
  });

  r.get('/app/orgs', (_req, res) => {
    res.json({ orgs: state.app.orgs });
  });

  // The installing admin of an App organization writes to that organization's bot.
  r.post('/app/admin-says', async (req, res) => {
    const b = parseBody(appSaysBody, req.body, res);
    if (!b) return;
    const { orgId, ...input } = b;
    try {
      res.json(await sim.app.adminSays(orgId, input));
    } catch (e) {
      res.status(502).json({ error: `bot webhook unreachable: ${(e as Error).message}` });
    }
  });

  r.post('/agent-reply', async (req, res) => {
    const b = parseBody(agentReplyBody, req.body, res);
    if (!b) return;
    if (!state.channel(b.channelId)) return void res.status(404).json({ error: 'unknown UMI channel' });
    try {
      res.json(await sim.agentReply(b));
    } catch (e) {
      res.status(502).json({ error: `reply webhook unreachable: ${(e as Error).message}` });
    }
  });

  r.post('/mode', (req, res) => {
    const b = parseBody(modeBody, req.body, res);
    if (!b) return;
    sim.setMode(b.mode, { retryAfterSec: b.retryAfterSec });
    res.json({ mode: state.mode, retryAfterSec: state.retryAfterSec });
  });

  return r;
}
