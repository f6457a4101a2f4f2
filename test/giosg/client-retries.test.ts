// The giosg client never does a POST's work twice: against the giosg simulator, a lost
// answer (dropped connection or 5xx after giosg acted) is looked up before any retry; a
// 429 is retried; a chat whose answer was lost is not retried at all.
import { startGiosgSimulator, type GiosgSim } from '../../src/sandbox/giosg';
import { GiosgClient, GiosgError } from '../../src/giosg/client';
import { TENANT } from '../../testkit/harness';

describe('GiosgClient retries', () => {
  let sim: GiosgSim;
  const BOT = TENANT.giosgBotUserId;
  const client = () => new GiosgClient({ baseUrl: sim.url, apiToken: TENANT.giosgApiToken, timeoutMs: 2_000 });
  const posts = (suffix: string) => sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(suffix)).length;

  beforeAll(async () => {
    sim = await startGiosgSimulator({ apiToken: TENANT.giosgApiToken, orgId: TENANT.giosgOrganizationId, botUserId: BOT });
  });
  afterAll(async () => sim.close());
  beforeEach(() => sim.reset());

  async function failure(p: Promise<unknown>): Promise<GiosgError> {
    const err = await p.then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GiosgError);
    expect(JSON.stringify({ ...(err as object), message: (err as Error).message })).not.toContain(TENANT.giosgApiToken);
    return err as GiosgError;
  }

  test.each([
    ['the connection drops', 'drop' as const],
    ['a 502 comes back', 502],
  ])('a chat message whose answer is lost after giosg posted it (%s) is found, not posted again', async (_what, how) => {
    const chat = await client().createChat(BOT);
    sim.loseNextAnswers(1, how);
    const r = await client().postChatMessage(BOT, chat.id, { message: 'Token expires tomorrow' });
    expect(sim.chatMessages.filter((m) => m.chatId === chat.id)).toHaveLength(1);
    expect(r.id).toBe(sim.chatMessages.find((m) => m.chatId === chat.id)!.id);
    expect(posts(`/chats/${chat.id}/messages`)).toBe(1);
  });

  test('a 503 before giosg acted: the look finds nothing, so it is posted again, once', async () => {
    const chat = await client().createChat(BOT);
    sim.failNext(1, 503);
    const r = await client().postChatMessage(BOT, chat.id, { message: 'hello' });
    expect(sim.chatMessages.filter((m) => m.chatId === chat.id).map((m) => m.id)).toEqual([r.id]);
    expect(posts(`/chats/${chat.id}/messages`)).toBe(2);
  });

  test('the look matches on the text: an earlier, different bot message is not taken for this one', async () => {
    const chat = await client().createChat(BOT);
    await client().postChatMessage(BOT, chat.id, { message: 'first alert' });
    sim.failNext(1, 503);
    const r = await client().postChatMessage(BOT, chat.id, { message: 'second alert' });
    expect(sim.chatMessages.filter((m) => m.chatId === chat.id).map((m) => m.message)).toEqual(['first alert', 'second alert']);
    expect(r.id).toBe(sim.chatMessages.at(-1)!.id);
  });

  test('a 429 is retried after Retry-After: one message', async () => {
    const chat = await client().createChat(BOT);
    sim.failNext(1, 429);
    sim.setMode('ok', { retryAfterSec: 0 });
    await client().postChatMessage(BOT, chat.id, { message: 'throttled once' });
    expect(sim.chatMessages.filter((m) => m.chatId === chat.id)).toHaveLength(1);
    expect(posts(`/chats/${chat.id}/messages`)).toBe(2);
  });

  test('a Retry-After beyond the bound is not waited for: the caller queue retries later', async () => {
    const chat = await client().createChat(BOT);
    sim.setMode('429', { retryAfterSec: 120 });
    const e = await failure(client().postChatMessage(BOT, chat.id, { message: 'later' }));
    expect(e).toMatchObject({ kind: 'rate_limited', retryAfterMs: 120_000 });
    expect(posts(`/chats/${chat.id}/messages`)).toBe(1);
  });

  test('a chat whose answer is lost is not created again; the error says giosg may have acted', async () => {
    sim.loseNextAnswers(1, 'drop');
    const e = await failure(client().createChat(BOT));
    expect(e).toMatchObject({ kind: 'network', maybeDone: true });
    expect(sim.chats).toHaveLength(1);
    expect(posts(`/users/${BOT}/chats`)).toBe(1);
  });

  test('a team invitation whose answer is lost is found, not sent again', async () => {
    const chat = await client().createChat(BOT);
    sim.loseNextAnswers(1, 503);
    await client().inviteTeam(BOT, chat.id, 'team-admins');
    expect(sim.chats.find((c) => c.id === chat.id)!.invitedTeams).toEqual(['team-admins']);
    expect(posts('/outgoing_chat_invitations')).toBe(1);
  });

  test('giosg down: the look fails too, so the message is not retried blindly', async () => {
    const chat = await client().createChat(BOT);
    sim.setMode('down');
    const e = await failure(client().postChatMessage(BOT, chat.id, { message: 'nobody home' }));
    expect(e).toMatchObject({ kind: 'network', maybeDone: true });
    sim.setMode('ok');
    expect(sim.chatMessages).toHaveLength(0);
    expect(posts(`/chats/${chat.id}/messages`)).toBe(1);
  });

  test('nothing listening (connection refused) is retried, then surfaces as network, not maybe-done', async () => {
    const closed = await startGiosgSimulator({ apiToken: TENANT.giosgApiToken, orgId: TENANT.giosgOrganizationId, botUserId: BOT });
    const url = closed.url;
    await closed.close();
    const c = new GiosgClient({ baseUrl: url, apiToken: TENANT.giosgApiToken, timeoutMs: 1_000, retries: 2 });
    const e = await failure(c.createChat(BOT));
    expect(e).toMatchObject({ kind: 'network', maybeDone: false });
    expect(e.message).toContain('ECONNREFUSED');
  });
});
