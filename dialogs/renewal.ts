// The token renewal guide as a Botkit conversation: one step per message, buttons for the
// choices and words for free text, in one language per conversation (built from one
// definition per locale, because Botkit's texts are fixed templates).
//
// Threads: default (intro) → step1 → step2 → step2_new ⇄ twofa → step3 → step4 → step5,
// step2 "existing" jumps to step4, intro "have_token" jumps to step5. Every step also
// understands back, cancel, help and status; anything else gets a re-prompt that lists
// the choices. Only the trail of visited steps, the app name and flags are kept in the
// (persisted) dialog state: never the one-time link, never a token.
import { Botkit, BotkitConversation, BotkitDialogWrapper, BotWorker, BotkitMessage } from 'botkit';
import { translator, type Locale } from '../src/i18n';
import { answerOf, mentionsBlock, type Word } from '../src/bot/words';
import { buttonOf, tokenPasted, turnOf } from '../src/bot/turn';
import type { DialogDeps } from '../src/bot/dialog-deps';

export const renewalDialogId = (locale: Locale) => `renewal_${locale}`;

export type RenewalThread = 'default' | 'step1' | 'step2' | 'step2_new' | 'twofa' | 'step3' | 'step4' | 'step5' | 'step5_failed';

type Target = RenewalThread | 'finish';

interface StepDef {
  thread: RenewalThread;
  /** Button value → label key (bot:buttons.*). Values double as the answers matched. */
  buttons: Array<[Word, string]>;
  /** Answer → where it leads. */
  routes: Partial<Record<Word, Target>>;
}

const STEPS: StepDef[] = [
  { thread: 'default', buttons: [['start', 'start'], ['have_token', 'have_token'], ['cancel', 'cancel']], routes: { start: 'step1', have_token: 'step5' } },
  { thread: 'step1', buttons: [['done', 'done'], ['back', 'back'], ['cancel', 'cancel']], routes: { done: 'step2' } },
  { thread: 'step2', buttons: [['existing', 'existing'], ['new', 'new'], ['back', 'back'], ['cancel', 'cancel']], routes: { existing: 'step4', new: 'step2_new' } },
  { thread: 'step2_new', buttons: [['done', 'done'], ['blocked', 'blocked'], ['back', 'back'], ['cancel', 'cancel']], routes: { done: 'step3', blocked: 'twofa' } },
  { thread: 'twofa', buttons: [['done', 'twofa_on'], ['back', 'back'], ['cancel', 'cancel']], routes: { done: 'step2_new' } },
  { thread: 'step3', buttons: [['done', 'done'], ['back', 'back'], ['cancel', 'cancel']], routes: { done: 'step4' } },
  { thread: 'step4', buttons: [['done', 'copied'], ['back', 'back'], ['cancel', 'cancel']], routes: { done: 'step5' } },
  { thread: 'step5', buttons: [['done', 'finished'], ['new_link', 'new_link'], ['back', 'back'], ['cancel', 'cancel']], routes: { done: 'finish', new_link: 'step5' } },
  { thread: 'step5_failed', buttons: [['new_link', 'retry'], ['back', 'back'], ['cancel', 'cancel']], routes: { new_link: 'step5' } },
];

const COMMANDS = ['back', 'cancel', 'help', 'status'] as const;

interface RenewalVars {
  _thread?: RenewalThread;
  _trail?: RenewalThread[];
  /** Set while a step is asked again, so entering it has no side effects (no second link). */
  _reprompt?: boolean;
  appName?: string;
}

export function renewalDialog(controller: Botkit, deps: DialogDeps, locale: Locale): BotkitConversation {
  const t = translator(locale);
  const convo = new BotkitConversation(renewalDialogId(locale), controller);

  for (const step of STEPS) {
    const text = t(`bot:renewal.${step.thread === 'default' ? 'intro' : step.thread}`, { appName: '{{{vars.appName}}}' });
    const quick_replies = step.buttons.map(([value, label]) => ({ title: t(`bot:buttons.${label}`), payload: value }));
    convo.addQuestion({ text: [text], quick_replies }, (answer, c, bot, message) => onAnswer(step, answer, c, bot, message), null, step.thread);

    convo.before(step.thread, async (c, bot) => {
      const vars = c.vars as RenewalVars;
      vars._thread = step.thread;
      if (step.thread === 'step3' || step.thread === 'step4') await ensureAppName(vars, bot);
      if (step.thread === 'step5') {
        if (vars._reprompt) vars._reprompt = false;
        else if (!(await sendLink(bot))) await c.gotoThread('step5_failed');
      }
      vars._reprompt = false;
    });
  }

  async function ensureAppName(vars: RenewalVars, bot: BotWorker) {
    if (vars.appName) return;
    vars.appName = (await deps.appName(turnOf(bot).tenantId)) ?? t('bot:renewal.your_app');
  }

  /** Issues a one-time link and says it at once: the URL is a secret and never enters dialog state. */
  async function sendLink(bot: BotWorker): Promise<boolean> {
    const turn = turnOf(bot);
    let link;
    try {
      link = await deps.issueLink({ tenantId: turn.tenantId, adminUserId: turn.userId, chatId: turn.chatId, locale });
    } catch {
      return false;
    }
    const minutes = Math.max(1, Math.round((link.expiresAt - deps.clock.now()) / 60_000));
    await bot.say(t('bot:renewal.step5_link', { url: link.url, minutes }));
    return true;
  }

  async function go(c: BotkitDialogWrapper, target: RenewalThread) {
    const vars = c.vars as RenewalVars;
    const here = vars._thread ?? 'default';
    if (target !== here) vars._trail = [...(vars._trail ?? []), here];
    vars._reprompt = false;
    await c.gotoThread(target);
  }

  async function reprompt(c: BotkitDialogWrapper) {
    (c.vars as RenewalVars)._reprompt = true;
    await c.repeat();
  }

  async function onAnswer(step: StepDef, answer: string, c: BotkitDialogWrapper, bot: BotWorker, message: BotkitMessage) {
    const vars = c.vars as RenewalVars;
    const button = buttonOf(message);

    if (tokenPasted(message)) {
      await bot.say(t('bot:renewal.token_pasted'));
      return reprompt(c);
    }
    const command = answerOf(answer, button, COMMANDS);
    if (command === 'cancel') {
      await bot.say(t('bot:renewal.cancelled'));
      return c.stop();
    }
    if (command === 'back') {
      const trail = vars._trail ?? [];
      const previous = trail.pop();
      vars._trail = trail;
      if (!previous) {
        await bot.say(t('bot:renewal.at_start'));
        return reprompt(c);
      }
      vars._reprompt = false;
      return c.gotoThread(previous);
    }
    if (command === 'help') {
      const appName = vars.appName ?? (await deps.appName(turnOf(bot).tenantId)) ?? t('bot:renewal.your_app');
      await bot.say(`${t(`bot:renewal.help.${step.thread}`, { appName })}\n\n${t('bot:help.in_dialog')}`);
      return reprompt(c);
    }
    if (command === 'status') {
      await bot.say(await deps.statusText(turnOf(bot).tenantId, locale));
      return reprompt(c);
    }

    // Meta's 2FA refusal can show up at any step where the admin acts as themselves.
    if (!button && mentionsBlock(answer) && step.thread !== 'twofa') return go(c, 'twofa');

    const accepted = Object.keys(step.routes) as Word[];
    const chosen = answerOf(answer, button, accepted);
    const target = chosen ? step.routes[chosen] : undefined;
    if (!target) {
      const choices = step.buttons
        .filter(([value]) => !COMMANDS.includes(value as (typeof COMMANDS)[number]))
        .map(([, label]) => `“${t(`bot:buttons.${label}`)}”`)
        .join(', ');
      await bot.say(t('bot:renewal.unexpected', { choices }));
      return reprompt(c);
    }
    if (target === 'finish') {
      await bot.say(t('bot:renewal.finished'));
      return c.stop();
    }
    return go(c, target);
  }

  return convo;
}

export const RENEWAL_THREADS: readonly RenewalThread[] = STEPS.map((s) => s.thread);
