// Put the previous token back (vault rollback: the previous token is validated against Meta
// again first). Asks for confirmation first: it changes what every send uses.
import { Botkit, BotkitConversation, BotkitDialogWrapper, BotWorker, BotkitMessage } from 'botkit';
import { translator, type Locale } from '../src/i18n';
import { answerOf } from '../src/bot/words';
import { buttonOf, turnOf } from '../src/bot/turn';
import type { DialogDeps } from '../src/bot/dialog-deps';
import { problemText } from '../src/bot/problems';

export const rollbackDialogId = (locale: Locale) => `rollback_${locale}`;

export function rollbackDialog(controller: Botkit, deps: DialogDeps, locale: Locale): BotkitConversation {
  const t = translator(locale);
  const convo = new BotkitConversation(rollbackDialogId(locale), controller);

  convo.before('default', async (c, bot) => {
    if (!c.vars.current) c.setVar('current', (await deps.currentFingerprint(turnOf(bot).tenantId)) ?? t('bot:swap.unknown'));
  });
  convo.ask(
    {
      text: [t('bot:rollback.confirm', { current: '{{vars.current}}' })],
      quick_replies: [
        { title: t('bot:buttons.confirm_rollback'), payload: 'confirm' },
        { title: t('bot:buttons.cancel'), payload: 'cancel' },
      ],
    },
    (answer: string, c: BotkitDialogWrapper, bot: BotWorker, message: BotkitMessage) => onAnswer(answer, c, bot, message),
    null,
  );

  async function onAnswer(answer: string, c: BotkitDialogWrapper, bot: BotWorker, message: BotkitMessage) {
    const choice = answerOf(answer, buttonOf(message), ['cancel', 'confirm'] as const);
    if (choice === 'cancel') {
      await bot.say(t('bot:rollback.cancelled'));
      return c.stop();
    }
    if (choice !== 'confirm') {
      await bot.say(t('bot:renewal.unexpected', { choices: `“${t('bot:buttons.confirm_rollback')}”, “${t('bot:buttons.cancel')}”` }));
      return c.repeat();
    }
    const turn = turnOf(bot);
    const outcome = await deps.rollback(turn.tenantId, `giosg:${turn.userId}`);
    if (outcome.ok) {
      deps.kick(turn.tenantId);
      await bot.say(t('bot:rollback.done', { fingerprint: (await deps.currentFingerprint(turn.tenantId)) ?? t('bot:swap.unknown') }));
    } else if (outcome.reason === 'no_previous') {
      await bot.say(t('bot:rollback.no_previous'));
    } else if (outcome.reason === 'invalid') {
      await bot.say(t('bot:rollback.invalid', { problem: problemText(t, outcome.diagnosis?.code ?? '', outcome.diagnosis?.params) }));
    } else {
      await bot.say(t('bot:rollback.failed', { reason: outcome.reason }));
    }
    return c.stop();
  }

  return convo;
}
