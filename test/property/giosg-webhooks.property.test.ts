// giosg's two webhooks at the edge (bot chat events; UMI agent replies), over real HTTP
// against the real app: arbitrary and mutated bodies never get a 5xx, and only an
// accepted event leaves a row (bot: giosg_events; replies: outbox, as many as it says).
import fc from 'fast-check';
import { startHarness, TENANT, type Harness } from '../../testkit/harness';
import { countRows, junkBodyOf, mutatedOf } from './edge-helpers';

describe('giosg webhook edges (property)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ workers: false, config: { logLevel: 'warn' } });
    // The bot answers accepted events in their chat: make it a chat the simulator knows.
    await h.giosg.adminSays({ chatId: 'chat-1', text: 'hello' });
  });
  afterAll(async () => h && (await h.stop()));

  const post = async (path: string, raw: string, secret: string | null = TENANT.giosgWebhookSecret) => {
    const res = await fetch(`${h.url}${path}`, {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-webhook-secret': secret }) },
    });
    const text = await res.text();
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, body };
  };

  const botEvent = (n: number) => ({
    channel: `/api/v5/users/${TENANT.giosgBotUserId}/chats/*/messages`,
    action: 'added',
    resource_id: `m-${n}`,
    resource: {
      id: `m-${n}`,
      type: 'msg',
      chat_id: 'chat-1',
      room_id: 'room-1',
      created_at: '2026-01-01T10:00:00Z',
      sender_type: 'user',
      sender_id: 'admin-7',
      sender_name: 'Admin',
      message: 'status',
      attachments: [],
      response_value: null,
    },
  });
  const umiReply = (n: number) => ({
    thread_id: '358401234567',
    chat_id: 'chat-9',
    organization_id: TENANT.giosgOrganizationId,
    channel_id: TENANT.giosgUmiChannelId,
    message: { id: `r-${n}`, text: 'Hello from an agent', sender_type: 'user', sender_name: 'Agent', created_at: '2026-01-01T10:00:00Z' },
  });

  let seq = 0;
  test('bot events: mutated and junk bodies never 5xx; a row only when accepted', async () => {
    const path = `/webhooks/giosg/${TENANT.id}`;
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedOf(botEvent(0)).map((p) => JSON.stringify(p) ?? ''), junkBodyOf(JSON.stringify(botEvent(0)))), async (raw0) => {
        // A fresh resource id each run, so "accepted" is not hidden behind dedupe.
        const raw = raw0.split('"m-0"').join(`"m-p${++seq}"`);
        const before = await countRows(h.services.store.db, 'giosg_events');
        const res = await post(path, raw);
        const added = (await countRows(h.services.store.db, 'giosg_events')) - before;
        expect(res.status).toBeLessThan(500);
        const accepted = res.status === 200 && res.body?.ok === true && res.body?.ignored === undefined && res.body?.duplicate === false;
        expect({ status: res.status, added }).toEqual({ status: res.status, added: accepted ? 1 : 0 });
      }),
      { numRuns: 150 },
    );
  });

  test('UMI replies: mutated and junk bodies never 5xx; outbox grows by exactly what was queued', async () => {
    const path = `/webhooks/giosg/${TENANT.id}/replies`;
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedOf(umiReply(0)).map((p) => JSON.stringify(p) ?? ''), junkBodyOf(JSON.stringify(umiReply(0)))), async (raw0) => {
        const raw = raw0.split('"r-0"').join(`"r-p${++seq}"`);
        const before = await countRows(h.services.store.db, 'outbox');
        const res = await post(path, raw);
        const added = (await countRows(h.services.store.db, 'outbox')) - before;
        expect(res.status).toBeLessThan(500);
        expect(added).toBe(res.status === 200 && typeof res.body?.queued === 'number' ? res.body.queued : 0);
      }),
      { numRuns: 150 },
    );
  });

  test('wrong or missing secrets: 401 on both routes, nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x21-\x7e]/g, ''))), fc.boolean(), async (secret, replies) => {
        if (secret === TENANT.giosgWebhookSecret) return;
        const path = replies ? `/webhooks/giosg/${TENANT.id}/replies` : `/webhooks/giosg/${TENANT.id}`;
        const raw = JSON.stringify(replies ? umiReply(++seq) : botEvent(++seq));
        const before = [await countRows(h.services.store.db, 'outbox'), await countRows(h.services.store.db, 'giosg_events')];
        const res = await post(path, raw, secret === null || secret === '' ? null : secret);
        expect(res.status).toBe(401);
        expect([await countRows(h.services.store.db, 'outbox'), await countRows(h.services.store.db, 'giosg_events')]).toEqual(before);
      }),
      { numRuns: 60 },
    );
  });
});
