// The setup dialog's entry point: after an install the bot opens a chat with the installing
// admin and asks for the Meta side, one question at a time (setup-dialog.ts).
import type { Services } from '../services';
import type { BotRuntime } from '../bot/install';
import type { LinkIssuer } from '../links/link-types';
import type { ChannelControl } from '../channel/channel-types';
import type { Tenant } from '../vault/tenants';
import { translator } from '../i18n';
import { AppInstallRepo } from '../store/app-install-repo';
import type { InstallOutcome } from './app-installer';

export interface SetupFeature {
  start(tenant: Tenant, installerUserId: string | null, outcome: InstallOutcome): Promise<void>;
}

export interface SetupNeeds {
  bot: BotRuntime;
  links: LinkIssuer;
  channel: ChannelControl;
}

export function buildSetup(s: Services, n: SetupNeeds): SetupFeature {
  const installs = new AppInstallRepo(s.store.db);
  return {
    async start(tenant, installerUserId) {
      const t = translator(tenant.defaultLocale);
      const giosg = s.giosgFor(tenant);
      const { id: chatId } = await giosg.createChat(tenant.giosgBotUserId);
      if (installerUserId) await giosg.inviteUser(tenant.giosgBotUserId, chatId, installerUserId);
      else s.logger.warn({ tenant: tenant.id }, 'the install trigger named no installing user: the setup chat has nobody invited');
      await installs.setSetup(tenant.id, { chatId, step: 'waba', draft: '{}' }, s.clock.now());
      await n.bot.speaker.say(tenant, chatId, { text: `${t('setup:welcome')}\n\n${t('setup:ask_waba')}` });
    },
  };
}
