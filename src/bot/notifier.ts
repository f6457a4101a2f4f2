// Proactive alerts about the channel's incidents. Exactly one alert per incident: the
// right to send it is claimed with one conditional UPDATE of incidents.alerted_at, so
// concurrent listeners, sweeps and instances cannot double-alert. One reminder after
// alertReminderMs while the incident is open (claimed the same way on reminded_at), never
// more; a notice when it resolves. A failed delivery gives its claim back and the
// periodic sweep retries it; a process dying between claim and delivery loses that one
// alert (the window is one HTTP call; the reminder still comes).
import type { TFunction } from 'i18next';
import { translator, type Locale } from '../i18n';
import type { BotAlertRepo, AlertIncident } from '../store/bot-alerts';
import type { TenantService, Tenant } from '../vault/tenants';
import type { TokenVault } from '../vault/token-vault';
import type { ChannelControl } from '../channel/channel-types';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Worker } from '../worker';
import { errorSummary } from '../log';
import { formatTime, humanDuration } from './format';
import type { AlertChats } from './alert-chat';
import type { BotSay } from './speaker';
import { causeAlert } from './token-cause-alert';

export interface NotifierDeps {
  repo: BotAlertRepo;
  chats: AlertChats;
  tenants: TenantService;
  vault: TokenVault;
  channel: ChannelControl;
  clock: Clock;
  logger: Logger;
  reminderMs: number;
  instanceId: string;
}

export class AlertNotifier {
  constructor(private readonly d: NotifierDeps) {}

  /** First alert for an incident, if nobody sent it yet. */
  async alert(incidentId: number): Promise<boolean> {
    const inc = await this.d.repo.incident(incidentId);
    if (!inc || inc.state !== 'open' || inc.alertedAt !== null) return false;
    const tenant = await this.d.tenants.get(inc.tenantId);
    if (!tenant) return false;
    const claimedAt = this.d.clock.now();
    if (!(await this.d.repo.claimAlert(inc.id, claimedAt))) return false;
    try {
      const chatId = await this.d.chats.deliver(tenant, await this.firstAlert(tenant, inc));
      await this.d.repo.setAlertChat(inc.id, chatId);
      this.d.logger.info({ tenant: tenant.id, incident: inc.id, kind: inc.kind }, 'admins alerted about an incident');
      return true;
    } catch (err) {
      await this.d.repo.releaseAlert(inc.id, claimedAt);
      throw err;
    }
  }

  async remind(inc: AlertIncident): Promise<boolean> {
    const tenant = await this.d.tenants.get(inc.tenantId);
    if (!tenant) return false;
    const claimedAt = this.d.clock.now();
    if (!(await this.d.repo.claimReminder(inc.id, claimedAt))) return false;
    try {
      const t = translator(tenant.defaultLocale);
      const fixable = inc.fixableByToken;
      const text = [
        t('bot:alert.reminder', { number: await this.number(tenant), duration: humanDuration(t, claimedAt - inc.openedAt), waiting: await this.waiting(t, tenant.id) }),
        fixable ? t('bot:alert.reminder_auth') : '',
      ]
        .filter(Boolean)
        .join(' ');
      await this.d.chats.deliver(tenant, { text, buttons: this.buttons(t, fixable) });
      return true;
    } catch (err) {
      await this.d.repo.releaseReminder(inc.id, claimedAt);
      throw err;
    }
  }

  async resolved(incidentId: number, heldDelivered: number): Promise<boolean> {
    const inc = await this.d.repo.incident(incidentId);
    // Nobody was told about it (it healed before the alert went out): nothing to take back.
    if (!inc || inc.alertedAt === null) return false;
    const tenant = await this.d.tenants.get(inc.tenantId);
    if (!tenant) return false;
    const job = `resolved-notice:${inc.id}`;
    if (!(await this.d.repo.claimOnce(tenant.id, job, this.d.instanceId, this.d.clock.now()))) return false;
    try {
      const t = translator(tenant.defaultLocale);
      await this.d.chats.deliver(tenant, { text: t('bot:alert.resolved', { number: await this.number(tenant), count: heldDelivered }) });
      return true;
    } catch (err) {
      await this.d.repo.releaseOnce(tenant.id, job, this.d.instanceId);
      throw err;
    }
  }

  /** Retries alerts that never went out and sends due reminders. */
  async tick(): Promise<void> {
    for (const inc of await this.d.repo.unalerted()) {
      await this.alert(inc.id).catch((err) => this.d.logger.warn({ incident: inc.id, err: errorSummary(err) }, 'incident alert failed; will retry'));
    }
    for (const inc of await this.d.repo.dueReminders(this.d.clock.now() - this.d.reminderMs)) {
      await this.remind(inc).catch((err) => this.d.logger.warn({ incident: inc.id, err: errorSummary(err) }, 'incident reminder failed; will retry'));
    }
  }

  worker(everyMs: number): Worker {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    return {
      name: 'bot-alerts',
      start: () => {
        timer ??= setInterval(() => {
          running = running.then(() => this.tick()).catch((err) => this.d.logger.error({ err: errorSummary(err) }, 'alert sweep failed'));
        }, everyMs);
        timer.unref();
      },
      stop: async () => {
        if (timer) clearInterval(timer);
        timer = undefined;
        await running;
      },
    };
  }

  private async firstAlert(tenant: Tenant, inc: AlertIncident): Promise<BotSay> {
    const locale: Locale = tenant.defaultLocale;
    const t = translator(locale);
    const params = {
      number: await this.number(tenant),
      since: formatTime(locale, inc.openedAt),
      reason: this.reason(t, inc),
      waiting: await this.waiting(t, tenant.id),
    };
    const text = causeAlert(t, inc, params) ?? (inc.fixableByToken ? t('bot:alert.auth', params) : t('bot:alert.cutoff', params));
    return { text: text.replace(/\n{2,}/g, '\n'), buttons: this.buttons(t, inc.fixableByToken) };
  }

  private buttons(t: TFunction, fixable: boolean) {
    const status = { text: t('bot:buttons.status'), value: 'status' };
    return fixable ? [{ text: t('bot:buttons.renew'), value: 'renew' }, status] : [status];
  }

  private reason(t: TFunction, inc: AlertIncident): string {
    const reason = inc.reason?.trim() || t('bot:alert.no_reason');
    return inc.metaCode !== null ? `${reason}, Meta #${inc.metaCode}` : reason;
  }

  private async number(tenant: Tenant): Promise<string> {
    const cur = await this.d.vault.current(tenant.id).catch(() => null);
    return cur?.displayPhoneNumber ?? tenant.phoneNumberId;
  }

  private async waiting(t: TFunction, tenantId: string): Promise<string> {
    const st = await this.d.channel.status(tenantId).catch(() => null);
    return st ? t('bot:alert.waiting', { count: st.queued }) : '';
  }
}
