// One bot turn, the same steps as Botkit's handleTurn (ingest/receive middleware,
// interrupts, the active dialog, then triggers and events, then saving state), but with
// every step awaited. Botkit runs them inside callbacks whose promises nobody awaits: an
// error there (giosg refusing the bot's reply, say) becomes an unhandled rejection and the
// turn never settles. Here it fails the turn, so the inbox can retry the event.
import { TurnContext } from 'botbuilder';
import { DialogTurnStatus } from 'botbuilder-dialogs';
import type { Botkit, BotkitMessage, BotWorker } from 'botkit';

interface WareLike {
  run(...args: unknown[]): void;
}

interface BotkitInternals {
  listenForInterrupts(bot: BotWorker, message: BotkitMessage): Promise<unknown>;
  listenForTriggers(bot: BotWorker, message: BotkitMessage): Promise<unknown>;
}

function runWare(ware: WareLike, bot: BotWorker, message: BotkitMessage): Promise<void> {
  return new Promise((resolve, reject) => ware.run(bot, message, (err: unknown) => (err ? reject(err) : resolve())));
}

export async function runTurn(controller: Botkit, context: TurnContext): Promise<void> {
  const activity = context.activity;
  const message: BotkitMessage = {
    ...activity.channelData,
    type: activity.channelData?.botkitEventType ?? activity.type,
    user: activity.from.id,
    text: activity.text,
    channel: activity.conversation.id,
    value: activity.value,
    reference: TurnContext.getConversationReference(activity) as BotkitMessage['reference'],
    context,
    incoming_message: activity,
  };
  context.turnState.set('botkitMessage', message);
  const dialogContext = await controller.dialogSet.createContext(context);
  const bot = await controller.spawn(dialogContext);
  const internals = controller as unknown as BotkitInternals;
  await runWare(controller.middleware.ingest as unknown as WareLike, bot, message);
  await runWare(controller.middleware.receive as unknown as WareLike, bot, message);
  if ((await internals.listenForInterrupts(bot, message)) === false) {
    const result = await dialogContext.continueDialog();
    if (result.status === DialogTurnStatus.empty) {
      await runWare(controller.middleware.interpret as unknown as WareLike, bot, message);
      if ((await internals.listenForTriggers(bot, message)) === false) await controller.trigger(message.type, bot, message);
    }
  }
  await controller.saveState(bot);
}
