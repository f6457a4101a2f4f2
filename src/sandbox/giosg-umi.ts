// UMI routes: channel registration (public giosg API) and customer-message intake (our
// assumed shape, DESIGN.md section 5). Intake is idempotent on external_message_id
// because Meta redelivers webhooks and the channel must not double-post.
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseDrf } from './giosg-validation';
import { nonBlank, requiredString } from './giosg-fields';
import type { GiosgState } from './giosg-state';
import type { UmiMessage } from './giosg-types';
import type { UploadStore } from './giosg-uploads';

const registerBody = z.object({
  name: nonBlank(),
  messaging_channel: nonBlank(),
  room_id: nonBlank(),
  reply_webhook_url: z.url('Enter a valid URL.'),
});

const intakeBody = z.object({
  thread_id: nonBlank(),
  text: nonBlank(),
  sender_name: requiredString().optional(),
  external_message_id: requiredString().optional(),
  attachments: z
    .array(z.object({ upload_id: nonBlank(), file_name: nonBlank(), content_type: nonBlank(), file_size: z.number().int().nonnegative(), url: nonBlank() }))
    .max(10)
    .optional(),
});

const intakeAnswer = (m: UmiMessage) => ({ id: m.id, chat_id: m.chat_id, thread_id: m.thread_id });

export function umiRouter(state: GiosgState, uploads?: UploadStore): Router {
  const r = Router({ mergeParams: true });

  // Tokens are per organization; another org's path is a permission error, as in giosg.
  r.use((req: Request<{ org: string }>, res: Response, next) => {
    if (req.params.org === (res.locals.orgId ?? state.orgId)) return next();
    res.status(403).json({ detail: 'You do not have permission to perform this action.' });
  });

  r.post('/', (req, res) => {
    const b = parseDrf(registerBody, req.body, res);
    if (!b) return;
    const channel = { id: randomUUID(), ...b, orgId: (res.locals.orgId as string | undefined) ?? state.orgId };
    state.umiChannels.push(channel);
    res.status(201).json({ ...channel, organization_id: (res.locals.orgId as string | undefined) ?? state.orgId, created_at: new Date().toISOString() });
  });

  r.get('/', (_req, res) => {
    const own = state.umiChannels.filter((c) => (c.orgId ?? state.orgId) === ((res.locals.orgId as string | undefined) ?? state.orgId));
    res.json({ next: null, previous: null, results: own.map((c) => ({ ...c, organization_id: (res.locals.orgId as string | undefined) ?? state.orgId })) });
  });

  r.get('/:channelId', (req, res) => {
    const c = state.channel(req.params.channelId);
    if (!c) return void res.status(404).json({ detail: 'Not found.' });
    res.json({ ...c, organization_id: (res.locals.orgId as string | undefined) ?? state.orgId });
  });

  r.post('/:channelId/messages', (req, res) => {
    const channel = state.channel(req.params.channelId);
    if (!channel) return void res.status(404).json({ detail: 'Not found.' });
    const b = parseDrf(intakeBody, req.body, res);
    if (!b) return;
    if (b.external_message_id !== undefined) {
      const seen = state.umiMessageByExternalId(channel.id, b.external_message_id);
      if (seen) return void res.status(200).json(intakeAnswer(seen));
    }
    // An attachment must name a finished upload of this organization, as giosg would insist.
    const missing = (b.attachments ?? []).findIndex((a) => !uploads?.uploads.get(a.upload_id)?.uploaded);
    if (missing >= 0) return void res.status(400).json({ attachments: { [missing]: { upload_id: ['Upload not found or not finished.'] } } });
    const chat = state.threadChat(channel, b.thread_id);
    const msg: UmiMessage = {
      id: randomUUID(),
      channelId: channel.id,
      thread_id: b.thread_id,
      chat_id: chat.id,
      text: b.text,
      sender_name: b.sender_name,
      external_message_id: b.external_message_id,
      ...(b.attachments ? { attachments: b.attachments } : {}),
      at: Date.now(),
    };
    state.addUmiMessage(msg);
    state.timeline.push({
      id: msg.id,
      type: 'msg',
      chat_id: chat.id,
      room_id: chat.room_id,
      created_at: new Date(msg.at).toISOString(),
      sender_type: 'visitor',
      sender_id: b.thread_id,
      sender_name: b.sender_name ?? 'WhatsApp customer',
      message: b.text,
      attachments: b.attachments ?? [],
      response_value: null,
    });
    res.status(201).json(intakeAnswer(msg));
  });

  return r;
}
