// The setup dialog through the giosg simulator's bot chat, on SQLite and PostgreSQL: after
// an install the installing admin types the Meta ids, delivers the app secret and the first
// token through one-time links, and the bot finishes with a summary, the wiring check and
// the held replies released.
import { engines, makeToken, TENANT, waitFor, type Harness } from '../../testkit/harness';
import { openAndSubmit, text } from '../../testkit/link-client';
import { AppInstallRepo } from '../../src/store/app-install-repo';
import { startAppHarness } from './app-fixtures';

describe.each(engines)('setup dialog (%s)', (engine) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startAppHarness({ engine, config: { wiringCheck: true } });
  });
  afterEach(async () => h.stop());

  async function installed() {
    const { org } = await h.giosg.app.installForNewOrg({ name: 'Kahvila Oy' });
    const tenantId = `giosg-${org.orgId}`;
    const chat = await waitFor(() => h.giosg.chats.find((c) => c.invitedUsers?.includes(org.installerUserId)), 'setup chat');
    const said = () => h.giosg.chatMessages.filter((m) => m.chatId === chat.id).map((m) => m.message);
    await waitFor(() => said().length > 0 || undefined, 'welcome');
    const ask = async (words: string, expectNew = 1) => {
      const before = said().length;
      await h.giosg.app.adminSays(org.orgId, { chatId: chat.id, text: words });
      await h.bot.inbox.idle();
      return waitFor(() => (said().length >= before + expectNew ? said().slice(before) : null), `reply to ${words}`);
    };
    const linkIn = (m: string) => new URL(/https?:\/\/\S+\/t\/\S+/.exec(m)![0]).pathname;
    return { org, tenantId, chat, said, ask, linkIn };
  }

  it('ids in chat, secret and token through links, summary, wiring checked, held replies released', async () => {
    const { org, tenantId, said, ask, linkIn } = await installed();
    expect(said()[0]).toContain('WhatsApp Business Account id');

    expect(await ask('my waba is acme')).toEqual([expect.stringContaining('does not look like a Meta id')]);
    expect((await ask(TENANT.wabaId))[0]).toContain('phone number id');
    expect((await ask(TENANT.phoneNumberId))[0]).toContain('Meta app id');
    const [secretMsg] = await ask(TENANT.metaAppId);
    expect(secretMsg).toContain('app secret');
    const secretPath = linkIn(secretMsg);
    // Anything typed now is not taken as the secret.
    expect((await ask('ok'))[0]).toContain('waiting for the app secret');

    // A backlog builds up meanwhile: held until setup is finished.
    const tenant = (await h.services.tenants.get(tenantId))!;
    expect((await h.giosg.agentReply({ channelId: tenant.giosgUmiChannelId!, threadId: '358401999001', text: 'held until setup' })).status).toBe(200);
    await h.idle();
    expect(h.graph.sent.filter((m) => m.body === 'held until setup')).toHaveLength(0);

    const wrong = await openAndSubmit(h, secretPath, 'not-the-secret-of-this-app');
    expect(wrong.status).toBe(422);
    expect(text(wrong.html)).toContain(`Meta does not accept this secret for the app id ${TENANT.metaAppId}`);
    expect(text(wrong.html)).toContain('Meta app secret');
    const ok = await openAndSubmit(h, secretPath, TENANT.metaAppSecret);
    expect(ok.status).toBe(200);
    h.services.tenants.invalidate(tenantId);
    const withSecret = (await h.services.tenants.get(tenantId))!;
    expect(withSecret.metaAppSecret).toBe(TENANT.metaAppSecret);
    expect(text(ok.html)).toContain(`${h.url}/webhooks/meta/${tenantId}`);
    expect(text(ok.html)).toContain(withSecret.metaVerifyToken);

    const tokenMsg = await waitFor(() => said().find((m) => m.includes('System User access token')), 'token link');
    expect(said().some((m) => m.includes('The app secret is stored'))).toBe(true);
    const token = makeToken();
    h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', targetIds: [TENANT.wabaId], expiresAt: 0 });
    expect((await openAndSubmit(h, linkIn(tokenMsg), token)).status).toBe(200);

    const summary = await waitFor(() => said().find((m) => m.startsWith('All set!')), 'summary');
    expect(summary).toContain(`WhatsApp Business Account: ${TENANT.wabaId}`);
    expect(summary).toContain('Phone number: +358 40 1234567 (Acme Oy)');
    expect(summary).toContain(`Meta app: ${TENANT.metaAppId}`);
    expect(summary).toContain('The app is subscribed to the WhatsApp Business Account');
    expect(summary).toContain(`The webhook callback ${h.url}/webhooks/meta/${tenantId} answers`);
    const install = (await new AppInstallRepo(h.services.store.db).get(tenantId))!;
    expect([install.setup_step, install.lifecycle]).toEqual(['done', 'active']);
    expect((await h.composed.wiring.last(tenantId))!.state).toBe('ok');
    await waitFor(() => h.graph.sent.find((m) => m.body === 'held until setup'), 'held reply sent');

    // Neither secret reached the chat or the log.
    for (const m of said()) {
      expect(m).not.toContain(token);
      expect(m).not.toContain(TENANT.metaAppSecret);
    }
    expect(h.logs.text()).not.toContain(token);
    expect(h.logs.text()).not.toContain(TENANT.metaAppSecret);
    // After setup the chat is the bot's usual one.
    expect((await ask('status'))[0]).toContain('Meta wiring (checked');
    expect(org.orgId).toBeTruthy();
  });

  it('a phone number id that is not the WABA\'s is asked again after the token, then setup finishes', async () => {
    h.graph.addPhone({ id: '888000333', wabaId: '555000999', displayPhoneNumber: '+358 40 7654321', verifiedName: 'Other Oy' });
    const { tenantId, said, ask, linkIn } = await installed();
    await ask(TENANT.wabaId);
    await ask('888000333');
    const secretPath = linkIn((await ask(TENANT.metaAppId))[0]);
    expect((await openAndSubmit(h, secretPath, TENANT.metaAppSecret)).status).toBe(200);
    const tokenMsg = await waitFor(() => said().find((m) => m.includes('System User access token')), 'token link');
    const token = makeToken();
    h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', targetIds: [TENANT.wabaId], expiresAt: 0 });
    expect((await openAndSubmit(h, linkIn(tokenMsg), token)).status).toBe(200);
    const again = await waitFor(() => said().find((m) => m.includes('is not one of the numbers')), 'phone asked again');
    expect(again).toContain('888000333');
    expect((await new AppInstallRepo(h.services.store.db).get(tenantId))!.setup_step).toBe('phone');
    await ask(TENANT.phoneNumberId);
    await waitFor(() => said().find((m) => m.startsWith('All set!')), 'summary');
    expect((await new AppInstallRepo(h.services.store.db).get(tenantId))!.lifecycle).toBe('active');
  });

  it('a mistyped WABA id: Meta refuses the token for it; "back" steps to the WABA id, the right one brings a new token link that works', async () => {
    const { tenantId, said, ask, linkIn } = await installed();
    await ask('102290129340398'); // not the WABA the token is for
    await ask(TENANT.phoneNumberId);
    const secretPath = linkIn((await ask(TENANT.metaAppId))[0]);
    expect((await openAndSubmit(h, secretPath, TENANT.metaAppSecret)).status).toBe(200);
    const tokenMsg = await waitFor(() => said().find((m) => m.includes('System User access token')), 'token link');
    const token = makeToken();
    h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', targetIds: [TENANT.wabaId], expiresAt: 0 });
    expect((await openAndSubmit(h, linkIn(tokenMsg), token)).status).toBe(422);
    // Back through the ids, each shown as stored.
    expect((await ask('back'))[0]).toContain(`The id stored now is ${TENANT.metaAppId}`);
    expect((await ask('back'))[0]).toContain(`The id stored now is ${TENANT.phoneNumberId}`);
    const [wabaAgain] = await ask('back');
    expect(wabaAgain).toContain('WhatsApp Business Account id');
    expect(wabaAgain).toContain('The id stored now is 102290129340398');
    // The right id: the secret is kept, so the next message is a new token link.
    const [newLink] = await ask(TENANT.wabaId);
    expect(newLink).toContain('System User access token');
    h.services.tenants.invalidate(tenantId);
    expect((await h.services.tenants.get(tenantId))!.wabaId).toBe(TENANT.wabaId);
    expect((await openAndSubmit(h, linkIn(newLink), token)).status).toBe(200);
    await waitFor(() => said().find((m) => m.startsWith('All set!')), 'summary');
    expect((await new AppInstallRepo(h.services.store.db).get(tenantId))!.setup_step).toBe('done');
  });

  async function setUp(x: Awaited<ReturnType<typeof installed>>) {
    await x.ask(TENANT.wabaId);
    await x.ask(TENANT.phoneNumberId);
    const secretPath = x.linkIn((await x.ask(TENANT.metaAppId))[0]);
    expect((await openAndSubmit(h, secretPath, TENANT.metaAppSecret)).status).toBe(200);
    const tokenMsg = await waitFor(() => x.said().find((m) => m.includes('System User access token')), 'token link');
    const token = makeToken();
    h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', targetIds: [TENANT.wabaId], expiresAt: 0 });
    expect((await openAndSubmit(h, x.linkIn(tokenMsg), token)).status).toBe(200);
    await waitFor(() => x.said().find((m) => m.startsWith('All set!')), 'summary');
  }

  it('a mistyped app id: the secret is refused naming the id, the right id typed in chat brings a new link that works', async () => {
    const x = await installed();
    await x.ask(TENANT.wabaId);
    await x.ask(TENANT.phoneNumberId);
    const first = x.linkIn((await x.ask('999999999'))[0]);
    const refused = await openAndSubmit(h, first, TENANT.metaAppSecret);
    expect(refused.status).toBe(422);
    expect(text(refused.html)).toContain('for the app id 999999999');
    const [again] = await x.ask(TENANT.metaAppId);
    const second = x.linkIn(again);
    expect(second).not.toBe(first);
    expect((await openAndSubmit(h, second, TENANT.metaAppSecret)).status).toBe(200);
    h.services.tenants.invalidate(x.tenantId);
    expect((await h.services.tenants.get(x.tenantId))!.metaAppId).toBe(TENANT.metaAppId);
    await waitFor(() => x.said().find((m) => m.includes('System User access token')), 'token link');
  });

  it('installing again after setup: the same tenant stays live, no second setup chat, nothing asked again', async () => {
    const x = await installed();
    await setUp(x);
    const chatsBefore = h.giosg.chats.length;
    const saidBefore = x.said().length;
    expect((await h.giosg.app.installForNewOrg({ orgId: x.org.orgId })).answer.status).toBe(302);
    const install = (await new AppInstallRepo(h.services.store.db).get(x.tenantId))!;
    expect([install.setup_step, install.lifecycle]).toEqual(['done', 'active']);
    expect(h.giosg.chats.length).toBe(chatsBefore);
    expect(x.said()).toHaveLength(saidBefore);
    const state = await h.services.store.db.selectFrom('channel_state').selectAll().where('tenant_id', '=', x.tenantId).executeTakeFirstOrThrow();
    expect(state.paused).toBe(0);
  });

  it('uninstalled in the middle of setup: a later message in the setup chat changes nothing', async () => {
    const x = await installed();
    await x.ask(TENANT.wabaId);
    const before = x.said().length;
    expect((await h.giosg.app.uninstall(x.org.orgId)).status).toBe(200);
    // giosg revoked the bot's token: the message is taken, nothing of it is carried out.
    await h.giosg.app.adminSays(x.org.orgId, { chatId: x.chat.id, text: TENANT.phoneNumberId });
    await h.bot.inbox.idle();
    h.services.tenants.invalidate(x.tenantId);
    expect((await h.services.tenants.get(x.tenantId))!.phoneNumberId).toBe('');
    expect((await new AppInstallRepo(h.services.store.db).get(x.tenantId))!.setup_step).toBe('phone');
    expect(x.said()).toHaveLength(before);
  });
});

describe('setup dialog in Finnish and Swedish (sqlite)', () => {
  it.each(['fi', 'sv'] as const)('%s: the questions, a refused id and the secret link in the tenant\'s language; status still answers', async (locale) => {
    const { translator } = await import('../../src/i18n');
    const t = translator(locale);
    const h = await startAppHarness({ config: { defaultLocale: locale } });
    try {
      const { org } = await h.giosg.app.installForNewOrg();
      const chat = await waitFor(() => h.giosg.chats.find((c) => c.invitedUsers?.includes(org.installerUserId)), 'setup chat');
      const said = () => h.giosg.chatMessages.filter((m) => m.chatId === chat.id).map((m) => m.message);
      await waitFor(() => said().length > 0 || undefined, 'welcome');
      expect(said()[0]).toBe(`${t('setup:welcome')}\n\n${t('setup:ask_waba')}`);
      const ask = async (words: string) => {
        const before = said().length;
        await h.giosg.app.adminSays(org.orgId, { chatId: chat.id, text: words, language: locale });
        await h.bot.inbox.idle();
        return waitFor(() => (said().length > before ? said().slice(before) : null), `reply to ${words}`);
      };
      expect(await ask('abc')).toEqual([t('setup:not_an_id')]);
      expect((await ask(t('bot:words.status').split(',')[0].trim()))[0]).toContain(t('bot:status.title', { number: '' }).trim().split(' ')[0]);
      expect(await ask(TENANT.wabaId)).toEqual([t('setup:ask_phone')]);
      expect(await ask(TENANT.phoneNumberId)).toEqual([t('setup:ask_app_id')]);
      const [link] = await ask(TENANT.metaAppId);
      expect(link).toContain(t('setup:secret_link', { url: '', expiry: '' }).split('(')[0].trim());
      const path = new URL(/https?:\/\/\S+\/t\/\S+/.exec(link)![0]).pathname;
      const page = await (await fetch(`${h.url}${path}`)).text();
      expect(page).toContain(t('links:secret.label'));
      expect(page).toContain(`lang="${locale}"`);
    } finally {
      await h.stop();
    }
  });
});
