// A real browser on the link: open, paste, submit, see "done". Also proves the page
// renders under the strict CSP (stylesheet applied, no console CSP violations).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startHarness, makeToken, TENANT, type Harness } from '../../testkit/harness';
import { issueLink } from '../../testkit/link-client';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`SKIPPED browser test: ${CHROMIUM} not found (apt-get install -y chromium)`);
}
const maybe = haveChromium ? describe : describe.skip;

maybe('one-time link in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => browser?.close());
  afterEach(async () => h && (await h.stop()));

  test('open the link on a phone, paste a token, submit, see the success page', async () => {
    h = await startHarness();
    const token = makeToken();
    h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', targetIds: [TENANT.wabaId], expiresAt: 0 });
    const link = await issueLink(h);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-GB' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));

    const res = await page.goto(link.url);
    expect(res!.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Paste the new WhatsApp token');
    // The stylesheet loaded under the CSP: the button has its accent colour.
    const bg = await page.getByRole('button').evaluate((b) => (globalThis as any).getComputedStyle(b).backgroundColor);
    expect(bg).not.toBe('rgba(0, 0, 0, 0)');
    await page.getByLabel('WhatsApp access token').fill(token);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Check and save the token' }).click()]);

    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Done: the new token is live');
    const body = await page.textContent('body');
    expect(body).toContain('Acme Oy');
    expect(body).toContain('+358 40 1234567');
    expect(await page.content()).not.toContain(token);
    expect(page.url()).toBe(link.url); // no redirect carrying anything
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'link-success-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(token);

    // Back and resubmit: the link is spent.
    await page.goto(link.url);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('This link can no longer be used');
    await context.close();
  });
});
