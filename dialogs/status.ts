// "status": the channel's state for one tenant as a one-message dialog (the text itself
// is rendered in status-text.ts).
import { Botkit, BotkitConversation } from 'botkit';
import type { Locale } from '../src/i18n';
import { turnOf } from '../src/bot/turn';
import type { DialogDeps } from '../src/bot/dialog-deps';

export const statusDialogId = (locale: Locale) => `status_${locale}`;

/** A one-message conversation, so "status" is a dialog like the others (and can be started from buttons). */
export function statusDialog(controller: Botkit, deps: DialogDeps, locale: Locale): BotkitConversation {
  const convo = new BotkitConversation(statusDialogId(locale), controller);
  convo.before('default', async (_c, bot) => {
    // Said directly rather than through a template var: nothing of it needs to persist.
    await bot.say(await deps.statusText(turnOf(bot).tenantId, locale));
  });
  convo.addAction('complete');
  return convo;
}
