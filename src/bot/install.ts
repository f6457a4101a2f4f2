// Installs the bot: the Botkit controller over our giosg adapter and database storage,
// the webhook receiver, the inbox/alert/token-health workers and the event subscriptions.
//
// Who counts as an admin: giosg's webhooks carry no team membership, so the bot serves
// every giosg *user* (sender_type "user") of the tenant's organization who chats with the
// bot user: that chat is only reachable from inside the organization's giosg console, so
// giosg's own user management is the access control. Visitors and rule messages are
// ignored at the receiver. Rollback additionally asks for confirmation and is audited with
// the giosg user id as actor. Alerts go to the team in GIOSG_ADMIN_TEAM_ID.
import type { Express } from 'express';
import type { Services } from '../services';
import type { RouteModule } from '../http/app';
import { errorSummary } from '../log';
import { normalizeLocale, translator, type Locale } from '../i18n';
import type { Tenant } from '../vault/tenants';
import type { StoredBotEvent } from '../giosg/bot-event-schema';
import { stateKeyPrefix } from './adapter-activity';
import { giosgBotRoutes } from './receiver';
import { BotStateStorage } from '../store/bot-storage';
import { BotEventRepo } from '../store/bot-events';
import { BotAlertRepo } from '../store/bot-alerts';
import type { BotCore } from './core';
import { BotInbox } from './inbox';
import { BotSpeaker } from './speaker';
import { AlertChats } from './alert-chat';
import { AlertNotifier } from './notifier';
import { TokenHealthCheck } from './token-health';
import { formatTime } from './format';
import type { DialogDeps } from './dialog-deps';
import type { ChannelControl } from '../channel/channel-types';
import type { LinkIssuer } from '../links/link-types';
import type { Worker } from '../worker';
import { rollbackToken } from '../vault/swap';
import { renderStatus } from '../../dialogs/status-text';
import { ReengagementTemplateRepo } from '../store/reengagement-template-repo';
import { TemplateCatalog } from '../channel/window/template-catalog';
import { WindowRepo } from '../store/window-repo';
import { ReengagementRepo } from '../store/reengagement-repo';
import { GraphError } from '../meta/graph-errors';
import { WiringRepo } from '../store/wiring-repo';
import type { WiringReport } from '../onboarding/wiring-types';

export interface BotRuntime {
  /** Botkit, its dialogs and our adapter, loaded on first use (see core.ts). */
  core(): BotCore;
  /** Whether core() has been loaded yet. */
  coreLoaded(): boolean;
  storage: BotStateStorage;
  inbox: BotInbox;
  notifier: AlertNotifier;
  health: TokenHealthCheck;
  speaker: BotSpeaker;
  /** The tenant's alert chat (opened on first use, admin team invited). */
  chats: AlertChats;
  deps: DialogDeps;
  /** A turn handler asked before Botkit (the setup dialog): returning true means it answered. */
  intercept(fn: TurnInterceptor): void;
}

export type TurnInterceptor = (tenant: Tenant, event: StoredBotEvent, locale: Locale) => Promise<boolean>;

export interface BotFeature {
  runtime: BotRuntime;
  /** POST /webhooks/giosg/bot/:tenant. */
  routes: RouteModule;
  workers: Worker[];
}

/** What the bot needs from the other features. */
export interface BotNeeds {
  channel: ChannelControl;
  links: LinkIssuer;
}

const TEMPLATE_ALERT_EVERY_MS = 6 * 3_600_000;

export function dialogDepsFor(s: Services, n: BotNeeds): DialogDeps {
  const templateRepo = new ReengagementTemplateRepo(s.store.db);
  const templateCatalog = new TemplateCatalog(s, templateRepo);
  const windowRepo = new WindowRepo(s.store.db, s.store.engine);
  const reengagements = new ReengagementRepo(s.store.db);
  const wiring = new WiringRepo(s.store.db);
  return {
    clock: s.clock,
    appName: async (tenantId) => (await s.tenants.get(tenantId))?.metaAppName ?? null,
    issueLink: (req) => n.links.issue(req),
    statusText: async (tenantId, locale) => {
      const tenant = await s.tenants.get(tenantId);
      const token = await s.vault.current(tenantId);
      const channel = await n.channel.status(tenantId).catch(() => null);
      const window = await Promise.all([windowRepo.heldSummary(tenantId), templateRepo.list(tenantId), reengagements.countsByState(tenantId)])
        .then(([held, templates, invitations]) => ({ held, templates: templates.map((x) => `${x.name} (${x.language})`), invitations }))
        .catch(() => null);
      const checked = await wiring.get(tenantId).catch(() => null);
      const report = checked ? (JSON.parse(checked.report) as WiringReport) : null;
      return renderStatus({ phoneNumber: token?.displayPhoneNumber ?? tenant?.phoneNumberId ?? tenantId, token, channel, window, wiring: report ?? undefined }, locale, s.clock);
    },
    currentFingerprint: async (tenantId) => (await s.vault.current(tenantId))?.fingerprint ?? null,
    rollback: (tenantId, actor) => rollbackToken(s, tenantId, actor),
    kick: (tenantId) => n.channel.kick(tenantId),
    templates: async (tenantId) => {
      try {
        const [catalog, chosen] = await Promise.all([templateCatalog.list(tenantId), templateCatalog.current(tenantId)]);
        return { ok: true as const, catalog, chosen };
      } catch (err) {
        const e = err as Error;
        return { ok: false as const, error: e instanceof GraphError ? `${e.reason}${e.code ? `, Meta error ${e.code}` : ''}` : (e?.message ?? 'error') };
      }
    },
    chooseTemplate: (tenantId, choice, actor) => templateCatalog.choose(tenantId, [choice], actor, 'replace'),
  };
}

export function buildBot(s: Services, n: BotNeeds): BotFeature {
  const storage = new BotStateStorage(s.store.db, s.store.engine, s.clock);
  const deps = dialogDepsFor(s, n);
  let loaded: BotCore | undefined;
  const interceptors: TurnInterceptor[] = [];
  const core = (): BotCore => {
    if (!loaded) {
      const started = performance.now();
      // A plain require on purpose: loading is synchronous either way (about half a
      // second, once per process), and a dynamic import() would not be any less blocking.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createBotCore } = require('./core') as typeof import('./core');
      loaded = createBotCore(s, storage, deps);
      s.logger.info({ loadMs: Math.round(performance.now() - started) }, 'bot loaded (Botkit and dialogs)');
    }
    return loaded;
  };

  const inbox = new BotInbox(
    new BotEventRepo(s.store.db),
    async (tenantId, event) => {
      const tenant = await s.tenants.get(tenantId);
      if (!tenant) throw new Error(`tenant ${tenantId} no longer exists`);
      const locale = normalizeLocale(event.language, tenant.defaultLocale ?? 'en');
      for (const fn of interceptors) if (await fn(tenant, event, locale)) return;
      const { adapter, handleTurn } = core();
      await adapter.processEvent(tenant, event, locale, handleTurn);
    },
    s.clock,
    s.logger,
  );

  const speaker = new BotSpeaker(() => core().adapter);
  const alerts = new BotAlertRepo(s.store.db);
  const chats = new AlertChats(alerts, s.giosgFor, speaker, s.clock, s.logger);
  const notifier = new AlertNotifier({
    repo: alerts,
    chats,
    tenants: s.tenants,
    vault: s.vault,
    channel: n.channel,
    clock: s.clock,
    logger: s.logger,
    reminderMs: s.config.alertReminderMs,
    instanceId: s.instanceId,
  });
  const health = new TokenHealthCheck({
    tenants: s.tenants,
    vault: s.vault,
    validation: s.validation,
    repo: alerts,
    chats,
    clock: s.clock,
    logger: s.logger,
    intervalMs: s.config.tokenHealthIntervalMs,
    instanceId: s.instanceId,
  });

  const failed = (what: string) => (err: unknown) => s.logger.warn({ err: errorSummary(err) }, `${what}; the alert sweep retries`);
  s.events.on('incident.opened', (e) => notifier.alert(e.incidentId).then(() => undefined, failed('incident alert failed')));
  s.events.on('account.cutoff', (e) => notifier.alert(e.incidentId).then(() => undefined, failed('cut-off alert failed')));
  s.events.on('incident.resolved', (e) => notifier.resolved(e.incidentId, e.heldDelivered).then(() => undefined, failed('resolved notice failed')));
  // Admins hear of a refused re-engagement template once per template, language and code
  // every 6 hours: a paused template fails for every customer it is sent to.
  s.events.on('template.failed', async (e) => {
    try {
      const tenant = await s.tenants.get(e.tenantId);
      if (!tenant) return;
      const now = s.clock.now();
      if (!(await alerts.acquireLease(tenant.id, `template_failed:${e.template}:${e.language}:${e.code ?? ''}`, s.instanceId, now, now + TEMPLATE_ALERT_EVERY_MS))) return;
      const t = translator(tenant.defaultLocale);
      const why = t(`window:templateError.${e.problem}`, { code: e.code ?? '—' });
      const text = e.next ? t('window:templateSwitchedAdmin', { template: e.template, language: e.language, why, next: e.next }) : t('window:templateFailedAdmin', { template: e.template, language: e.language, why });
      await chats.deliver(tenant, { text });
    } catch (err) {
      s.logger.warn({ err: errorSummary(err) }, 'could not tell the admins that a re-engagement template failed');
    }
  });
  s.events.on('token.swapped', async (e) => {
    if (!e.chatId) return;
    const tenant = await s.tenants.get(e.tenantId);
    if (!tenant) return;
    const locale = normalizeLocale(e.locale, tenant.defaultLocale);
    const t = translator(locale);
    const expiry = e.expiresAt === null ? t('bot:status.expires_never') : t('bot:status.expires_at', { date: formatTime(locale, e.expiresAt) });
    await speaker.say(tenant, e.chatId, {
      text: t('bot:swap.confirmed', { name: e.verifiedName ?? t('bot:swap.unknown'), number: e.displayPhoneNumber ?? tenant.phoneNumberId, expiry }),
    });
    // The guide in that chat is finished: the next message starts fresh.
    await storage.deletePrefix(stateKeyPrefix(tenant.id, e.chatId));
  });

  const sweepMs = Math.min(60_000, Math.max(1_000, Math.floor(s.config.alertReminderMs / 10)));
  const workers = [inbox.worker(5_000), notifier.worker(sweepMs), health.worker(Math.min(s.config.tokenHealthIntervalMs, 60_000))];

  const runtime: BotRuntime = { core, coreLoaded: () => loaded !== undefined, storage, inbox, notifier, health, speaker, chats, deps, intercept: (fn) => void interceptors.push(fn) };
  return { runtime, routes: (app: Express) => giosgBotRoutes(app, s, inbox), workers };
}
