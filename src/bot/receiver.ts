// POST /webhooks/giosg/:tenant — admins talking to the bot user in giosg.
// Secret first (X-Webhook-Secret or ?secret=, constant time; 401), then the body: 400 for
// malformed JSON, 422 with the bad field's path for a schema mismatch. Events the bot does
// not act on are acknowledged with 200 and a reason, so giosg does not retry them: other
// actions than `added`, non-`msg` types, the bot's own messages, and senders that are not
// giosg users (visitors, rules: the bot serves the organization's own staff only).
// Accepted events are stored (deduplicated on resource_id, token-like text scrubbed)
// before the 200, and processed right after it; see src/bot/inbox.ts for crash safety.
import type { Express, Request, Response } from 'express';
import type { Services } from '../services';
import { HttpError } from '../http/errors';
import { giosgWebhookGate } from '../http/giosg-webhook-gate';
import { giosgChatEventEnvelope, giosgChatMessage, type StoredBotEvent } from '../giosg/bot-event-schema';
import { scrubTokens } from './token-scrub';
import type { BotInbox } from './inbox';

export function giosgBotRoutes(app: Express, s: Services, inbox: BotInbox): void {
  const counted = (result: string) => s.metrics.webhooks.inc({ source: 'giosg_bot', result });
  const ignored = (res: Response, reason: string) => {
    counted('ignored');
    res.status(200).json({ ok: true, ignored: reason });
  };
  const schemaError = (issue: { path: PropertyKey[]; message: string }, prefix = '') => {
    counted('schema');
    const path = prefix + (issue.path.map(String).join('.') || (prefix ? '' : '(root)'));
    return new HttpError(422, 'schema_mismatch', `Invalid field at ${path.replace(/\.$/, '')}: ${issue.message}`, { path: path.replace(/\.$/, '') });
  };

  app.post(
    '/webhooks/giosg/:tenant',
    ...giosgWebhookGate(s, counted),
    async (req: Request<{ tenant: string }>, res: Response) => {
      const tenant = (await s.tenants.get(req.params.tenant))!;
      const env = giosgChatEventEnvelope.safeParse(req.body);
      if (!env.success) throw schemaError(env.error.issues[0]);
      if (env.data.action !== 'added') return ignored(res, 'not_added');
      const parsed = giosgChatMessage.safeParse(env.data.resource);
      if (!parsed.success) throw schemaError(parsed.error.issues[0], 'resource.');
      const r = parsed.data;
      if (r.type !== 'msg') return ignored(res, 'not_a_message');
      if (r.sender_id === tenant.giosgBotUserId) return ignored(res, 'own_message');
      if ((r.sender_type ?? 'user') !== 'user') return ignored(res, 'not_a_giosg_user');
      if (!r.sender_id) throw schemaError({ path: ['sender_id'], message: 'required for a user message' }, 'resource.');

      const text = scrubTokens(r.message ?? '');
      const value = r.response_value != null ? scrubTokens(r.response_value) : null;
      if (text.text.trim() === '' && !value?.text) return ignored(res, 'empty_message');
      const event: StoredBotEvent = {
        id: env.data.resource_id,
        chatId: r.chat_id,
        senderId: r.sender_id,
        senderName: r.sender_name ?? null,
        senderType: r.sender_type ?? 'user',
        text: text.text,
        responseValue: value?.text ?? null,
        language: r.language ?? null,
        tokenPasted: text.found || Boolean(value?.found),
        createdAt: r.created_at ?? null,
      };
      const fresh = await inbox.accept(tenant.id, event);
      counted(fresh ? 'accepted' : 'duplicate');
      res.status(200).json({ ok: true, duplicate: !fresh });
      if (fresh) void inbox.kick(tenant.id, event.id, event.chatId);
    },
  );
}
