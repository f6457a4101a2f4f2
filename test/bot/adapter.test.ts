// The giosg adapter over real HTTP: the giosg simulator posts admin messages to our
// /webhooks/giosg/t1 and receives the bot's replies through its chat API.
import { startHarness, waitFor, type Harness } from '../../testkit/harness';
import { GiosgError } from '../../src/giosg/client';
import { TurnContext } from 'botbuilder';
import { referenceFor } from '../../src/bot/adapter-activity';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const botMessages = (chatId: string) => h.giosg.chatMessages.filter((m) => m.chatId === chatId);
const buttonValues = (m: { attachments?: unknown[] }) =>
  ((m.attachments ?? []) as Array<{ actions?: Array<{ value: string }> }>).flatMap((a) => (a.actions ?? []).map((x) => x.value));

describe('giosg adapter', () => {
  it('turns an admin message into a turn and posts the reply with buttons into the same chat', async () => {
    const r = await h.giosg.adminSays({ chatId: 'chat-1', text: 'renew' });
    expect(r.status).toBe(200);
    const [intro] = await waitFor(() => (botMessages('chat-1').length >= 1 ? botMessages('chat-1') : null), 'intro');
    expect(intro.userId).toBe(h.tenant.giosgBotUserId);
    expect(intro.message).toContain("Let's renew the WhatsApp access token");
    expect(buttonValues(intro)).toEqual(['start', 'have_token', 'cancel']);
  });

  it('maps a button press (response_value) to the dialog answer: have_token sends the one-time link', async () => {
    await h.giosg.adminSays({ chatId: 'chat-2', text: 'renew' });
    await waitFor(() => botMessages('chat-2').length >= 1, 'intro');
    await h.giosg.adminSays({ chatId: 'chat-2', responseValue: 'have_token' });
    const msgs = await waitFor(() => (botMessages('chat-2').length >= 3 ? botMessages('chat-2') : null), 'link + step 5');
    expect(msgs[1].message).toMatch(/Step 5 of 5: Here is your one-time link/);
    expect(msgs[1].message).toContain(`${h.url}/t/`);
    expect(msgs[2].message).toMatch(/Open the link, paste the token and press Submit/);
    expect(buttonValues(msgs[2])).toEqual(['done', 'new_link', 'back', 'cancel']);
    // The link's secret id lives only in the chat: not in the dialog state in our database.
    const linkId = /\/t\/([^\s]+)/.exec(msgs[1].message)![1];
    const state = await h.services.store.db.selectFrom('bot_state').select('value').execute();
    expect(state.length).toBeGreaterThan(0);
    expect(JSON.stringify(state)).not.toContain(linkId);
  });

  it('answers in the language giosg reports for the admin, else the tenant default', async () => {
    await h.giosg.adminSays({ chatId: 'chat-fi', text: 'uusi', language: 'fi' });
    const [fi] = await waitFor(() => (botMessages('chat-fi').length >= 1 ? botMessages('chat-fi') : null), 'finnish intro');
    expect(fi.message).toContain('Uusitaan WhatsAppin käyttötunnus');
    await h.services.tenants.update('t1', { defaultLocale: 'sv' });
    await h.giosg.adminSays({ chatId: 'chat-sv', text: 'förnya' });
    const [sv] = await waitFor(() => (botMessages('chat-sv').length >= 1 ? botMessages('chat-sv') : null), 'swedish intro');
    expect(sv.message).toContain('Nu förnyar vi åtkomsttoken');
  });

  it('continueConversation lets the bot speak first and returns giosg resource ids', async () => {
    const bot = h.bot;
    const chat = h.giosg.chats.length; // the simulator opens chats on demand
    const created = await h.services.giosgFor(h.tenant).createChat(h.tenant.giosgBotUserId);
    const id = await bot.speaker.say(h.tenant, created.id, { text: 'hello admins', buttons: [{ text: 'Renew token', value: 'renew' }] });
    expect(h.giosg.chats.length).toBe(chat + 1);
    const posted = botMessages(created.id);
    expect(posted).toHaveLength(1);
    expect(posted[0].id).toBe(id);
    expect(buttonValues(posted[0])).toEqual(['renew']);
  });

  it('sendActivities returns one id per activity, splits long texts and raises giosg errors', async () => {
    const bot = h.bot;
    const created = await h.services.giosgFor(h.tenant).createChat(h.tenant.giosgBotUserId);
    let ids: string[] = [];
    await bot.core().adapter.continueConversation(referenceFor('t1', h.tenant.giosgBotUserId, created.id), async (ctx: TurnContext) => {
      const res = await ctx.sendActivities([
        { type: 'message', text: 'x'.repeat(2500) },
        { type: 'typing' },
        { type: 'message', text: 'second' },
      ]);
      ids = res.map((r) => r.id);
    });
    const posted = botMessages(created.id);
    expect(posted.map((p) => p.message.length)).toEqual([2000, 500, 6]);
    expect(ids).toEqual([posted[1].id, '', posted[2].id]);

    h.giosg.setMode('401');
    await expect(bot.speaker.say(h.tenant, created.id, { text: 'nope' })).rejects.toBeInstanceOf(GiosgError);
    await expect(bot.speaker.say(h.tenant, created.id, { text: 'nope' })).rejects.toMatchObject({ kind: 'auth' });
  });

  it('refuses to edit or delete sent messages instead of pretending to', async () => {
    const bot = h.bot;
    await expect(bot.core().adapter.updateActivity()).rejects.toThrow(/cannot edit/);
    await expect(bot.core().adapter.deleteActivity()).rejects.toThrow(/cannot delete/);
  });
});
