// Builds the setup dialog (setup-dialog.ts): it starts after an install, answers the
// messages of the setup chat before the bot's other dialogs do, and moves on when the app
// secret or the first token arrive through their one-time links.
import type { Services } from '../services';
import { errorSummary } from '../log';
import type { Tenant } from '../vault/tenants';
import type { InstallOutcome } from './app-installer';
import { SetupDialog, type SetupNeeds } from './setup-dialog';

export interface SetupFeature {
  start(tenant: Tenant, installerUserId: string | null, outcome: InstallOutcome): Promise<void>;
  dialog: SetupDialog;
}

export type { SetupNeeds };

export function buildSetup(s: Services, n: SetupNeeds): SetupFeature {
  const dialog = new SetupDialog(s, n);
  n.bot.intercept((tenant, event, locale) => dialog.handle(tenant, event, locale));
  const failed = (what: string) => (err: unknown) => s.logger.warn({ err: errorSummary(err) }, `setup: ${what} failed`);
  s.events.on('app_secret.stored', (e) => dialog.secretStored(e).catch(failed('the step after the app secret')));
  s.events.on('token.swapped', (e) => dialog.tokenSwapped(e).catch(failed('finishing')));
  return { start: (tenant, installerUserId) => dialog.start(tenant, installerUserId), dialog };
}
