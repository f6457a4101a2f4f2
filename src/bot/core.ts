// The Botkit part of the bot: our giosg adapter, the controller with its dialogs, and the
// turn runner. Botkit and Bot Framework are the largest part of the service's memory (the
// bench's idle server: 136 MB with them loaded at boot, 99 MB without), and a channel whose
// admins never chat with the bot never needs them. So this module is loaded on the bot's first
// turn or first message (install.ts), not at boot; everything else of the bot (inbox,
// alerts, token health) runs without it.
import type { TurnContext } from 'botbuilder';
import type { Botkit } from 'botkit';
import type { Services } from '../services';
import type { BotStateStorage } from '../store/bot-storage';
import type { DialogDeps } from './dialog-deps';
import { GiosgBotAdapter } from './adapter';
import { createBotController } from './controller';
import { runTurn } from './turn-runner';

export interface BotCore {
  adapter: GiosgBotAdapter;
  controller: Botkit;
  handleTurn(ctx: TurnContext): Promise<void>;
}

export function createBotCore(s: Services, storage: BotStateStorage, deps: DialogDeps): BotCore {
  const adapter = new GiosgBotAdapter({ tenant: (id) => s.tenants.get(id), giosgFor: s.giosgFor });
  const controller = createBotController(adapter, storage, deps);
  return { adapter, controller, handleTurn: (ctx) => runTurn(controller, ctx) };
}
