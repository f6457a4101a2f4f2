// Builds the Meta wiring check and runs it after every token swap (WIRING_CHECK), once per
// token version across instances. Findings
// worth telling go to the chat where the admin set the channel up (a giosg App install), or
// else to the tenant's alert chat.
import type { Services } from '../services';
import type { BotRuntime } from '../bot/install';
import { translator, normalizeLocale } from '../i18n';
import { errorSummary } from '../log';
import { AppInstallRepo } from '../store/app-install-repo';
import { BotAlertRepo } from '../store/bot-alerts';
import type { Tenant } from '../vault/tenants';
import { WiringChecker } from './wiring-check';
import { wiringProblemLines } from './wiring-text';
import type { WiringReport } from './wiring-types';

export function buildWiring(s: Services, n: { bot: BotRuntime }): WiringChecker {
  const installs = new AppInstallRepo(s.store.db);
  const say = async (tenant: Tenant, text: string) => {
    const install = await installs.get(tenant.id);
    if (install?.setup_chat_id) await n.bot.speaker.say(tenant, install.setup_chat_id, { text });
    else await n.bot.chats.deliver(tenant, { text });
  };
  const checker = new WiringChecker(s, async (tenant: Tenant, report: WiringReport) => {
    const locale = normalizeLocale(tenant.defaultLocale);
    const t = translator(locale);
    const lines: string[] = [];
    if (report.subscribedNow) lines.push(t('wiring:subscribed_now_told', { waba: tenant.wabaId }));
    const problems = wiringProblemLines(report, locale);
    if (problems.length) lines.push(t('wiring:problem_told'), ...problems);
    if (lines.length) await say(tenant, lines.join('\n'));
  });
  if (s.config.wiringCheck) {
    const leases = new BotAlertRepo(s.store.db);
    s.events.on('token.changed', async (e) => {
      // Every instance hears a swap (LISTEN/NOTIFY); one of them checks each token version.
      if (e.versionId !== null && !(await leases.claimOnce(e.tenantId, `wiring_check:${e.versionId}`, s.instanceId, s.clock.now()))) return;
      await checker.check(e.tenantId, 'token_changed').catch((err) => s.logger.warn({ tenant: e.tenantId, err: errorSummary(err) }, 'Meta wiring check failed'));
    });
  }
  return checker;
}
