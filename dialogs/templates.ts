// "templates": choose the re-engagement template in the chat. The bot lists the WABA's
// approved templates from Meta, the admin picks one by number, then says for each body
// placeholder what fills it (the customer's name, the agent's reply, or a fixed text); the
// choice is checked against Meta's catalog again when it is stored. Only giosg users (not
// visitors) may choose. Dialog state holds template names and texts, nothing secret.
import { Botkit, BotkitConversation, BotkitDialogWrapper, BotWorker, BotkitMessage } from 'botkit';
import { translator, type Locale } from '../src/i18n';
import { answerOf, isWord } from '../src/bot/words';
import { buttonOf, turnOf } from '../src/bot/turn';
import type { DialogDeps } from '../src/bot/dialog-deps';
import type { ParamSource } from '../src/channel/window/template-params';
import { describeSource } from '../src/cli/template-commands';

export const templatesDialogId = (locale: Locale) => `templates_${locale}`;

/** Shown in the chat; the CLI lists any number. */
const MAX_LISTED = 20;
const EXCERPT = 80;

interface Listed {
  name: string;
  language: string;
  params: number;
  body: string;
}

const excerpt = (s: string) => (s.length <= EXCERPT ? s : `${s.slice(0, EXCERPT - 1)}…`);

export function templatesDialog(controller: Botkit, deps: DialogDeps, locale: Locale): BotkitConversation {
  const t = translator(locale);
  const convo = new BotkitConversation(templatesDialogId(locale), controller);

  convo.before('default', async (c, bot) => {
    const r = await deps.templates(turnOf(bot).tenantId);
    if (!r.ok) {
      await bot.say(t('bot:templates.catalog_failed', { reason: r.error }));
      return c.stop();
    }
    const approved: Listed[] = r.catalog.filter((x) => x.status === 'APPROVED' && x.headerParams === 0).map((x) => ({ name: x.name, language: x.language, params: x.params, body: x.body ?? '' }));
    if (approved.length === 0) {
      await bot.say(t('bot:templates.none_approved'));
      return c.stop();
    }
    const shown = approved.slice(0, MAX_LISTED);
    c.setVar('listed', shown);
    const current = r.chosen.length === 0 ? t('bot:templates.current_none') : r.chosen.map((x) => `${x.name} (${x.language})`).join(', ');
    const list = shown.map((x, i) => t('bot:templates.item', { n: i + 1, name: x.name, language: x.language, count: x.params, body: excerpt(x.body) }));
    if (approved.length > shown.length) list.push(t('bot:templates.more', { count: approved.length - shown.length }));
    await bot.say(t('bot:templates.intro', { current, list: list.join('\n') }));
  });
  convo.ask(
    { text: [t('bot:templates.pick')], quick_replies: [{ title: t('bot:buttons.cancel'), payload: 'cancel' }] },
    (answer: string, c: BotkitDialogWrapper, bot: BotWorker, message: BotkitMessage) => onPick(answer, c, bot, message),
    null,
  );

  convo.before('param', async (c, bot) => {
    const pick = c.vars.pick as Listed;
    const n = (c.vars.sources as ParamSource[]).length + 1;
    await bot.say(t('bot:templates.param', { n, count: pick.params, name: pick.name, body: excerpt(pick.body), placeholder: `{{${n}}}` }));
  });
  convo.addQuestion(
    {
      text: [t('bot:templates.param_ask')],
      quick_replies: [
        { title: t('bot:buttons.param_name'), payload: 'param_name' },
        { title: t('bot:buttons.param_reply'), payload: 'param_reply' },
        { title: t('bot:buttons.cancel'), payload: 'cancel' },
      ],
    },
    (answer: string, c: BotkitDialogWrapper, bot: BotWorker, message: BotkitMessage) => onParam(answer, c, bot, message),
    null,
    'param',
  );

  convo.before('save', async (c, bot) => {
    const pick = c.vars.pick as Listed;
    const sources = c.vars.sources as ParamSource[];
    const turn = turnOf(bot);
    const r = await deps.chooseTemplate(turn.tenantId, { name: pick.name, language: pick.language, params: sources }, `giosg:${turn.userId}`);
    if (r.ok) {
      const described = sources.length ? sources.map((p) => describeSource(p, locale)).join(', ') : t('bot:templates.no_params');
      await bot.say(t('bot:templates.saved', { name: pick.name, language: pick.language, sources: described }));
    } else {
      await bot.say(t('bot:templates.refused', { name: pick.name, problems: r.problems.map((p) => t(`window:catalog.problem.${p.code}`, p.vars)).join('; ') }));
    }
  });
  convo.addAction('complete', 'save');

  async function cancelled(bot: BotWorker, c: BotkitDialogWrapper) {
    await bot.say(t('bot:templates.cancelled'));
    return c.stop();
  }

  async function onPick(answer: string, c: BotkitDialogWrapper, bot: BotWorker, message: BotkitMessage) {
    if (answerOf(answer, buttonOf(message), ['cancel'] as const) === 'cancel') return cancelled(bot, c);
    const listed = c.vars.listed as Listed[];
    const n = Number(String(answer ?? '').trim().replace(/[.)]$/, ''));
    const pick = Number.isInteger(n) && n >= 1 && n <= listed.length ? listed[n - 1] : listed.find((x) => x.name === String(answer ?? '').trim());
    if (!pick) {
      await bot.say(t('bot:templates.pick_unknown', { answer: String(answer ?? '').slice(0, 40), max: listed.length }));
      return c.repeat();
    }
    c.setVar('pick', pick);
    c.setVar('sources', []);
    return c.gotoThread(pick.params > 0 ? 'param' : 'save');
  }

  async function onParam(answer: string, c: BotkitDialogWrapper, bot: BotWorker, message: BotkitMessage) {
    const button = buttonOf(message);
    if (answerOf(answer, button, ['cancel'] as const) === 'cancel') return cancelled(bot, c);
    const text = String(answer ?? '').trim();
    let source: ParamSource;
    if (button === 'param_name' || isWord(text, 'param_name')) source = { from: 'customer_name' };
    else if (button === 'param_reply' || isWord(text, 'param_reply')) source = { from: 'reply' };
    else if (text.length > 0 && text.length <= 1024) source = { from: 'text', value: text };
    else return c.repeat();
    const sources = [...(c.vars.sources as ParamSource[]), source];
    c.setVar('sources', sources);
    return c.gotoThread(sources.length < (c.vars.pick as Listed).params ? 'param' : 'save');
  }

  return convo;
}
