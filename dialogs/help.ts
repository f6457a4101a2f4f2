// What the bot can do, with buttons for the two things admins come for.
import { Botkit, BotkitConversation } from 'botkit';
import { translator, type Locale } from '../src/i18n';

export const helpDialogId = (locale: Locale) => `help_${locale}`;

export function helpDialog(controller: Botkit, locale: Locale): BotkitConversation {
  const t = translator(locale);
  const convo = new BotkitConversation(helpDialogId(locale), controller);
  convo.say({
    text: [t('bot:help.commands')],
    quick_replies: [
      { title: t('bot:buttons.renew'), payload: 'renew' },
      { title: t('bot:buttons.status'), payload: 'status' },
    ],
  });
  return convo;
}
