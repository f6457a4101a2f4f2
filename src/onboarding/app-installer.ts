// What an install or uninstall trigger does, once its JWT is verified and claimed.
//
// Install: exchange the bot user's app_user_code for its persistent token, create (or on a
// reinstall, refresh) the tenant with every secret sealed, hold its replies until setup is
// finished, subscribe the bot's chat messages webhook and register the UMI channel. Each
// step can run again: a trigger that failed half-way is retried by giosg's (or the
// browser's) replay, and the single-use code is not needed a second time because the token
// it bought was stored before any later step.
//
// Uninstall: the tenant is disabled and its replies held (nothing is sent, nothing is
// deleted); a later install of the same organization lifts the hold once setup is done.
import { randomBytes } from 'node:crypto';
import type { Services } from '../services';
import type { TriggerClaims } from '../giosg/app-trigger';
import { exchangeAppUserCode, type PersistentToken } from '../giosg/identity';
import { GiosgError } from '../giosg/client';
import { AppInstallRepo, type AppInstallRow } from '../store/app-install-repo';
import { CircuitStateRepo } from '../store/circuit-state-repo';
import type { AppLifecycle } from '../store/schema';
import type { Tenant } from '../vault/tenants';
import { tenantIdForOrganization } from './tenant-id';

export interface InstallOutcome {
  tenantId: string;
  lifecycle: AppLifecycle;
  reinstall: boolean;
}

export class InstallRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'InstallRefused';
  }
}

export interface InstallerEvents {
  /** A tenant is installed and waits for its Meta side: the setup dialog starts. */
  installed(tenant: Tenant, installerUserId: string | null, outcome: InstallOutcome): Promise<void>;
  /** Sending may continue (reinstall after a finished setup): wake the sender. */
  released(tenantId: string): void;
}

/** A secret nobody knows stands in for the Meta app secret until setup sets the real one: no Meta webhook verifies meanwhile. */
const PLACEHOLDER_PREFIX = 'unset-';
const placeholderSecret = () => `${PLACEHOLDER_PREFIX}${randomBytes(32).toString('base64url')}`;
/** True until the setup has stored the Meta app secret (the install writes a random stand-in). */
export const appSecretMissing = (secret: string): boolean => secret.startsWith(PLACEHOLDER_PREFIX);

export class AppInstaller {
  readonly installs: AppInstallRepo;
  private readonly circuit: CircuitStateRepo;

  constructor(
    private readonly s: Services,
    private readonly app: { appId: string; appSecret: string },
    private readonly events: InstallerEvents,
  ) {
    this.installs = new AppInstallRepo(s.store.db);
    this.circuit = new CircuitStateRepo(s.store.db);
  }

  async install(c: TriggerClaims): Promise<InstallOutcome> {
    if (!c.app_user_id || !c.app_user_code) throw new InstallRefused('no_bot_user', 'the install trigger names no bot user (enable the bot user in the giosg App settings)');
    const tenantId = tenantIdForOrganization(c.org_id);
    const now = this.s.clock.now();
    const before = await this.installs.get(tenantId);
    const existing = await this.s.tenants.get(tenantId);

    const giosgToken = await this.persistentToken(c, existing);
    const webhookSecret = existing?.giosgWebhookSecret ?? randomBytes(24).toString('base64url');
    const base: Tenant = existing ?? {
      id: tenantId,
      name: `giosg ${c.org_id}`,
      metaAppId: '',
      metaAppName: null,
      metaAppSecret: placeholderSecret(),
      metaVerifyToken: randomBytes(24).toString('base64url'),
      wabaId: '',
      phoneNumberId: '',
      giosgApiToken: '',
      giosgOrganizationId: c.org_id,
      giosgBotUserId: c.app_user_id,
      giosgWebhookSecret: webhookSecret,
      giosgAdminTeamId: null,
      giosgUmiChannelId: null,
      defaultLocale: this.s.config.defaultLocale,
    };
    // Replies stay held until setup is finished; the hold is written before the tenant can take any.
    const setupDone = before?.setup_step === 'done';
    if (!setupDone) await this.circuit.hold(tenantId, 'awaiting_setup', now);
    await this.s.tenants.upsert({ ...base, giosgApiToken: giosgToken, giosgOrganizationId: c.org_id, giosgBotUserId: c.app_user_id, giosgWebhookSecret: webhookSecret });
    const lifecycle: AppLifecycle = setupDone ? 'active' : 'awaiting_setup';
    const row: AppInstallRow = {
      tenant_id: tenantId,
      organization_id: c.org_id,
      app_id: c.app_id,
      installation_id: c.inst_id,
      installer_user_id: c.user_id,
      lifecycle,
      setup_chat_id: null,
      setup_step: null,
      setup_draft: null,
      wiring: null,
      installed_at: now,
      updated_at: now,
    };
    await this.installs.upsert(row);

    const tenant = (await this.s.tenants.get(tenantId))!;
    await this.wireGiosg(tenant);
    const outcome: InstallOutcome = { tenantId, lifecycle, reinstall: before !== undefined };
    if (setupDone && (await this.circuit.releaseHold(tenantId, 'app_uninstalled', this.s.clock.now()))) this.events.released(tenantId);
    this.s.logger.info({ tenant: tenantId, organization: c.org_id, lifecycle, reinstall: outcome.reinstall }, 'giosg App installed');
    if (!setupDone) await this.events.installed(tenant, c.user_id, outcome);
    return outcome;
  }

  async uninstall(c: TriggerClaims): Promise<{ tenantId: string; lifecycle: AppLifecycle }> {
    const tenantId = tenantIdForOrganization(c.org_id);
    const row = await this.installs.get(tenantId);
    if (!row) throw new InstallRefused('unknown_installation', 'this organization has not installed the app');
    const now = this.s.clock.now();
    // Hold first: from here no reply leaves, whatever the lifecycle write's fate.
    await this.circuit.hold(tenantId, 'app_uninstalled', now);
    await this.installs.setLifecycle(tenantId, 'disabled', now);
    this.s.logger.info({ tenant: tenantId, organization: c.org_id }, 'giosg App uninstalled: tenant disabled, replies held, data kept');
    return { tenantId, lifecycle: 'disabled' };
  }

  private async persistentToken(c: TriggerClaims, existing: Tenant | null): Promise<string> {
    let token: PersistentToken;
    try {
      token = await exchangeAppUserCode(this.s.config.giosgBaseUrl, { code: c.app_user_code!, appId: this.app.appId, appSecret: this.app.appSecret });
    } catch (err) {
      // A retried install whose code was spent by the first attempt: that attempt stored the token.
      if (err instanceof GiosgError && err.status === 400 && existing && existing.giosgBotUserId === c.app_user_id && existing.giosgApiToken !== '') return existing.giosgApiToken;
      throw err;
    }
    if (token.organization_id !== c.org_id || token.user_id !== c.app_user_id) {
      throw new InstallRefused('token_mismatch', "giosg's token answer is for another organization or user than the trigger");
    }
    return token.access_token;
  }

  private async wireGiosg(tenant: Tenant): Promise<void> {
    const giosg = this.s.giosgFor(tenant);
    const base = this.s.config.publicBaseUrl;
    const secret = encodeURIComponent(tenant.giosgWebhookSecret);
    await giosg.subscribeWebhook(tenant.giosgOrganizationId, {
      endpoint_url: `${base}/webhooks/giosg/${tenant.id}?secret=${secret}`,
      description: 'WhatsApp channel: messages to the bot',
      subscriptions: [{ channel: `/api/v5/users/${tenant.giosgBotUserId}/chats/*/messages`, should_include_resource: true }],
    });
    if (tenant.giosgUmiChannelId) return;
    const roomId = await giosg.firstRoomId(tenant.giosgOrganizationId);
    if (roomId === null) throw new InstallRefused('no_room', 'the organization has no room for the WhatsApp channel');
    const channel = await giosg.registerUmiChannel(tenant.giosgOrganizationId, {
      name: 'WhatsApp',
      messaging_channel: 'whatsapp',
      room_id: roomId,
      reply_webhook_url: `${base}/webhooks/giosg/${tenant.id}/replies?secret=${secret}`,
    });
    await this.s.tenants.update(tenant.id, { giosgUmiChannelId: channel.id });
  }
}
