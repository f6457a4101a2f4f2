// The scheduled token check against the Graph simulator: warns on an invalidated token, a
// removed permission, expiry within 7 days and again within 1 day; once per token version;
// once per tenant per interval across instances (lease in job_leases).
import { startHarness, makeToken, type Harness } from '../../testkit/harness';
import { ManualClock } from '../../src/clock';
import { BotAlertRepo } from '../../src/store/bot-alerts';
import { TokenHealthCheck } from '../../src/bot/token-health';
import { AlertChats } from '../../src/bot/alert-chat';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let h: Harness;
let clock: ManualClock;

beforeEach(async () => {
  // The simulator judges expiry by the wall clock, so the injected clock starts there.
  clock = new ManualClock(Date.now());
  h = await startHarness({ clock, workers: false });
});
afterEach(async () => {
  await h.stop();
});

const said = () => h.giosg.chatMessages.map((m) => m.message);

/** Makes a token expiring at `expiresAtMs` the live one. */
async function liveToken(expiresAtMs: number) {
  const token = makeToken();
  h.graph.addToken({ token, appId: h.tenant.metaAppId, type: 'SYSTEM_USER', scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'], targetIds: [h.tenant.wabaId], expiresAt: Math.floor(expiresAtMs / 1000) });
  const id = await h.services.vault.addPending('t1', token, 'test', 'test');
  await h.services.vault.markValidated('t1', id, { expiresAt: expiresAtMs, tokenType: 'SYSTEM_USER', verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567' }, 'test');
  const cur = await h.services.vault.current('t1');
  await h.services.vault.promote('t1', id, cur!.versionId, 'test');
  return token;
}

describe('token health', () => {
  it('a healthy never-expiring token says nothing', async () => {
    expect(await h.bot.health.check(h.tenant)).toBe('healthy');
    expect(said()).toHaveLength(0);
  });

  it('runs once per tenant per interval, even with two instances', async () => {
    const bot = h.bot;
    const repo = new BotAlertRepo(h.services.store.db);
    const other = new TokenHealthCheck({
      tenants: h.services.tenants,
      vault: h.services.vault,
      validation: h.services.validation,
      repo,
      chats: new AlertChats(repo, h.services.giosgFor, bot.speaker, clock, h.services.logger),
      clock,
      logger: h.services.logger,
      intervalMs: HOUR,
      instanceId: 'other',
    });
    const outcomes = await Promise.all([bot.health.check(h.tenant), other.check(h.tenant)]);
    expect(outcomes.sort()).toEqual(['healthy', 'skipped']);
    clock.advance(HOUR - 1);
    expect(await other.check(h.tenant)).toBe('skipped');
    clock.advance(1);
    expect(await other.check(h.tenant)).toBe('healthy');
  });

  it('warns when the live token was invalidated, once for that token', async () => {
    h.graph.invalidateToken(h.token);
    const bot = h.bot;
    expect(await bot.health.check(h.tenant)).toBe('warned');
    expect(said()[0]).toMatch(/The WhatsApp token for \+358 40 1234567 no longer works/);
    clock.advance(HOUR);
    expect(await bot.health.check(h.tenant)).toBe('already_warned');
    expect(said()).toHaveLength(1);
    expect(h.logs.text()).not.toContain(h.token);
  });

  it('warns when a WhatsApp permission was removed', async () => {
    h.graph.removeScope(h.token, 'whatsapp_business_messaging');
    expect(await h.bot.health.check(h.tenant)).toBe('warned');
    expect(said()[0]).toMatch(/lost a permission/);
  });

  it('warns 7 days before expiry and again within the last day, never more', async () => {
    const bot = h.bot;
    await liveToken(clock.now() + 6 * DAY);
    expect(await bot.health.check(h.tenant)).toBe('warned');
    expect(said()[0]).toMatch(/expires on .* \(in 6 days\)/);
    clock.advance(HOUR);
    expect(await bot.health.check(h.tenant)).toBe('already_warned');
    clock.advance(5 * DAY);
    expect(await bot.health.check(h.tenant)).toBe('warned');
    expect(said()[1]).toMatch(/expires within a day/);
    clock.advance(HOUR);
    expect(await bot.health.check(h.tenant)).toBe('already_warned');
    expect(said()).toHaveLength(2);
  });

  it('a token first seen inside its last day gets only the one-day warning', async () => {
    await liveToken(clock.now() + 12 * HOUR);
    expect(await h.bot.health.check(h.tenant)).toBe('warned');
    clock.advance(HOUR);
    expect(await h.bot.health.check(h.tenant)).toBe('already_warned');
    expect(said()).toHaveLength(1);
    expect(said()[0]).toMatch(/expires within a day/);
  });

  it('Meta being unreachable is not reported as a broken token', async () => {
    h.graph.setMode('down');
    expect(await h.bot.health.check(h.tenant)).toBe('unreachable');
    expect(said()).toHaveLength(0);
  });
});
