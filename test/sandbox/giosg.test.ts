// The giosg simulator stands in for giosg in the integration tests and the sandbox; here
// its routes, webhooks and failure modes are checked over real loopback HTTP.
import axios, { type AxiosInstance } from 'axios';
import { startGiosgSimulator, type GiosgSim } from '../../src/sandbox/giosg';
import { startReceiver, type Receiver } from './receiver';

const API_TOKEN = 'giosg-api-token-for-tests';
const ORG = 'org-1';
const BOT = 'bot-user-1';
const CHANNEL = 'umi-channel-1';

let sim: GiosgSim;
let api: AxiosInstance;
let rx: Receiver;

beforeAll(async () => {
  sim = await startGiosgSimulator({ apiToken: API_TOKEN, orgId: ORG, botUserId: BOT });
  api = axios.create({
    baseURL: sim.url,
    validateStatus: () => true,
    timeout: 2000,
    headers: { Authorization: `Token ${API_TOKEN}` },
  });
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.reset();
  rx = await startReceiver();
  sim.addUmiChannel({ id: CHANNEL, reply_webhook_url: `${rx.url}/webhooks/giosg/default/replies?secret=s3cret` });
  sim.setBotWebhook(`${rx.url}/webhooks/giosg/default?secret=s3cret`);
});
afterEach(() => rx.close());

const intake = (body: object, channel = CHANNEL) =>
  api.post(`/api/v5/orgs/${ORG}/unified_messaging/${channel}/messages`, body);
const openChat = async (): Promise<string> => (await api.post(`/api/v5/users/${BOT}/chats`, {})).data.id;
const chatPath = (chatId: string) => `/api/v5/users/${BOT}/chats/${chatId}`;

describe('authentication', () => {
  it('binds to loopback only', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses a missing or wrong token with 401', async () => {
    const none = await axios.post(`${sim.url}/api/v5/users/${BOT}/chats`, {}, { validateStatus: () => true });
    expect(none.status).toBe(401);
    expect(none.data).toEqual({ detail: 'Authentication credentials were not provided.' });
    const wrong = await axios.post(`${sim.url}/api/v5/users/${BOT}/chats`, {}, {
      validateStatus: () => true,
      headers: { Authorization: 'Token nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.data).toEqual({ detail: 'Invalid token.' });
    expect(sim.chats).toHaveLength(0);
  });

  it('accepts the token as Bearer too', async () => {
    const r = await axios.post(`${sim.url}/api/v5/users/${BOT}/chats`, {}, { headers: { Authorization: `Bearer ${API_TOKEN}` } });
    expect(r.status).toBe(201);
  });
});

describe('UMI', () => {
  it('registers a channel', async () => {
    const body = { name: 'WhatsApp', messaging_channel: 'whatsapp', room_id: 'room-9', reply_webhook_url: 'http://127.0.0.1:1/r?secret=x' };
    const r = await api.post(`/api/v5/orgs/${ORG}/unified_messaging`, body);
    expect(r.status).toBe(201);
    expect(r.data).toMatchObject({ ...body, id: expect.any(String), organization_id: ORG });
    expect(sim.umiChannels).toContainEqual(expect.objectContaining({ id: r.data.id, room_id: 'room-9' }));
    const got = await api.get(`/api/v5/orgs/${ORG}/unified_messaging/${r.data.id}`);
    expect(got.data.reply_webhook_url).toBe(body.reply_webhook_url);
  });

  it('refuses another organization and a bad body', async () => {
    const other = await api.post('/api/v5/orgs/org-2/unified_messaging', {});
    expect(other.status).toBe(403);
    const bad = await api.post(`/api/v5/orgs/${ORG}/unified_messaging`, { name: 'x', reply_webhook_url: 'not a url' });
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({
      messaging_channel: ['This field is required.'],
      room_id: ['This field is required.'],
      reply_webhook_url: [expect.any(String)],
    });
  });

  it('takes in a customer message and opens a chat for the thread', async () => {
    const r = await intake({ thread_id: '358401234567', text: 'Hei', sender_name: 'Maija', external_message_id: 'wamid.A' });
    expect(r.status).toBe(201);
    expect(r.data).toEqual({ id: expect.any(String), chat_id: expect.any(String), thread_id: '358401234567' });
    expect(sim.umiMessages).toEqual([
      {
        id: r.data.id,
        channelId: CHANNEL,
        thread_id: '358401234567',
        chat_id: r.data.chat_id,
        text: 'Hei',
        sender_name: 'Maija',
        external_message_id: 'wamid.A',
        at: expect.any(Number),
      },
    ]);
    expect(sim.chats.map((c) => c.id)).toEqual([r.data.chat_id]);
  });

  it('reuses the chat of a thread and opens another for another thread', async () => {
    const a = await intake({ thread_id: '111111', text: 'one' });
    const b = await intake({ thread_id: '111111', text: 'two' });
    const c = await intake({ thread_id: '222222', text: 'three' });
    expect(b.data.chat_id).toBe(a.data.chat_id);
    expect(c.data.chat_id).not.toBe(a.data.chat_id);
    expect(sim.umiMessages).toHaveLength(3);
  });

  it('is idempotent on external_message_id', async () => {
    const body = { thread_id: '358401234567', text: 'Hei', external_message_id: 'wamid.DUP' };
    const first = await intake(body);
    const again = await intake(body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.data).toEqual(first.data);
    expect(sim.umiMessages).toHaveLength(1);
    const other = await intake({ ...body, external_message_id: 'wamid.NEW' });
    expect(other.data.id).not.toBe(first.data.id);
    expect(sim.umiMessages).toHaveLength(2);
  });

  it('answers 404 for an unknown channel and 400 for a missing field', async () => {
    expect((await intake({ thread_id: '1', text: 'x' }, 'nope')).status).toBe(404);
    const bad = await intake({ text: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.data).toEqual({ thread_id: ['This field is required.'] });
  });

  it('posts an agent reply to the reply webhook with the assumed body', async () => {
    const { data } = await intake({ thread_id: '358401234567', text: 'Hei' });
    const r = await sim.agentReply({ channelId: CHANNEL, threadId: '358401234567', text: 'Hello from giosg', messageId: 'msg-1' });
    expect(r).toEqual({ status: 200 });
    const [got] = rx.received;
    expect(got.url).toBe('/webhooks/giosg/default/replies?secret=s3cret');
    expect(got.json).toEqual({
      thread_id: '358401234567',
      chat_id: data.chat_id,
      organization_id: ORG,
      channel_id: CHANNEL,
      message: { id: 'msg-1', text: 'Hello from giosg', sender_type: 'user', sender_name: expect.any(String), created_at: expect.any(String) },
    });
    expect(Number.isNaN(Date.parse(got.json.message.created_at))).toBe(false);
  });

  it('reports the status our reply webhook answered', async () => {
    rx.script(401);
    expect(await sim.agentReply({ channelId: CHANNEL, threadId: '1', text: 'x' })).toEqual({ status: 401 });
    await expect(sim.agentReply({ channelId: 'nope', threadId: '1', text: 'x' })).rejects.toThrow('unknown UMI channel');
  });
});

describe('bot user chats', () => {
  it('opens and reads a chat', async () => {
    const created = await api.post(`/api/v5/users/${BOT}/chats`, {});
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ id: expect.any(String), created_at: expect.any(String) });
    const got = await api.get(chatPath(created.data.id));
    expect(got.status).toBe(200);
    expect(got.data.id).toBe(created.data.id);
    expect((await api.get(chatPath('missing'))).status).toBe(404);
  });

  it('refuses to act as another user', async () => {
    expect((await api.post('/api/v5/users/someone-else/chats', {})).status).toBe(403);
  });

  it('posts a message with buttons and records it', async () => {
    const chatId = await openChat();
    const attachments = [{ text: 'Pick one', actions: [{ text: 'I already have a token', type: 'button', value: 'have_token' }] }];
    const r = await api.post(`${chatPath(chatId)}/messages`, { message: 'Renew the token?', attachments });
    expect(r.status).toBe(201);
    expect(r.data).toMatchObject({
      id: expect.any(String),
      type: 'msg',
      chat_id: chatId,
      sender_type: 'user',
      sender_id: BOT,
      message: 'Renew the token?',
      attachments,
    });
    expect(sim.chatMessages).toEqual([
      { id: r.data.id, userId: BOT, chatId, message: 'Renew the token?', attachments, at: expect.any(Number) },
    ]);
  });

  it('accepts 2000 characters and refuses 2001 with 400', async () => {
    const chatId = await openChat();
    expect((await api.post(`${chatPath(chatId)}/messages`, { message: 'x'.repeat(2000) })).status).toBe(201);
    const r = await api.post(`${chatPath(chatId)}/messages`, { message: 'x'.repeat(2001) });
    expect(r.status).toBe(400);
    expect(r.data).toEqual({ message: ['Ensure this field has no more than 2000 characters.'] });
    expect(sim.chatMessages).toHaveLength(1);
  });

  it('refuses an empty message and a malformed button', async () => {
    const chatId = await openChat();
    expect((await api.post(`${chatPath(chatId)}/messages`, {})).status).toBe(400);
    const bad = await api.post(`${chatPath(chatId)}/messages`, { message: 'x', attachments: [{ actions: [{ text: 'a', type: 'link' }] }] });
    expect(bad.status).toBe(400);
    expect((await api.post(`${chatPath('missing')}/messages`, { message: 'x' })).status).toBe(404);
  });

  it('lists messages paginated with next/previous links', async () => {
    const chatId = await openChat();
    for (let i = 0; i < 25; i++) await api.post(`${chatPath(chatId)}/messages`, { message: `m${i}` });
    const page1 = await api.get(`${chatPath(chatId)}/messages`, { params: { page_size: 10 } });
    expect(page1.data.previous).toBeNull();
    expect(page1.data.results.map((m: { message: string }) => m.message)).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    const page2 = await api.get(page1.data.next);
    const page3 = await api.get(page2.data.next);
    expect(page2.data.results[0].message).toBe('m10');
    expect(page3.data.results.map((m: { message: string }) => m.message)).toEqual(['m20', 'm21', 'm22', 'm23', 'm24']);
    expect(page3.data.next).toBeNull();
    expect(page3.data.previous).toEqual(expect.stringContaining('page=2'));
  });

  it('invites a team into a chat', async () => {
    const chatId = await openChat();
    const r = await api.post(`${chatPath(chatId)}/outgoing_chat_invitations`, { invited_team_id: 'team-admins' });
    expect(r.status).toBe(201);
    expect(r.data).toMatchObject({ chat_id: chatId, invited_team_id: 'team-admins' });
    expect(sim.chats.find((c) => c.id === chatId)?.invitedTeams).toEqual(['team-admins']);
    expect((await api.post(`${chatPath(chatId)}/outgoing_chat_invitations`, {})).status).toBe(400);
  });
});

describe('adminSays', () => {
  it('posts the giosg chat-message event to the bot webhook', async () => {
    const r = await sim.adminSays({ chatId: 'chat-42', text: 'renew', senderId: 'admin-7', senderName: 'Anna' });
    expect(r).toEqual({ status: 200, resourceId: expect.any(String) });
    const [got] = rx.received;
    expect(got.url).toBe('/webhooks/giosg/default?secret=s3cret');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.json).toEqual({
      channel: `/api/v5/users/${BOT}/chats/chat-42/messages`,
      action: 'added',
      resource_id: r.resourceId,
      resource: {
        id: r.resourceId,
        type: 'msg',
        chat_id: 'chat-42',
        room_id: expect.any(String),
        created_at: expect.any(String),
        sender_type: 'user',
        sender_id: 'admin-7',
        sender_name: 'Anna',
        message: 'renew',
        attachments: [],
        response_value: null,
      },
    });
    expect(sim.chats.map((c) => c.id)).toContain('chat-42');
    expect(sim.adminMessages).toHaveLength(1);
    expect(sim.chatMessages).toHaveLength(0);
  });

  it('carries a button press as response_value with the button label as text', async () => {
    const chatId = await openChat();
    await api.post(`${chatPath(chatId)}/messages`, {
      message: 'Choose',
      attachments: [{ actions: [{ text: 'I already have a token', type: 'button', value: 'have_token' }] }],
    });
    await sim.adminSays({ chatId, responseValue: 'have_token', language: 'fi', type: 'msg' });
    const resource = rx.received[0].json.resource;
    expect(resource).toMatchObject({ response_value: 'have_token', message: 'I already have a token', language: 'fi' });
  });

  it('replays a resource id as a redelivery without duplicating the chat history', async () => {
    const first = await sim.adminSays({ chatId: 'c1', text: 'hi', resourceId: 'res-1' });
    const again = await sim.adminSays({ chatId: 'c1', text: 'hi', resourceId: 'res-1' });
    expect(first.resourceId).toBe('res-1');
    expect(again.resourceId).toBe('res-1');
    expect(rx.received.map((x) => x.json.resource_id)).toEqual(['res-1', 'res-1']);
    expect(sim.adminMessages).toHaveLength(1);
  });

  it('passes non-msg types through and reports our answer', async () => {
    rx.script(401);
    const r = await sim.adminSays({ chatId: 'c2', type: 'join' });
    expect(r.status).toBe(401);
    expect(rx.received[0].json.resource.type).toBe('join');
  });

  it('needs a bot webhook', async () => {
    sim.reset();
    await expect(sim.adminSays({ chatId: 'c', text: 'x' })).rejects.toThrow('no bot webhook');
  });
});

describe('failure modes', () => {
  afterEach(() => sim.setMode('ok'));

  it('down: resets the connection', async () => {
    sim.setMode('down');
    await expect(api.post(`/api/v5/users/${BOT}/chats`, {})).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(sim.chats).toHaveLength(0);
  });

  it('5xx: answers 503', async () => {
    sim.setMode('5xx');
    expect((await api.post(`/api/v5/users/${BOT}/chats`, {})).status).toBe(503);
    expect(sim.chats).toHaveLength(0);
  });

  it('429: answers with Retry-After', async () => {
    sim.setMode('429', { retryAfterSec: 7 });
    const r = await api.post(`/api/v5/users/${BOT}/chats`, {});
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
    expect(r.data.detail).toContain('7 seconds');
  });

  it('401: refuses even the right token', async () => {
    sim.setMode('401');
    const r = await api.post(`/api/v5/users/${BOT}/chats`, {});
    expect(r.status).toBe(401);
    expect(r.data).toEqual({ detail: 'Invalid token.' });
  });

  it('failNext fails exactly the next n requests', async () => {
    sim.failNext(2, 502);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.post(`/api/v5/users/${BOT}/chats`, {})).status);
    expect(statuses).toEqual([502, 502, 201]);
    expect(sim.chats).toHaveLength(1);
    sim.failNext(1, 429);
    const r = await api.post(`/api/v5/users/${BOT}/chats`, {});
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
  });
});

describe('control API (/_sim)', () => {
  it('shows state without webhook secrets', async () => {
    await intake({ thread_id: '1', text: 'x' });
    const r = await api.get('/_sim/state');
    expect(r.status).toBe(200);
    expect(r.data).toMatchObject({ orgId: ORG, botUserId: BOT, mode: 'ok', umiMessageCount: 1 });
    expect(r.data.umiChannels[0].reply_webhook_url).toBe(`${rx.url}/webhooks/giosg/default/replies`);
    expect(r.data.botWebhook).toBe(`${rx.url}/webhooks/giosg/default`);
    expect(JSON.stringify(r.data)).not.toContain('s3cret');
    expect(JSON.stringify(r.data)).not.toContain(API_TOKEN);
  });

  it('lets the playground be the admin and read the chat back', async () => {
    const said = await api.post('/_sim/admin-says', { chatId: 'pg-chat', text: 'renew' });
    expect(said.data).toEqual({ status: 200, resourceId: expect.any(String) });
    expect(rx.received[0].json.resource.message).toBe('renew');
    await api.post(`${chatPath('pg-chat')}/messages`, { message: 'Here is your link' });
    const all = await api.get('/_sim/chats/pg-chat/messages');
    expect(all.data.items.map((m: { message: string }) => m.message)).toEqual(['renew', 'Here is your link']);
    expect(all.data.next).toBe(2);
    await api.post(`${chatPath('pg-chat')}/messages`, { message: 'Done' });
    const more = await api.get('/_sim/chats/pg-chat/messages', { params: { since: 2 } });
    expect(more.data).toEqual({ items: [expect.objectContaining({ message: 'Done', sender_id: BOT })], next: 3 });
    expect((await api.post('/_sim/admin-says', { chatId: 'pg-chat' })).status).toBe(400);
  });

  it('lets the playground be the agent and list UMI intake', async () => {
    await intake({ thread_id: '358401234567', text: 'Hei' });
    const r = await api.post('/_sim/agent-reply', { channelId: CHANNEL, threadId: '358401234567', text: 'Moi' });
    expect(r.data).toEqual({ status: 200 });
    expect(rx.received[0].json).toMatchObject({ thread_id: '358401234567', message: { text: 'Moi' } });
    expect((await api.post('/_sim/agent-reply', { channelId: 'nope', threadId: '1', text: 'x' })).status).toBe(404);
    const umi = await api.get('/_sim/umi-messages', { params: { since: 0 } });
    expect(umi.data).toEqual({ items: [expect.objectContaining({ text: 'Hei' })], next: 1 });
  });

  it('reports an unreachable bot webhook as 502', async () => {
    await rx.close();
    const r = await api.post('/_sim/admin-says', { chatId: 'c', text: 'x' });
    expect(r.status).toBe(502);
    expect(JSON.stringify(r.data)).not.toContain('s3cret');
  });

  it('switches mode, also while the API is refusing', async () => {
    sim.setMode('5xx');
    const r = await api.post('/_sim/mode', { mode: '429', retryAfterSec: 3 });
    expect(r.data).toEqual({ mode: '429', retryAfterSec: 3 });
    expect((await api.get(chatPath('x'))).headers['retry-after']).toBe('3');
    await api.post('/_sim/mode', { mode: 'ok' });
    expect((await api.get(chatPath('x'))).status).toBe(404);
    expect((await api.post('/_sim/mode', { mode: 'broken' })).status).toBe(400);
  });
});

describe('bookkeeping', () => {
  it('logs API requests, not control calls', async () => {
    await api.post(`/api/v5/users/${BOT}/chats`, {});
    await api.get('/_sim/state');
    expect(sim.requests).toEqual([{ method: 'POST', path: `/api/v5/users/${BOT}/chats`, at: expect.any(Number) }]);
  });

  it('answers malformed JSON with 400', async () => {
    const r = await api.post(`/api/v5/users/${BOT}/chats`, '{"x', { headers: { 'Content-Type': 'application/json' } });
    expect(r.status).toBe(400);
  });

  it('reset clears everything in place', async () => {
    const ref = sim.umiMessages;
    await intake({ thread_id: '1', text: 'x' });
    sim.failNext(3, 500);
    sim.reset();
    expect(ref).toHaveLength(0);
    expect(sim.umiChannels).toHaveLength(0);
    expect((await api.post(`/api/v5/users/${BOT}/chats`, {})).status).toBe(201);
  });
});
