// POST /webhooks/giosg/:tenant/replies — an agent answered a WhatsApp customer in giosg.
// The reply goes into the durable outbox (deduplicated on giosg's message id, so giosg's
// redeliveries are stored once) and the sender is woken. Body shape: assumed-shapes.ts.
//
// Only agents' messages are sent. giosg also reports other senders in UMI chats: the
// customer's own messages echoed back (sender_type "visitor") and automated rule messages
// ("rule"). Sending a visitor echo would bounce the customer's words back to them, and
// rule messages are giosg-side automation we have not been asked to forward, so both are
// acknowledged (200, so giosg does not retry) and ignored. A reply given as a plain string
// carries no sender type; giosg only sends that form for agent replies, so it is sent.
import { isCustomerId } from '../../meta/customer-address';
import { randomUUID } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import type { Services } from '../../services';
import type { OutboxRepo } from '../../store/outbox-repo';
import { HttpError } from '../../http/errors';
import { umiReplyWebhook } from '../../giosg/assumed-shapes';
import { giosgWebhookGate } from '../../http/giosg-webhook-gate';
import { replyRows } from '../media/reply-attachments';
import { translator } from '../../i18n';
import { splitReplyNotice } from './split-reply-notice';

const AGENT_SENDER_TYPES = new Set(['user', 'agent']);

/** `outbox` is the window gate in production (channel/window/window-gate.ts): it holds replies outside the 24-hour window. */
export function giosgReplyRoutes(app: Express, s: Services, outbox: Pick<OutboxRepo, 'enqueue'>, onEnqueued: (tenantId: string) => void): void {
  const counted = (result: string) => s.metrics.webhooks.inc({ source: 'giosg_replies', result });

  app.post(
    '/webhooks/giosg/:tenant/replies',
    ...giosgWebhookGate(s, counted),
    async (req: Request<{ tenant: string }>, res: Response) => {
      const tenant = (await s.tenants.get(req.params.tenant))!;
      const parsed = umiReplyWebhook.safeParse(req.body);
      if (!parsed.success) {
        counted('schema');
        const issue = parsed.error.issues[0];
        const path = issue.path.map(String).join('.') || '(root)';
        throw new HttpError(422, 'schema_mismatch', `Invalid field at ${path}: ${issue.message}`, { path });
      }
      const b = parsed.data;
      if (!isCustomerId(b.thread_id)) {
        counted('schema');
        throw new HttpError(422, 'schema_mismatch', 'Invalid field at thread_id: expected the customer’s WhatsApp id (phone number digits or a business-scoped user id)', { path: 'thread_id' });
      }
      if (b.channel_id !== undefined && tenant.giosgUmiChannelId && b.channel_id !== tenant.giosgUmiChannelId) {
        counted('schema');
        throw new HttpError(422, 'wrong_channel', 'Invalid field at channel_id: not this tenant’s WhatsApp channel', { path: 'channel_id' });
      }
      const msg = typeof b.message === 'string' ? { id: undefined, text: b.message, sender_type: undefined, attachments: undefined } : b.message;
      const attachments = msg.attachments ?? [];
      if (msg.sender_type !== undefined && !AGENT_SENDER_TYPES.has(msg.sender_type)) {
        counted('ignored');
        res.status(200).json({ ok: true, ignored: 'not_an_agent_message' });
        return;
      }
      if (msg.text.trim() === '' && attachments.length === 0) {
        counted('ignored');
        res.status(200).json({ ok: true, ignored: 'empty_message' });
        return;
      }
      // The plain-string form carries no giosg message id, so its redeliveries cannot be
      // recognised: it is queued under a fresh id (documented limitation of that form).
      const sourceId = msg.id ?? `nomsgid:${randomUUID()}`;
      const plan = replyRows({ box: s.box, tenantId: tenant.id, sourceId, recipient: b.thread_id, chatId: b.chat_id ?? null, text: msg.text, attachments });
      const ids = plan.rows.length > 0 ? await outbox.enqueue(plan.rows, s.clock.now()) : [];
      const duplicate = plan.rows.length > 0 && ids.length === 0;
      counted(ids.length > 0 ? 'accepted' : duplicate ? 'duplicate' : 'refused');
      res.status(200).json({ ok: true, queued: ids.length, duplicate, ...(plan.notices.length > 0 ? { refused: plan.notices.length } : {}) });
      if (!duplicate && plan.notices.length > 0 && b.chat_id) {
        // Attachments WhatsApp cannot take: the agent hears why, in the chat they wrote in.
        const t = translator(tenant.defaultLocale);
        const chatId = b.chat_id;
        void (async () => {
          for (const n of plan.notices) {
            await s.giosgFor(tenant).postChatMessage(tenant.giosgBotUserId, chatId, { message: t(n.key, n.vars) });
          }
        })().catch((err) => s.logger.warn({ tenant: tenant.id, err: { name: (err as Error)?.name, message: (err as Error)?.message } }, 'could not tell the agent that an attachment was not sent'));
      }
      if (ids.length > 0) onEnqueued(tenant.id);
      // Only the delivery that queued every part tells the agent; giosg's redeliveries do not.
      const parts = plan.rows.filter((r) => !r.media).length;
      if (parts > 1 && ids.length === plan.rows.length) void splitReplyNotice(s, tenant, b.chat_id ?? null, parts);
    },
  );
}
