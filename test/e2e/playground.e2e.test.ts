// The README's 2-minute walkthrough, done by a person's browser in the real sandbox:
// customer message → giosg, agent reply → phone, Meta expires the token, the next reply
// is held, the bot alerts the admin team, the admin renews through the dialog and the
// one-time link (new tab), and the held reply reaches the phone. Each step is asserted on
// screen; screenshots of the key steps go to test/artifacts/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../src/sandbox/boot';
import { DEMO } from '../../src/sandbox/demo-tenant';
import { createLogger } from '../../src/log';
import { i18n, translator } from '../../src/i18n';
import { LogCapture, tempDatabase, testConfig, type TempDb } from '../../testkit/harness';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`SKIPPED playground walkthrough: ${CHROMIUM} not found (apt-get install -y chromium)`);
}
const maybe = haveChromium ? describe : describe.skip;

const t = translator('en');
/** The fixed text of a template before its first {{variable}}: what the screen must show. */
const lead = (key: string): string => String(i18n().getResource('en', key.split(':')[0], key.split(':')[1])).split('{{')[0].trim();

// Generous: the bot, the sender and the page each poll about twice a second.
const STEP_MS = 20_000;

/** Names the walkthrough step in the failure, so a missing feature is easy to spot. */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as Error;
    e.message = `walkthrough step "${name}" failed: ${e.message}`;
    throw e;
  }
}

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

maybe('playground walkthrough in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let sb: Sandbox;
  let db: TempDb;
  let dir: string;
  const logs = new LogCapture();
  const problems: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-e2e-'));
    db = await tempDatabase('sqlite');
    sb = await startSandbox(testConfig({ sandbox: true, encryptionKeys: [], databaseUrl: db.url, port: 0, tenantId: 'demo', logLevel: 'debug' }), {
      dataDir: dir,
      logger: createLogger('debug', logs),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'en-GB' });
    // Every page, including the link opened in a new tab: CSP violations and script errors are failures.
    context.on('page', (p) => {
      p.on('console', (m) => m.type() === 'error' && problems.push(`${p.url()}: ${m.text()}`));
      p.on('pageerror', (e) => problems.push(`${p.url()}: ${e.message}`));
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await sb?.stop();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('customer → giosg, agent → phone, token expires, bot alerts, admin renews, held reply delivered', async () => {
    const page = await context.newPage();
    const admin = page.locator('#admin-messages');
    const phone = page.locator('#phone-messages');
    const inbox = page.locator('#umi-messages');
    const channel = page.locator('#channel-status');
    const customerText = 'Hi! Is my order 1234 on its way?';
    const firstReply = 'Yes – it ships today.';
    const heldReply = 'Your tracking code is ABC123.';

    await step('open the playground', async () => {
      const res = await page.goto(`${sb.url}/playground`);
      expect(res!.status()).toBe(200);
      await expect(page.locator('#sandbox-banner').textContent()).resolves.toContain(t('common:sandbox_banner'));
      await page.locator('body[data-ready="true"]').waitFor({ timeout: STEP_MS });
      await expect(page.locator('#phone-business').textContent()).resolves.toBe(DEMO.verifiedName);
      await channel.filter({ hasText: t('sandbox:channel_ok') }).waitFor({ timeout: STEP_MS });
    });

    await step('the customer writes on WhatsApp and the message reaches giosg', async () => {
      await page.locator('#phone-text').fill(customerText);
      await page.locator('#phone-form button[type=submit]').click();
      await phone.locator('.from-customer', { hasText: customerText }).waitFor({ timeout: STEP_MS });
      await inbox.locator('li', { hasText: customerText }).waitFor({ timeout: STEP_MS });
      await shot(page, 'playground-1-customer-message.png');
    });

    await step("the agent's reply appears on the customer's phone", async () => {
      await page.locator('#agent-text').fill(firstReply);
      await page.locator('#agent-form button[type=submit]').click();
      await phone.locator('.to-customer', { hasText: firstReply }).waitFor({ timeout: STEP_MS });
    });

    await step('the customer sees blue ticks on their message; the agent sees that the reply was read', async () => {
      // The reply marked the customer's message read (with typing) just before it went out.
      await phone.locator('.from-customer[data-read="true"]', { hasText: customerText }).waitFor({ timeout: STEP_MS });
      // The open phone read the reply; the bot says so in the customer's giosg chat.
      await page.locator('#agent-notes li', { hasText: firstReply }).filter({ hasText: '✓✓' }).waitFor({ timeout: STEP_MS });
    });

    await step('Meta expires the token', async () => {
      await page.locator('#expire-token').click();
      await page.locator('#token-list li[data-status="expired"]').first().waitFor({ timeout: STEP_MS });
      expect(await page.locator('#token-list li[data-status="ok"]').count()).toBe(0);
    });

    await step("the next agent reply is held, not on the phone", async () => {
      await page.locator('#agent-text').fill(heldReply);
      await page.locator('#agent-form button[type=submit]').click();
      await page.locator('#channel-status[data-paused="true"]').waitFor({ timeout: STEP_MS });
      await expect(channel.getAttribute('data-queued')).resolves.not.toBe('0');
      // The channel says it holds the reply; at that moment the phone does not have it.
      expect(await phone.locator('.to-customer', { hasText: heldReply }).count()).toBe(0);
    });

    const renew = admin.locator('button.action[data-value="renew"]');
    await step('the bot alerts the admin team in a new chat, with a Renew button', async () => {
      const alertTab = page.locator('#chat-tabs .chat-tab', { hasText: t('sandbox:chat_alert_team', { team: DEMO.giosgAdminTeamId }) });
      await alertTab.waitFor({ timeout: STEP_MS });
      await expect(alertTab.getAttribute('aria-selected')).resolves.toBe('true');
      await renew.first().waitFor({ timeout: STEP_MS });
      await expect(renew.first().textContent()).resolves.toBe(t('bot:buttons.renew'));
      await shot(page, 'playground-2-bot-alert.png');
    });

    let link: Locator;
    await step('the admin goes through the renewal dialog and gets a one-time link', async () => {
      await renew.first().click();
      const haveToken = admin.locator('button.action[data-value="have_token"]');
      await haveToken.first().waitFor({ timeout: STEP_MS });
      await expect(haveToken.first().textContent()).resolves.toBe(t('bot:buttons.have_token'));
      await haveToken.first().click();
      link = admin.locator(`a.msg-link[href^="${sb.url}/t/"]`).last();
      await link.waitFor({ timeout: STEP_MS });
      await expect(link.getAttribute('target')).resolves.toBe('_blank');
      await expect(link.getAttribute('rel')).resolves.toContain('noopener');
      await shot(page, 'playground-3-link.png');
    });

    let token = '';
    await step('"Business Suite" mints a new token to copy', async () => {
      await page.locator('#mint-token').click();
      await page.locator('#minted:not([hidden])').waitFor({ timeout: STEP_MS });
      token = await page.locator('#minted-token').inputValue();
      expect(token).toMatch(/^EAAG[\w-]{100,}$/);
      await page.locator('#copy-token').click();
      await page.locator('#copy-done:not([hidden])').waitFor({ timeout: STEP_MS });
    });

    await step('the link opens in a new tab; the admin pastes the token and sees success', async () => {
      const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await tab.waitForLoadState();
      await expect(tab.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t('links:heading'));
      await tab.getByLabel(t('links:label')).fill(token);
      await Promise.all([tab.waitForNavigation(), tab.getByRole('button', { name: t('links:submit') }).click()]);
      await expect(tab.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(t('links:success_heading'));
      await expect(tab.textContent('body')).resolves.toContain(DEMO.verifiedName);
      expect(await tab.content()).not.toContain(token);
      await shot(tab, 'playground-4-link-success.png');
      await tab.close();
    });

    await step('back in the playground: the held reply reaches the phone and the bot confirms', async () => {
      await page.bringToFront();
      await phone.locator('.to-customer', { hasText: heldReply }).waitFor({ timeout: STEP_MS });
      await channel.filter({ hasText: t('sandbox:channel_ok') }).waitFor({ timeout: STEP_MS });
      await admin.locator('.from-bot', { hasText: lead('bot:swap.confirmed') }).first().waitFor({ timeout: STEP_MS });
      await page.locator('#token-list li[data-status="ok"]').first().waitFor({ timeout: STEP_MS });
      await shot(page, 'playground.png');
    });

    // Order held: the held reply came after the first one, on the phone as on the wire.
    const order = sb.graph.sent.map((m) => m.body).filter((b) => b === firstReply || b === heldReply);
    expect(order).toEqual([firstReply, heldReply]);
    expect((await sb.services.vault.current('demo'))!.token).toBe(token);
    expect(logs.text()).not.toContain(token);
    expect(problems).toEqual([]);
  }, 240_000);

  test('the page speaks Finnish with ?lang=fi, script-filled parts included', async () => {
    const fi = translator('fi');
    const page = await context.newPage();
    await page.goto(`${sb.url}/playground?lang=fi`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: STEP_MS });
    await expect(page.locator('#sandbox-banner').textContent()).resolves.toContain(fi('common:sandbox_banner'));
    await page.locator('#chat-tabs .chat-tab', { hasText: fi('sandbox:chat_bot') }).waitFor({ timeout: STEP_MS });
    await page.locator('#channel-status', { hasText: fi('sandbox:channel_ok') }).waitFor({ timeout: STEP_MS });
    await page.locator('#meta-mode', { hasText: fi('sandbox:meta_mode_now', { mode: fi('sandbox:mode_ok') }) }).waitFor({ timeout: STEP_MS });
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);

  test('"install the app for a new organization": the selector shows two tenants and the new setup chat', async () => {
    const page = await context.newPage();
    await page.goto(`${sb.url}/playground`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: STEP_MS });
    await page.locator('#install-app').click();
    await page.locator('#chat-tabs .chat-tab', { hasText: t('sandbox:chat_setup') }).waitFor({ timeout: STEP_MS });
    await page.locator('#admin-messages .from-bot', { hasText: lead('setup:welcome') }).waitFor({ timeout: STEP_MS });
    await expect(page.locator('#tenant-select option').count()).resolves.toBe(2);
    await expect(page.locator('#setup-waba').textContent()).resolves.toBe(DEMO.wabaId);
    // The admin answers the first question in the new organization's chat.
    await page.locator('#admin-text').fill(DEMO.wabaId);
    await page.locator('#admin-form button[type="submit"]').click();
    await page.locator('#admin-messages .from-bot', { hasText: lead('setup:ask_phone') }).waitFor({ timeout: STEP_MS });
    // Back to the demo tenant: its own chat, not the setup one.
    await page.locator('#tenant-select').selectOption('');
    await page.locator('#chat-tabs .chat-tab', { hasText: t('sandbox:chat_bot') }).waitFor({ timeout: STEP_MS });
    await expect(page.locator('#chat-tabs .chat-tab', { hasText: t('sandbox:chat_setup') }).count()).resolves.toBe(0);
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
