// Proactive alerts: exactly one per incident even when events, sweeps and "instances"
// race; one reminder after alertReminderMs (injected clock), never more; cut-off alerts
// without a renew button; a notice when the incident resolves.
import { engines, startHarness, waitFor, type Harness } from '../../testkit/harness';
import { ManualClock } from '../../src/clock';
import { IncidentRepo } from '../../src/store/incident-repo';
import { BotAlertRepo } from '../../src/store/bot-alerts';
import { AlertNotifier } from '../../src/bot/notifier';
import { AlertChats } from '../../src/bot/alert-chat';
import { translator } from '../../src/i18n';
import { formatTime } from '../../src/bot/format';
import type { IncidentEvent } from '../../src/events';

const t = translator('en');
const HOUR = 3_600_000;
let h: Harness;
let clock: ManualClock;

const openIncident = async (kind: string, fixable: boolean, reason: string | null, code: number | null) => {
  const { incident } = await new IncidentRepo(h.services.store.db).open({ tenantId: 't1', kind, fixableByToken: fixable, reason, metaCode: code }, clock.now());
  return incident;
};
const asEvent = (i: { id: number; kind: string; fixable_by_token: number; reason: string | null; meta_code: number | null; opened_at: number }): IncidentEvent => ({
  tenantId: 't1',
  incidentId: i.id,
  kind: i.kind,
  fixableByToken: i.fixable_by_token === 1,
  reason: i.reason,
  metaCode: i.meta_code,
  openedAt: i.opened_at,
});
const buttons = (m: { attachments?: unknown[] }) => ((m.attachments ?? []) as Array<{ actions?: Array<{ value: string }> }>).flatMap((a) => (a.actions ?? []).map((x) => x.value));
const alertsIn = () => h.giosg.chatMessages;

describe.each(engines)('incident alerts (%s)', (engine) => {
  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 2, 10, 8, 0));
    h = await startHarness({ clock, workers: false, engine });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('an auth incident alerts the admin team once, in plain words, with a renew button', async () => {
    const inc = await openIncident('token', true, 'Error validating access token: Session has expired', 190);
    const bot = h.bot;
    // The event, the periodic sweep and a second instance's notifier all race for it.
    const other = new AlertNotifier({
      repo: new BotAlertRepo(h.services.store.db),
      chats: new AlertChats(new BotAlertRepo(h.services.store.db), h.services.giosgFor, bot.speaker, clock, h.services.logger),
      tenants: h.services.tenants,
      vault: h.services.vault,
      channel: h.channel,
      clock,
      logger: h.services.logger,
      reminderMs: h.services.config.alertReminderMs,
      instanceId: 'other-instance',
    });
    h.services.events.emit('incident.opened', asEvent(inc));
    h.services.events.emit('incident.opened', asEvent(inc));
    await Promise.all([bot.notifier.tick(), other.alert(inc.id), other.tick(), bot.notifier.alert(inc.id)]);
    await waitFor(() => alertsIn().length >= 1, 'alert');
    await new Promise((r) => setTimeout(r, 200)); // let any straggler listener finish
    expect(alertsIn()).toHaveLength(1);

    const [alert] = alertsIn();
    const chat = h.giosg.chats.find((c) => c.id === alert.chatId)!;
    expect(chat.invitedTeams).toEqual(['team-admins']);
    const queued = (await h.channel.status('t1')).queued;
    expect(alert.message).toContain('+358 40 1234567');
    expect(alert.message).toContain(formatTime('en', inc.opened_at));
    expect(alert.message).toContain('Session has expired');
    expect(alert.message).toContain(t('bot:alert.waiting', { count: queued }));
    expect(buttons(alert)).toEqual(['renew', 'status']);
    const row = await new BotAlertRepo(h.services.store.db).incident(inc.id);
    expect(row).toMatchObject({ alertedAt: clock.now(), alertChatId: alert.chatId, remindedAt: null });
  });

  it('reminds once after the configured time while unresolved, never more', async () => {
    const inc = await openIncident('permission', true, 'Permissions error', 10);
    const bot = h.bot;
    expect(await bot.notifier.alert(inc.id)).toBe(true);
    clock.advance(4 * HOUR - 1);
    await bot.notifier.tick();
    expect(alertsIn()).toHaveLength(1);
    clock.advance(1);
    await Promise.all([bot.notifier.tick(), bot.notifier.tick()]);
    expect(alertsIn()).toHaveLength(2);
    expect(alertsIn()[1].message).toContain(t('bot:alert.reminder', { number: '+358 40 1234567', duration: '4 hours', waiting: t('bot:alert.waiting', { count: 0 }) }));
    expect(alertsIn()[1].chatId).toBe(alertsIn()[0].chatId);
    clock.advance(48 * HOUR);
    await bot.notifier.tick();
    expect(alertsIn()).toHaveLength(2);
  });

  it('honours a configured reminder interval', async () => {
    await h.stop();
    clock = new ManualClock(Date.UTC(2026, 2, 10, 8, 0));
    h = await startHarness({ clock, workers: false, engine, config: { alertReminderMs: HOUR } });
    const inc = await openIncident('token', true, null, 190);
    const bot = h.bot;
    await bot.notifier.alert(inc.id);
    clock.advance(HOUR);
    await bot.notifier.tick();
    expect(alertsIn()).toHaveLength(2);
  });

  it('a cut-off account gets an alert without a renew button that says a token will not help', async () => {
    const inc = await openIncident('account_update', false, 'PARTNER_APP_UNINSTALLED', null);
    h.services.events.emit('account.cutoff', { tenantId: 't1', event: 'PARTNER_APP_UNINSTALLED', incidentId: inc.id });
    h.services.events.emit('incident.opened', asEvent(inc));
    await waitFor(() => alertsIn().length >= 1, 'cut-off alert');
    await new Promise((r) => setTimeout(r, 200));
    expect(alertsIn()).toHaveLength(1);
    expect(alertsIn()[0].message).toContain('PARTNER_APP_UNINSTALLED');
    expect(alertsIn()[0].message).toContain('A new token will not fix this');
    expect(buttons(alertsIn()[0])).toEqual(['status']);
  });

  it('says once when sending works again and how many held replies went out', async () => {
    const inc = await openIncident('token', true, 'expired', 190);
    await h.bot.notifier.alert(inc.id);
    await new IncidentRepo(h.services.store.db).resolve(inc.id, clock.now());
    const e = { ...asEvent(inc), resolvedAt: clock.now(), heldDelivered: 3 };
    h.services.events.emit('incident.resolved', e);
    h.services.events.emit('incident.resolved', e);
    await waitFor(() => alertsIn().length >= 2, 'resolved notice');
    await new Promise((r) => setTimeout(r, 200));
    expect(alertsIn()).toHaveLength(2);
    expect(alertsIn()[1].message).toBe(t('bot:alert.resolved', { number: '+358 40 1234567', count: 3 }));
    expect(alertsIn()[1].chatId).toBe(alertsIn()[0].chatId);
    // Resolved incidents get no reminder.
    clock.advance(10 * HOUR);
    await h.bot.notifier.tick();
    expect(alertsIn()).toHaveLength(2);
  });

  it('an incident that healed before anyone was told gets no resolved notice', async () => {
    const inc = await openIncident('token', true, 'expired', 190);
    await new IncidentRepo(h.services.store.db).resolve(inc.id, clock.now());
    expect(await h.bot.notifier.resolved(inc.id, 0)).toBe(false);
    expect(alertsIn()).toHaveLength(0);
  });

  it('reuses the alert chat for the next incident and opens a new one when giosg lost it', async () => {
    const bot = h.bot;
    const first = await openIncident('token', true, 'a', 190);
    await bot.notifier.alert(first.id);
    await new IncidentRepo(h.services.store.db).resolve(first.id, clock.now());
    const second = await openIncident('token', true, 'b', 190);
    await bot.notifier.alert(second.id);
    expect(alertsIn()[1].chatId).toBe(alertsIn()[0].chatId);
    expect(h.giosg.chats).toHaveLength(1);
    // giosg forgot the chat: a fresh one is opened and the team invited again.
    h.giosg.chats.length = 0;
    await new IncidentRepo(h.services.store.db).resolve(second.id, clock.now());
    const third = await openIncident('token', true, 'c', 190);
    await bot.notifier.alert(third.id);
    expect(alertsIn()).toHaveLength(3);
    expect(alertsIn()[2].chatId).not.toBe(alertsIn()[0].chatId);
    expect(h.giosg.chats[0].invitedTeams).toEqual(['team-admins']);
  });

  it('a failed delivery gives the claim back and the sweep delivers it later, once', async () => {
    const inc = await openIncident('token', true, 'expired', 190);
    const bot = h.bot;
    h.giosg.setMode('401');
    await expect(bot.notifier.alert(inc.id)).rejects.toMatchObject({ name: 'GiosgError' });
    expect((await new BotAlertRepo(h.services.store.db).incident(inc.id))!.alertedAt).toBeNull();
    h.giosg.setMode('ok');
    await bot.notifier.tick();
    await bot.notifier.tick();
    expect(alertsIn()).toHaveLength(1);
  });
});
