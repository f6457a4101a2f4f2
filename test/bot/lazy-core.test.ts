// Botkit and its dialogs load on the bot's first turn or first message, not at boot
// (src/bot/core.ts): a channel whose admins never chat with the bot never pays for them.
import { startHarness, waitFor, type Harness } from '../../testkit/harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const botSaid = (chatId: string) => h.giosg.chatMessages.filter((m) => m.chatId === chatId);

describe('the bot core loads on first use', () => {
  it('is not loaded while the channel carries customer messages, and loads on the first admin turn', async () => {
    const bot = h.bot;
    const delivered = await h.graph.deliverWebhook(
      h.graph.customerMessage({ phoneNumberId: h.tenant.phoneNumberId, from: '358401234567', name: 'Maija', text: 'Hei' }),
    );
    expect(delivered.status).toBe(200);
    await waitFor(() => h.giosg.umiMessages.length === 1, 'customer message relayed to giosg');
    await bot.notifier.tick();
    await bot.health.check(h.tenant);
    expect(bot.coreLoaded()).toBe(false);

    expect((await h.giosg.adminSays({ chatId: 'chat-lazy', text: 'help' })).status).toBe(200);
    await waitFor(() => botSaid('chat-lazy').length === 1, 'help reply');
    expect(bot.coreLoaded()).toBe(true);
    expect(bot.core()).toBe(bot.core());
    expect(h.logs.text()).toMatch(/bot loaded \(Botkit and dialogs\)/);
  });

  it('loads when the bot speaks first (an alert), and speaks through the same adapter', async () => {
    const bot = h.bot;
    const chat = await h.services.giosgFor(h.tenant).createChat(h.tenant.giosgBotUserId);
    expect(bot.coreLoaded()).toBe(false);
    await bot.speaker.say(h.tenant, chat.id, { text: 'hello admins' });
    expect(bot.coreLoaded()).toBe(true);
    expect(botSaid(chat.id).map((m) => m.message)).toEqual(['hello admins']);
  });
});
