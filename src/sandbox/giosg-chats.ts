// Chat routes of the bot user: open a chat, read it, post into it (≤ 2000 chars, buttons as
// attachments), list its messages (paginated like every giosg list, newest first with
// ordering=-created_at), invite a team and list the chat's invitations.
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseDrf } from './giosg-validation';
import { maxChars, nonBlank, requiredString } from './giosg-fields';
import type { GiosgState } from './giosg-state';
import type { MessageResource, SimChat } from './giosg-types';

export const MAX_MESSAGE_CHARS = 2000;
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const action = z.object({ text: nonBlank(), type: z.literal('button'), value: nonBlank() });
const attachment = z.object({ text: requiredString().optional(), actions: z.array(action).optional() });
const postBody = z
  .object({ message: maxChars(MAX_MESSAGE_CHARS).default(''), attachments: z.array(attachment).optional() })
  .refine((b) => b.message.length > 0 || (b.attachments?.length ?? 0) > 0, {
    message: 'This field may not be blank.',
    path: ['message'],
  });
// A team (alerts) or one user (the installing admin's setup chat, an assumed shape).
const inviteBody = z.union([z.object({ invited_team_id: nonBlank() }), z.object({ invited_user_id: nonBlank() })]);

const chatResource = (c: SimChat) => ({
  id: c.id,
  created_at: c.created_at,
  room_id: c.room_id,
  is_private: false,
  invited_team_ids: [...c.invitedTeams],
});

type ChatParams = { userId: string; chatId: string };

export function chatsRouter(state: GiosgState): Router {
  const r = Router({ mergeParams: true });

  // The API token is the bot user's; acting as another user is refused.
  r.use((req: Request<{ userId: string }>, res: Response, next) => {
    if (req.params.userId === (res.locals.botUserId ?? state.botUserId)) return next();
    res.status(403).json({ detail: 'You do not have permission to perform this action.' });
  });

  r.post('/', (_req, res) => {
    res.status(201).json(chatResource(state.openChat()));
  });

  const withChat = (req: Request<ChatParams>, res: Response): SimChat | undefined => {
    const chat = state.chat(req.params.chatId);
    if (!chat) res.status(404).json({ detail: 'Not found.' });
    return chat;
  };

  r.get('/:chatId', (req: Request<ChatParams>, res) => {
    const chat = withChat(req, res);
    if (chat) res.json(chatResource(chat));
  });

  r.post('/:chatId/messages', (req: Request<ChatParams>, res) => {
    const chat = withChat(req, res);
    if (!chat) return;
    const b = parseDrf(postBody, req.body, res);
    if (!b) return;
    const now = Date.now();
    const resource: MessageResource = {
      id: randomUUID(),
      type: 'msg',
      chat_id: chat.id,
      room_id: chat.room_id,
      created_at: new Date(now).toISOString(),
      sender_type: 'user',
      sender_id: req.params.userId,
      sender_name: 'Bot',
      message: b.message,
      attachments: b.attachments ?? [],
      response_value: null,
    };
    state.timeline.push(resource);
    state.chatMessages.push({
      id: resource.id,
      userId: req.params.userId,
      chatId: chat.id,
      message: b.message,
      attachments: b.attachments,
      at: now,
    });
    res.status(201).json(resource);
  });

  r.get('/:chatId/messages', (req: Request<ChatParams>, res) => {
    const chat = withChat(req, res);
    if (!chat) return;
    const all = state.timeline.filter((m) => m.chat_id === chat.id);
    if (req.query.ordering === '-created_at') all.reverse();
    const size = Math.min(Math.max(Number(req.query.page_size) || DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const page = Math.max(Number(req.query.page) || 1, 1);
    const link = (p: number) =>
      `${req.protocol}://${req.get('host')}${req.baseUrl}/${chat.id}/messages?page=${p}&page_size=${size}`;
    res.json({
      next: page * size < all.length ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
      results: all.slice((page - 1) * size, page * size),
    });
  });

  r.get('/:chatId/outgoing_chat_invitations', (req: Request<ChatParams>, res) => {
    const chat = withChat(req, res);
    if (!chat) return;
    res.json({ next: null, previous: null, results: chat.invitations });
  });

  r.post('/:chatId/outgoing_chat_invitations', (req: Request<ChatParams>, res) => {
    const chat = withChat(req, res);
    if (!chat) return;
    const b = parseDrf(inviteBody, req.body, res);
    if (!b) return;
    if ('invited_user_id' in b) {
      chat.invitedUsers = [...(chat.invitedUsers ?? []), b.invited_user_id];
      const invitation = { id: randomUUID(), chat_id: chat.id, invited_user_id: b.invited_user_id, created_at: new Date().toISOString() };
      chat.invitations.push(invitation);
      res.status(201).json(invitation);
      return;
    }
    chat.invitedTeams.push(b.invited_team_id);
    const invitation = { id: randomUUID(), chat_id: chat.id, invited_team_id: b.invited_team_id, created_at: new Date().toISOString() };
    chat.invitations.push(invitation);
    res.status(201).json(invitation);
  });

  return r;
}
