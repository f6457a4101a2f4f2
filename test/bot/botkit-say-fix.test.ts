// A send failure inside bot.say must reject the caller's promise, not escape unhandled.
import { BotWorker } from 'botkit';
import { fixBotkitSay } from '../../src/bot/botkit-say-fix';

function workerWith(sendActivity: (a: unknown) => Promise<unknown>): BotWorker {
  const fake = Object.create(BotWorker.prototype) as any;
  fake._controller = { middleware: { send: { run: (bot: unknown, activity: unknown, done: (...args: unknown[]) => void) => done(null, bot, activity) } } };
  fake.ensureMessageFormat = (m: unknown) => (typeof m === 'string' ? { type: 'message', text: m } : m);
  fake.getConfig = () => ({ sendActivity });
  return fake as BotWorker;
}

describe('Botkit say fix', () => {
  beforeAll(() => fixBotkitSay());

  it('resolves with the adapter result', async () => {
    const bot = workerWith(async () => ({ id: 'm1' }));
    await expect(bot.say('hi')).resolves.toEqual({ id: 'm1' });
  });

  it('rejects the caller when the send fails, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      const bot = workerWith(async () => {
        throw new Error('giosg refused the request (HTTP 404)');
      });
      await expect(bot.say('hi')).rejects.toThrow('HTTP 404');
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
