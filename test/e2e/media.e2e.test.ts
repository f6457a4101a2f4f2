// A picture both ways, in a person's browser in the real sandbox: the customer sends a
// photo with a caption from the phone pane and the agent sees it in the giosg inbox; the
// agent attaches a picture to a reply and it shows on the customer's phone. Files travel
// the whole way (Graph simulator → our relay → giosg uploads, and back through Meta's
// media upload); the page shows them under its strict CSP (images as data: URLs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../src/sandbox/boot';
import { DEMO } from '../../src/sandbox/demo-tenant';
import { createLogger } from '../../src/log';
import { translator } from '../../src/i18n';
import { samplePng } from '../../src/sandbox/sample-files';
import { LogCapture, tempDatabase, testConfig, type TempDb } from '../../testkit/harness';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED media walkthrough: ${CHROMIUM} not found (apt-get install -y chromium)`);
const maybe = haveChromium ? describe : describe.skip;
const t = translator('en');
const STEP_MS = 20_000;
/** The parts of a browser's HTMLImageElement we read (the test build has no DOM types). */
interface DecodedImage {
  complete: boolean;
  naturalWidth: number;
}

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as Error;
    e.message = `media walkthrough step "${name}" failed: ${e.message}`;
    throw e;
  }
}

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

maybe('playground: a picture both ways, in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let sb: Sandbox;
  let db: TempDb;
  let dir: string;
  const logs = new LogCapture();
  const problems: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-media-e2e-'));
    db = await tempDatabase('sqlite');
    sb = await startSandbox(testConfig({ sandbox: true, encryptionKeys: [], databaseUrl: db.url, port: 0, tenantId: 'demo', logLevel: 'debug', mediaSpoolDir: path.join(dir, 'spool') }), {
      dataDir: dir,
      logger: createLogger('debug', logs),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'en-GB' });
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

  test('customer photo → giosg inbox; agent picture → customer phone', async () => {
    const page = await context.newPage();
    const phone = page.locator('#phone-messages');
    const inbox = page.locator('#umi-messages');
    const caption = 'The zipper is broken, see photo';
    const replyCaption = 'Here is the replacement part';

    await step('open the playground', async () => {
      expect((await page.goto(`${sb.url}/playground`))!.status()).toBe(200);
      await page.locator('body[data-ready="true"]').waitFor({ timeout: STEP_MS });
      await expect(page.locator('#phone-send-picture').textContent()).resolves.toBe(t('media:pg_send_picture'));
      await expect(page.locator('#phone-send-document').textContent()).resolves.toBe(t('media:pg_send_document'));
    });

    await step('the customer sends a picture with a caption; the agent sees the picture in giosg', async () => {
      await page.locator('#phone-text').fill(caption);
      await page.locator('#phone-send-picture').click();
      await phone.locator('.from-customer', { hasText: caption }).waitFor({ timeout: STEP_MS });
      const item = inbox.locator('li', { hasText: caption });
      await item.waitFor({ timeout: STEP_MS });
      const img = item.locator('img.file-image');
      await img.waitFor({ timeout: STEP_MS });
      // A real picture, decoded by the browser (the sample PNG is 240 × 160).
      await expect(img.evaluate((i) => (i as unknown as DecodedImage).complete && (i as unknown as DecodedImage).naturalWidth)).resolves.toBe(240);
      await expect(img.getAttribute('alt')).resolves.toBe(t('media:pg_attachment_alt'));
      await shot(page, 'playground-media-1-customer-picture.png');
    });

    await step('the customer sends a document; the agent gets it as a file with its name', async () => {
      await page.locator('#phone-send-document').click();
      await inbox.locator('.file[data-file="order-confirmation.pdf"] a.file-chip[download]').waitFor({ timeout: STEP_MS });
    });

    await step('the agent attaches a picture to a reply; it shows on the customer’s phone', async () => {
      await page.locator('#agent-text').fill(replyCaption);
      await page.locator('#agent-file').setInputFiles({ name: 'replacement-part.png', mimeType: 'image/png', buffer: samplePng(120, 90) });
      await page.locator('#agent-form button[type=submit]').click();
      const msg = phone.locator('.to-customer', { hasText: replyCaption });
      await msg.waitFor({ timeout: STEP_MS });
      const img = msg.locator('img.file-image');
      await img.waitFor({ timeout: STEP_MS });
      await expect(img.evaluate((i) => (i as unknown as DecodedImage).complete && (i as unknown as DecodedImage).naturalWidth)).resolves.toBe(120);
      await shot(page, 'playground-media-2-agent-picture.png');
    });

    // On the wire: one image message with the caption, the very bytes the agent attached.
    const sent = sb.graph.sent.filter((m) => m.media);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: '358401234567', body: replyCaption, media: { kind: 'image', filename: 'replacement-part.png' } });
    const uploaded = sb.graph.media.byId.get(sent[0].media!.mediaId!)!;
    expect(uploaded.sha256).toBe(createHash('sha256').update(samplePng(120, 90)).digest('base64'));
    const inboundPicture = sb.giosg.umiMessages.find((m) => m.text === caption)!;
    expect(inboundPicture.attachments?.[0]).toMatchObject({ content_type: 'image/png', file_size: samplePng().length });
    expect(logs.text()).not.toContain('/_media/download');
    expect(problems).toEqual([]);
    expect(DEMO.phoneNumberId).toBeTruthy();
  }, 120_000);
});
