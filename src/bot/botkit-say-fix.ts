// Botkit 4's BotWorker.say resolves its promise from inside an async callback: when the
// adapter's send fails (giosg down, chat gone), the rejection escapes as an unhandled
// rejection and the caller's promise never settles, so the turn hangs forever. Botkit is
// unmaintained, so we replace that one method with the same steps and honest error
// propagation. bot.reply goes through say() and is fixed with it.
import { BotWorker } from 'botkit';

interface SayInternals {
  _controller: { middleware: { send: { run(bot: unknown, activity: unknown, done: (err: unknown, bot: unknown, activity: unknown) => void): void } } };
  ensureMessageFormat(message: unknown): unknown;
  getConfig(key: 'context'): { sendActivity(activity: unknown): Promise<unknown> };
}

let applied = false;

export function fixBotkitSay(): void {
  if (applied) return;
  applied = true;
  (BotWorker.prototype as unknown as { say: (message: unknown) => Promise<unknown> }).say = function say(this: SayInternals, message: unknown) {
    return new Promise((resolve, reject) => {
      const activity = this.ensureMessageFormat(message);
      this._controller.middleware.send.run(this, activity, (err, _bot, outgoing) => {
        if (err) return reject(err);
        this.getConfig('context').sendActivity(outgoing).then(resolve, reject);
      });
    });
  };
}
