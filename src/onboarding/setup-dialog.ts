// The setup dialog in the chat the bot opened with the installing admin: the Meta side,
// one question at a time. Ids are typed in chat (digits only; each written to the tenant
// at once, so the token's validation checks them); the app secret and the first token
// come only through one-time links. The step lives in giosg_app_installs.setup_step, so a
// restart or another instance carries on where the admin was. Once the token is live the
// phone number is checked to belong to the WABA, the Meta wiring is checked, the summary
// is said and the replies held since the install are released.
import type { Services } from '../services';
import type { BotRuntime } from '../bot/install';
import type { LinkIssuer, LinkKind } from '../links/link-types';
import type { ChannelControl } from '../channel/channel-types';
import type { StoredBotEvent } from '../giosg/bot-event-schema';
import type { Tenant } from '../vault/tenants';
import { normalizeLocale, translator, type Locale } from '../i18n';
import { formatTime } from '../bot/format';
import { isWord, normalize } from '../bot/words';
import { errorSummary } from '../log';
import { GraphError } from '../meta/graph-errors';
import { AppInstallRepo, type AppInstallRow } from '../store/app-install-repo';
import { CircuitStateRepo } from '../store/circuit-state-repo';
import type { WiringChecker } from './wiring-check';
import { wiringLines } from './wiring-text';
import { appSecretMissing } from './app-installer';

export type SetupStep = 'waba' | 'phone' | 'app_id' | 'secret' | 'token' | 'done';

/** Meta's object ids are decimal digits (WABA, phone number and app ids alike). */
const META_ID = /^\d{5,20}$/;

export interface SetupNeeds {
  bot: BotRuntime;
  links: LinkIssuer;
  channel: ChannelControl;
  wiring: WiringChecker;
}

export class SetupDialog {
  private readonly installs: AppInstallRepo;
  private readonly circuit: CircuitStateRepo;

  constructor(
    private readonly s: Services,
    private readonly n: SetupNeeds,
  ) {
    this.installs = new AppInstallRepo(s.store.db);
    this.circuit = new CircuitStateRepo(s.store.db);
  }

  async start(tenant: Tenant, installerUserId: string | null): Promise<void> {
    const t = translator(tenant.defaultLocale);
    const giosg = this.s.giosgFor(tenant);
    const { id: chatId } = await giosg.createChat(tenant.giosgBotUserId);
    if (installerUserId) await giosg.inviteUser(tenant.giosgBotUserId, chatId, installerUserId);
    else this.s.logger.warn({ tenant: tenant.id }, 'the install trigger named no installing user: the setup chat has nobody invited');
    await this.installs.setSetup(tenant.id, { chatId, step: 'waba', draft: '{}' }, this.s.clock.now());
    await this.say(tenant, chatId, `${t('setup:welcome')}\n\n${t('setup:ask_waba')}`);
  }

  /** A message to the bot: true when it belonged to a setup in progress (and was answered here). */
  async handle(tenant: Tenant, event: StoredBotEvent, locale: Locale): Promise<boolean> {
    const install = await this.installs.get(tenant.id);
    const step = install?.setup_step as SetupStep | null | undefined;
    if (!install || !step || step === 'done' || event.chatId !== install.setup_chat_id) return false;
    const t = translator(locale);
    const chatId = event.chatId;
    if (install.lifecycle === 'disabled') {
      // giosg revokes the bot's token with the installation: saying so is best effort.
      await this.say(tenant, chatId, t('setup:disabled')).catch((err) => this.s.logger.info({ tenant: tenant.id, err: errorSummary(err) }, 'setup: the uninstalled bot could not answer'));
      return true;
    }
    if (event.tokenPasted) return this.said(tenant, chatId, t('bot:renewal.token_pasted'));
    const text = (event.responseValue ?? event.text ?? '').trim();
    // The bot's own commands keep working during setup; the next answer continues it.
    if (isWord(text, 'status') || isWord(text, 'help')) return false;

    // "back" steps back through the ids typed so far, showing the value stored, so a
    // mistyped one (a wrong WABA id makes Meta refuse the token) can be put right.
    if (isWord(text, 'back') && step !== 'waba') {
      const previous: SetupStep = step === 'phone' ? 'waba' : step === 'app_id' ? 'phone' : 'app_id';
      this.s.tenants.invalidate(tenant.id);
      const now = (await this.s.tenants.get(tenant.id)) ?? tenant;
      const current = previous === 'waba' ? now.wabaId : previous === 'phone' ? now.phoneNumberId : now.metaAppId;
      await this.step(tenant.id, previous);
      return this.said(tenant, chatId, `${t(`setup:ask_${previous}`)}\n${t('setup:current_value', { current })}`);
    }

    if (step === 'waba' || step === 'phone' || step === 'app_id') {
      const id = text.replace(/\s+/g, '');
      if (!META_ID.test(id)) return this.said(tenant, chatId, t('setup:not_an_id'));
      this.s.tenants.invalidate(tenant.id);
      const before = (await this.s.tenants.get(tenant.id)) ?? tenant;
      // Past the secret already (a correction after "back"): straight on to the token.
      const secretStored = !appSecretMissing(before.metaAppSecret);
      if (step === 'waba') {
        await this.s.tenants.update(tenant.id, { wabaId: id });
        if (secretStored) return this.resumeAtToken(tenant, install, event.senderId, chatId, locale);
        await this.step(tenant.id, 'phone');
        return this.said(tenant, chatId, t('setup:ask_phone'));
      }
      if (step === 'phone') {
        await this.s.tenants.update(tenant.id, { phoneNumberId: id });
        // Asked again after the token was live (the number was not the WABA's): finish now.
        if (await this.s.vault.current(tenant.id)) {
          await this.step(tenant.id, 'token');
          await this.finish(tenant.id, chatId, locale);
          return true;
        }
        if (secretStored) return this.resumeAtToken(tenant, install, event.senderId, chatId, locale);
        await this.step(tenant.id, 'app_id');
        return this.said(tenant, chatId, t('setup:ask_app_id'));
      }
      // The secret belongs to the app: a new app id needs its secret again, the same one does not.
      if (secretStored && id === before.metaAppId) return this.resumeAtToken(tenant, install, event.senderId, chatId, locale);
      await this.s.tenants.update(tenant.id, { metaAppId: id });
      await this.step(tenant.id, 'secret');
      await this.sendLink(tenant, install, event.senderId, chatId, locale, 'app_secret');
      return true;
    }

    const wantsLink = normalize(text) === normalize(t('setup:link_again'));
    if (step === 'secret') {
      // A Meta id typed now corrects the app id (the secret check names the id it tried).
      const corrected = text.replace(/\s+/g, '');
      if (META_ID.test(corrected)) {
        await this.s.tenants.update(tenant.id, { metaAppId: corrected });
        await this.sendLink(tenant, install, event.senderId, chatId, locale, 'app_secret');
      } else if (wantsLink) await this.sendLink(tenant, install, event.senderId, chatId, locale, 'app_secret');
      else await this.say(tenant, chatId, t('setup:waiting_secret'));
      return true;
    }
    // step === 'token': the renewal guide may help make the token; its link ends the setup too.
    if (isWord(text, 'renew') || isWord(text, 'have_token')) return false;
    if (wantsLink) {
      // A token already live (finishing failed on Meta's side): finish instead of a new link.
      if (await this.s.vault.current(tenant.id)) await this.finish(tenant.id, chatId, locale);
      else await this.sendLink(tenant, install, event.senderId, chatId, locale, 'token');
      return true;
    }
    return this.said(tenant, chatId, t('setup:waiting_token'));
  }

  /** Back at the token step after a correction: a new token link (or the end, when a token is live already). */
  private async resumeAtToken(tenant: Tenant, install: AppInstallRow, senderId: string | null, chatId: string, locale: Locale): Promise<true> {
    await this.step(tenant.id, 'token');
    if (await this.s.vault.current(tenant.id)) await this.finish(tenant.id, chatId, locale);
    else await this.sendLink(tenant, install, senderId, chatId, locale, 'token');
    return true;
  }

  /** The app secret link was used: on to the token. */
  async secretStored(e: { tenantId: string; chatId: string; adminUserId: string; locale: string }): Promise<void> {
    const install = await this.installs.get(e.tenantId);
    const tenant = await this.s.tenants.get(e.tenantId);
    if (!install || !tenant || install.setup_step !== 'secret' || install.setup_chat_id !== e.chatId) return;
    const locale = normalizeLocale(e.locale, tenant.defaultLocale);
    await this.step(tenant.id, 'token');
    await this.say(tenant, e.chatId, translator(locale)('setup:secret_saved'));
    await this.sendLink(tenant, install, e.adminUserId, e.chatId, locale, 'token');
  }

  /** A token went live: during setup that is its last step. */
  async tokenSwapped(e: { tenantId: string; locale: string }): Promise<void> {
    const install = await this.installs.get(e.tenantId);
    if (!install || install.setup_step !== 'token' || !install.setup_chat_id) return;
    await this.finish(e.tenantId, install.setup_chat_id, normalizeLocale(e.locale));
  }

  private async finish(tenantId: string, chatId: string, locale: Locale): Promise<void> {
    const t = translator(locale);
    this.s.tenants.invalidate(tenantId);
    const tenant = await this.s.tenants.get(tenantId);
    const current = await this.s.vault.current(tenantId);
    if (!tenant || !current) return;
    let numbers: string[];
    try {
      numbers = await this.s.graph.wabaPhoneNumberIds({ wabaId: tenant.wabaId, token: current.token, appSecret: tenant.metaAppSecret });
    } catch (err) {
      this.s.logger.warn({ tenant: tenantId, err: errorSummary(err) }, "setup: could not list the WABA's phone numbers");
      if (err instanceof GraphError && (err.errorClass === 'transient' || err.errorClass === 'throttled')) return void (await this.say(tenant, chatId, t('setup:not_ready')));
      numbers = [];
    }
    if (!numbers.includes(tenant.phoneNumberId)) {
      await this.step(tenantId, 'phone');
      return void (await this.say(tenant, chatId, t('setup:phone_not_in_waba', { phone: tenant.phoneNumberId, waba: tenant.wabaId })));
    }
    const report = await this.n.wiring.check(tenantId, 'setup', { quiet: true });
    const now = this.s.clock.now();
    await this.installs.setSetup(tenantId, { step: 'done' }, now);
    await this.installs.setLifecycle(tenantId, 'active', now);
    if (await this.circuit.releaseHold(tenantId, 'awaiting_setup', this.s.clock.now())) this.n.channel.kick(tenantId);
    this.s.logger.info({ tenant: tenantId, wiring: report?.state ?? null }, 'setup finished: the channel is live');
    const expiry = current.expiresAt === null ? t('bot:status.expires_never') : t('bot:status.expires_at', { date: formatTime(locale, current.expiresAt) });
    await this.say(tenant, chatId, t('setup:summary', {
      waba: tenant.wabaId,
      number: current.displayPhoneNumber ?? tenant.phoneNumberId,
      name: current.verifiedName ?? '—',
      appId: tenant.metaAppId,
      expiry,
      wiring: wiringLines(report, locale).join('\n'),
    }));
  }

  private async sendLink(tenant: Tenant, install: AppInstallRow, senderId: string | null, chatId: string, locale: Locale, kind: LinkKind): Promise<void> {
    const t = translator(locale);
    let link;
    try {
      link = await this.n.links.issue({ tenantId: tenant.id, adminUserId: senderId || install.installer_user_id || 'installer', chatId, locale, kind });
    } catch (err) {
      this.s.logger.warn({ tenant: tenant.id, err: errorSummary(err) }, 'setup: could not issue a one-time link');
      return void (await this.say(tenant, chatId, t('setup:link_failed')));
    }
    // The URL is a secret: said once, never stored in the dialog state.
    await this.say(tenant, chatId, t(kind === 'app_secret' ? 'setup:secret_link' : 'setup:token_link', { url: link.url, expiry: formatTime(locale, link.expiresAt) }));
  }

  private step(tenantId: string, step: SetupStep): Promise<void> {
    return this.installs.setSetup(tenantId, { step }, this.s.clock.now());
  }

  private async say(tenant: Tenant, chatId: string, text: string): Promise<void> {
    await this.n.bot.speaker.say(tenant, chatId, { text });
  }

  private async said(tenant: Tenant, chatId: string, text: string): Promise<true> {
    await this.say(tenant, chatId, text);
    return true;
  }
}
