// POST /webhooks/giosg/:tenant: secret, schema, what is ignored, dedupe, token scrubbing,
// and durability (an event stored before a crash is still answered after the restart).
import { startHarness, waitFor, makeToken, type Harness } from '../../testkit/harness';
import { BotEventRepo } from '../../src/store/bot-events';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const SECRET = 'whsec-0123456789abcdef';
const msg = (over: Record<string, unknown> = {}) => ({
  id: 'm-1',
  type: 'msg',
  chat_id: 'chat-r',
  room_id: 'room',
  created_at: new Date().toISOString(),
  sender_type: 'user',
  sender_id: 'admin-1',
  sender_name: 'Admin',
  message: 'status',
  attachments: [],
  response_value: null,
  ...over,
});
const event = (resource: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  channel: '/api/v5/users/bot-user-1/chats/chat-r/messages',
  action: 'added',
  resource_id: resource.id,
  resource,
  ...over,
});
async function post(body: unknown, o: { secret?: string | null; header?: boolean; tenant?: string; raw?: string } = {}) {
  const secret = o.secret === undefined ? SECRET : o.secret;
  const qs = secret !== null && !o.header ? `?secret=${encodeURIComponent(secret)}` : '';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.header && secret !== null) headers['x-webhook-secret'] = secret;
  const res = await fetch(`${h.url}/webhooks/giosg/${o.tenant ?? 't1'}${qs}`, { method: 'POST', headers, body: o.raw ?? JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
/** A chat that exists in the giosg simulator (giosg only sends events for real chats). */
const newChat = async () => (await h.services.giosgFor(h.tenant).createChat(h.tenant.giosgBotUserId)).id;
const stored = () => h.services.store.db.selectFrom('giosg_events').selectAll().execute();
const botSaid = (chatId: string) => h.giosg.chatMessages.filter((m) => m.chatId === chatId);

describe('giosg bot receiver', () => {
  it('accepts the secret in the query or the X-Webhook-Secret header; 401 and nothing stored otherwise', async () => {
    expect((await post(event(msg({ id: 'a1' })), { secret: 'wrong-secret-wrong-secret' })).status).toBe(401);
    expect((await post(event(msg({ id: 'a2' })), { secret: null })).status).toBe(401);
    expect((await post(event(msg({ id: 'a3' })), { secret: 'wrong', header: true })).status).toBe(401);
    expect(await stored()).toHaveLength(0);
    expect((await post(event(msg({ id: 'a4' })), { tenant: 'nope' })).status).toBe(404);
    const [viaHeader, viaQuery] = [await newChat(), await newChat()];
    expect((await post(event(msg({ id: 'a5', chat_id: viaHeader })), { header: true })).status).toBe(200);
    expect((await post(event(msg({ id: 'a6', chat_id: viaQuery })))).status).toBe(200);
    await waitFor(() => botSaid(viaHeader).length === 1 && botSaid(viaQuery).length === 1, 'status replies');
  });

  it('400 for malformed JSON, 422 with the path of the bad field', async () => {
    expect((await post(null, { raw: '{"channel":' })).status).toBe(400);
    const noChat = await post(event(msg({ id: 'b1', chat_id: undefined })));
    expect(noChat.status).toBe(422);
    expect(noChat.body.error.details.path).toBe('resource.chat_id');
    const noId = await post({ channel: 'x', action: 'added', resource: msg() });
    expect(noId.status).toBe(422);
    expect(noId.body.error.details.path).toBe('resource_id');
    expect(await stored()).toHaveLength(0);
  });

  it('ignores the bot\'s own messages, non-msg types, other actions and non-users with 200', async () => {
    const cases: Array<[unknown, string]> = [
      [event(msg({ id: 'c1', sender_id: 'bot-user-1' })), 'own_message'],
      [event(msg({ id: 'c2', type: 'join' })), 'not_a_message'],
      [event(msg({ id: 'c3' }), { action: 'changed' }), 'not_added'],
      [event(msg({ id: 'c4' }), { action: 'removed', resource: null }), 'not_added'],
      [event(msg({ id: 'c5', sender_type: 'visitor' })), 'not_a_giosg_user'],
      [event(msg({ id: 'c6', message: '   ' })), 'empty_message'],
    ];
    for (const [body, reason] of cases) {
      const r = await post(body);
      expect(r).toEqual({ status: 200, body: { ok: true, ignored: reason } });
    }
    expect(await stored()).toHaveLength(0);
    await h.bot.inbox.idle();
    expect(botSaid('chat-r')).toHaveLength(0);
  });

  it('dedupes on resource_id: a redelivery is acknowledged and answered once', async () => {
    const first = await h.giosg.adminSays({ chatId: 'chat-d', text: 'help', resourceId: 'dup-1' });
    const again = await h.giosg.adminSays({ chatId: 'chat-d', text: 'help', resourceId: 'dup-1' });
    expect([first.status, again.status]).toEqual([200, 200]);
    await h.bot.inbox.idle();
    await waitFor(() => botSaid('chat-d').length === 1, 'one help reply');
    expect((await post(event(msg({ id: 'dup-1', chat_id: 'chat-d' })))).body).toEqual({ ok: true, duplicate: true });
    await h.bot.inbox.idle();
    expect(botSaid('chat-d')).toHaveLength(1);
    const row = (await stored()).find((r) => r.resource_id === 'dup-1')!;
    expect(row.processed_at).not.toBeNull();
    expect(row.payload).toBeNull(); // the text is dropped once processed
  });

  it('a pasted token never reaches the database, the log or Botkit; the admin is warned', async () => {
    const token = makeToken();
    const r = await h.giosg.adminSays({ chatId: 'chat-t', text: `here it is ${token}` });
    expect(r.status).toBe(200);
    const [reply] = await waitFor(() => (botSaid('chat-t').length ? botSaid('chat-t') : null), 'warning');
    expect(reply.message).toMatch(/don't paste tokens/);
    const db = JSON.stringify([await stored(), await h.services.store.db.selectFrom('bot_state').selectAll().execute()]);
    expect(db).not.toContain(token);
    expect(h.logs.text()).not.toContain(token);
    expect(h.logs.text()).not.toContain(SECRET);
  });

  it('an event stored before a crash is processed by the sweep after the restart', async () => {
    const inbox = h.bot.inbox;
    const chat = await newChat();
    // What the receiver stored just before the process died (200 already sent).
    const repo = new BotEventRepo(h.services.store.db);
    await repo.insertIfNew({
      tenantId: 't1',
      resourceId: 'crash-1',
      chatId: chat,
      receivedAt: h.services.clock.now() - 60_000,
      payload: JSON.stringify({ id: 'crash-1', chatId: chat, senderId: 'admin-1', senderName: 'Admin', senderType: 'user', text: 'help', responseValue: null, language: null, tokenPasted: false, createdAt: null }),
    });
    expect(await inbox.sweep()).toBe(1);
    await inbox.idle();
    expect(botSaid(chat)).toHaveLength(1);
    expect(botSaid(chat)[0].message).toContain('renew');
    expect(await inbox.sweep()).toBe(0);
  });

  it('a turn that fails while giosg is down is retried later, not lost', async () => {
    const inbox = h.bot.inbox;
    const chat = await newChat();
    h.giosg.setMode('401');
    await post(event(msg({ id: 'down-1', chat_id: chat, message: 'help' })));
    await inbox.idle();
    const row = (await stored()).find((r) => r.resource_id === 'down-1')!;
    expect(row.processed_at).toBeNull();
    expect(row.last_error).toMatch(/giosg rejected our credentials/);
    h.giosg.setMode('ok');
    expect(await inbox.processOne('t1', 'down-1')).toBe('not_claimed'); // still backing off
    await h.services.store.db.updateTable('giosg_events').set({ claimed_until: 0 }).where('resource_id', '=', 'down-1').execute();
    expect(await inbox.processOne('t1', 'down-1')).toBe('done');
    expect(botSaid(chat)).toHaveLength(1);
  });
});
