// The Botkit controller: our adapter, dialog state in our database, the dialogs in every
// language, and the commands admins type outside a dialog. Botkit runs without its own
// web server: our Express app receives giosg's webhooks and hands turns to the adapter.
import { Botkit, BotWorker, BotkitMessage } from 'botkit';
import type { Storage } from 'botbuilder';
import type { BotAdapter } from 'botbuilder';
import { LOCALES, normalizeLocale, translator, type Locale } from '../i18n';
import { isWord } from './words';
import { buttonOf, tokenPasted } from './turn';
import type { DialogDeps } from './dialog-deps';
import { fixBotkitSay } from './botkit-say-fix';
import { renewalDialog, renewalDialogId } from '../../dialogs/renewal';
import { statusDialog, statusDialogId } from '../../dialogs/status';
import { helpDialog, helpDialogId } from '../../dialogs/help';
import { rollbackDialog, rollbackDialogId } from '../../dialogs/rollback';
import { templatesDialog, templatesDialogId } from '../../dialogs/templates';

export function createBotController(adapter: BotAdapter, storage: Storage, deps: DialogDeps): Botkit {
  fixBotkitSay();
  const controller = new Botkit({ adapter, storage, disable_webserver: true, disable_console: true });
  for (const locale of LOCALES) {
    controller.addDialog(renewalDialog(controller, deps, locale));
    controller.addDialog(statusDialog(controller, deps, locale));
    controller.addDialog(helpDialog(controller, locale));
    controller.addDialog(rollbackDialog(controller, deps, locale));
    controller.addDialog(templatesDialog(controller, deps, locale));
  }
  registerCommands(controller);
  return controller;
}

const localeOf = (message: BotkitMessage): Locale => normalizeLocale(typeof message.locale === 'string' ? message.locale : undefined);

/** A command typed, or pressed as a button (alerts carry renew/status buttons). */
const means = (word: Parameters<typeof isWord>[1]) => async (message: BotkitMessage) => {
  const button = buttonOf(message);
  return button ? button === word : isWord(message.text, word);
};

function registerCommands(controller: Botkit): void {
  controller.hears(async (m: BotkitMessage) => tokenPasted(m), 'message', async (bot: BotWorker, m: BotkitMessage) => {
    await bot.reply(m, translator(localeOf(m))('bot:renewal.token_pasted'));
  });
  controller.hears(means('renew'), 'message', async (bot: BotWorker, m: BotkitMessage) => {
    await bot.beginDialog(renewalDialogId(localeOf(m)));
  });
  // "I already have a token" outside the guide: straight to the link step.
  controller.hears(means('have_token'), 'message', async (bot: BotWorker, m: BotkitMessage) => {
    await bot.beginDialog(renewalDialogId(localeOf(m)), { thread: 'step5' });
  });
  controller.hears(means('status'), 'message', async (bot: BotWorker, m: BotkitMessage) => {
    await bot.beginDialog(statusDialogId(localeOf(m)));
  });
  controller.hears(means('help'), 'message', async (bot: BotWorker, m: BotkitMessage) => {
    await bot.beginDialog(helpDialogId(localeOf(m)));
  });
  controller.hears(means('rollback'), 'message', async (bot: BotWorker, m: BotkitMessage) => {
    // "Admin" = a giosg user of this organization (see README in src/bot/install.ts).
    if (m.senderType !== 'user') {
      await bot.reply(m, translator(localeOf(m))('bot:rollback.not_allowed'));
      return;
    }
    await bot.beginDialog(rollbackDialogId(localeOf(m)));
  });
  controller.hears(means('templates'), 'message', async (bot: BotWorker, m: BotkitMessage) => {
    if (m.senderType !== 'user') {
      await bot.reply(m, translator(localeOf(m))('bot:templates.not_allowed'));
      return;
    }
    await bot.beginDialog(templatesDialogId(localeOf(m)));
  });
  controller.hears(means('cancel'), 'message', async (bot: BotWorker, m: BotkitMessage) => {
    await bot.reply(m, translator(localeOf(m))('bot:help.nothing_to_cancel'));
  });
  controller.on('message', async (bot: BotWorker, m: BotkitMessage) => {
    const t = translator(localeOf(m));
    await bot.reply(m, {
      text: t('bot:help.fallback'),
      quick_replies: [
        { title: t('bot:buttons.renew'), payload: 'renew' },
        { title: t('bot:buttons.status'), payload: 'status' },
        { title: t('bot:buttons.help'), payload: 'help' },
      ],
    });
  });
}
