// One-time link over real HTTP: the form, CSRF, attempts, burning, expiry, success.
import fs from 'node:fs';
import { ManualClock } from '../../src/clock';
import { hashLinkId } from '../../src/links/link-id';
import { startHarness, makeToken, TENANT, type Harness } from '../../testkit/harness';
import { issueLink, open, submit, openAndSubmit, text } from '../../testkit/link-client';

const SCOPES = ['whatsapp_business_management', 'whatsapp_business_messaging'];

function goodToken(h: Harness): string {
  const token = makeToken();
  h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: SCOPES, targetIds: [TENANT.wabaId], expiresAt: 0 });
  return token;
}

async function linkRow(h: Harness, id: string) {
  return h.services.store.db.selectFrom('links').selectAll().where('id_hash', '=', hashLinkId(id)).executeTakeFirstOrThrow();
}

describe('one-time link', () => {
  let h: Harness;
  afterEach(async () => h && (await h.stop()));

  test('issue stores only the hash; GET renders the form with strict headers and never consumes', async () => {
    h = await startHarness();
    const link = await issueLink(h);
    expect(link.url).toMatch(new RegExp(`^${h.url}/t/[A-Za-z0-9_-]{43}$`));
    const row = await linkRow(h, link.id);
    expect(row.state).toBe('open');
    expect(row.expires_at - row.created_at).toBe(15 * 60_000);
    const all = await h.services.store.db.selectFrom('links').selectAll().execute();
    expect(JSON.stringify(all)).not.toContain(link.id);

    // Chat apps and scanners prefetch: any number of GETs leaves the link usable.
    for (let i = 0; i < 3; i++) {
      const page = await open(h, link.path);
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.html).not.toMatch(/<script|style=/i);
      expect(page.html).toMatch(/<input id="token" name="token" type="password"/);
      expect(page.html).toMatch(/<button type="submit">/);
      expect(page.csrf).toBeTruthy();
      expect(page.cookie).toMatch(/wa-link-csrf=/);
      expect(text(page.html)).toContain('5 attempts left');
    }
    expect((await linkRow(h, link.id)).state).toBe('open');

    const css = await fetch(`${h.url}/t-static/link.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);

    const done = await openAndSubmit(h, link.path, goodToken(h));
    expect(done.status).toBe(200);
  });

  test('the page speaks the language the link was issued in', async () => {
    h = await startHarness();
    const fi = await issueLink(h, 'fi');
    const page = await open(h, fi.path);
    expect(page.html).toContain('<html lang="fi">');
    expect(text(page.html)).toContain('Liitä uusi WhatsApp-tunnus');
    const rejected = await submit(h, fi.path, 'short', page);
    expect(rejected.status).toBe(422);
    expect(text(rejected.html)).toContain('ohjeen vaihe 5');
    const sv = await issueLink(h, 'sv');
    expect(text((await open(h, sv.path)).html)).toContain('Klistra in den nya WhatsApp-token');
  });

  test('a good token: success page, vault swapped, token.swapped for the bot, audit with link, metrics', async () => {
    h = await startHarness();
    const swapped: any[] = [];
    const changed: any[] = [];
    h.services.events.on('token.swapped', (e) => void swapped.push(e));
    h.services.events.on('token.changed', (e) => void changed.push(e));
    const before = await h.services.vault.current(TENANT.id);
    const link = await issueLink(h, 'en', 'admin-7', 'chat-42');
    const token = goodToken(h);

    const form = await open(h, link.path);
    const page = await submit(h, link.path, `  ${token}\n`, form); // pasted with stray whitespace
    expect(page.status).toBe(200);
    const words = text(page.html);
    expect(words).toContain('Done: the new token is live');
    expect(words).toContain('Acme Oy');
    expect(words).toContain('+358 40 1234567');
    expect(words).toMatch(/Token expires\s+Never/);
    expect(page.html).not.toContain(token);

    const cur = await h.services.vault.current(TENANT.id);
    expect(cur!.token).toBe(token);
    expect(cur!.versionId).not.toBe(before!.versionId);
    expect(cur!.verifiedName).toBe('Acme Oy');
    const row = await linkRow(h, link.id);
    expect(row.state).toBe('consumed');
    expect(Number(row.token_version_id)).toBe(cur!.versionId);

    expect(swapped).toEqual([
      { tenantId: TENANT.id, versionId: cur!.versionId, actor: 'admin:admin-7', chatId: 'chat-42', locale: 'en', verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567', expiresAt: null },
    ]);
    expect(changed.some((e) => e.versionId === cur!.versionId)).toBe(true);

    const audit = await h.services.vault.audit(TENANT.id);
    const promoted = audit.find((a) => a.action === 'token.promoted' && Number(a.version_id) === cur!.versionId)!;
    expect(promoted.actor).toBe('admin:admin-7');
    expect(JSON.parse(promoted.detail!)).toMatchObject({ link: hashLinkId(link.id).slice(0, 8), replaced: before!.versionId });
    const metrics = await h.services.metrics.registry.metrics();
    expect(metrics).toMatch(/token_swaps_total\{source="link"\} 1/);
    expect(metrics).toMatch(/link_submissions_total\{outcome="accepted"\} 1/);

    // Single use: the link is gone now, for GET and POST alike.
    expect((await open(h, link.path)).status).toBe(410);
    const again = await submit(h, link.path, goodToken(h), form);
    expect(again.status).toBe(410);
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(token);
  });

  test('CSRF missing or wrong → 403, nothing changes', async () => {
    h = await startHarness();
    const link = await issueLink(h);
    const other = await issueLink(h);
    const form = await open(h, link.path);
    const otherForm = await open(h, other.path);
    const token = goodToken(h);
    const cases = [
      { name: 'no field, no cookie', form: {} },
      { name: 'cookie but no field', form: { cookie: form.cookie } },
      { name: 'field but no cookie', form: { csrf: form.csrf } },
      { name: 'tampered field', form: { cookie: form.cookie, csrf: form.csrf!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) } },
      { name: 'pair from another link', form: { cookie: otherForm.cookie, csrf: otherForm.csrf } },
    ];
    for (const c of cases) {
      const page = await submit(h, link.path, token, c.form);
      expect({ name: c.name, status: page.status }).toEqual({ name: c.name, status: 403 });
      expect(text(page.html)).toContain('The form could not be verified');
      expect(page.html).not.toContain(token);
    }
    const row = await linkRow(h, link.id);
    expect(row.state).toBe('open');
    expect(row.failed_attempts).toBe(0);
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(h.token);
    // CSRF is checked before anything else: no submission reached validation.
    const metrics = await h.services.metrics.registry.metrics();
    expect(metrics).toMatch(/link_submissions_total\{outcome="csrf"\} 5/);
    expect(h.logs.text()).not.toContain('"msg":"link submission"');
    // The real form still works afterwards.
    expect((await submit(h, link.path, token, form)).status).toBe(200);
    expect(h.logs.text()).toContain('"msg":"link submission"');
  });

  test('wrong tokens keep the link open with attempts left; the fifth burns it; an empty form does not count', async () => {
    h = await startHarness();
    const link = await issueLink(h);
    let form = await open(h, link.path);
    const empty = await submit(h, link.path, '', form);
    expect(empty.status).toBe(422);
    expect(text(empty.html)).toContain('Nothing was pasted');
    expect(text(empty.html)).toContain('5 attempts left');
    form = empty;
    for (let i = 1; i <= 4; i++) {
      const page = await submit(h, link.path, makeToken(), form); // unknown to Meta
      expect(page.status).toBe(422);
      expect(text(page.html)).toContain('Meta says this token is not valid');
      expect(text(page.html)).toContain(`${5 - i} attempt${5 - i === 1 ? '' : 's'} left`);
      expect(page.html).toMatch(/name="token" type="password"/);
      form = page;
    }
    const fifth = await submit(h, link.path, makeToken(), form);
    expect(fifth.status).toBe(410);
    expect(text(fifth.html)).toContain('fifth rejected token');
    expect(fifth.html).not.toMatch(/name="token"/);
    const row = await linkRow(h, link.id);
    expect(row.state).toBe('burnt');
    expect(row.failed_attempts).toBe(5);
    // Burnt means burnt, even for a good token.
    const late = await submit(h, link.path, goodToken(h), form);
    expect(late.status).toBe(410);
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(h.token);
    expect(await h.services.metrics.registry.metrics()).toMatch(/link_submissions_total\{outcome="burnt"\} 1/);
  });

  test('Meta unreachable: "try again", link kept, attempt not counted; works once Meta is back', async () => {
    h = await startHarness();
    const link = await issueLink(h);
    const form = await open(h, link.path);
    const token = goodToken(h);
    for (const mode of ['down', '5xx'] as const) {
      h.graph.setMode(mode);
      const page = await submit(h, link.path, token, form);
      expect(page.status).toBe(503);
      expect(text(page.html)).toContain('We could not reach Meta');
      expect(text(page.html)).toContain('5 attempts left');
    }
    const row = await linkRow(h, link.id);
    expect(row.state).toBe('open');
    expect(row.failed_attempts).toBe(0);
    h.graph.setMode('ok');
    expect((await submit(h, link.path, token, form)).status).toBe(200);
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(token);
  });

  test('expiry follows the injected clock; expired, used, burnt and unknown look the same (410)', async () => {
    const clock = new ManualClock();
    h = await startHarness({ clock });
    const link = await issueLink(h);
    const form = await open(h, link.path);
    expect(text(form.html)).toContain('expires in 15 minutes');
    clock.advance(14 * 60_000 + 59_000);
    expect((await open(h, link.path)).status).toBe(200);
    clock.advance(1_000);
    const expired = await open(h, link.path);
    const token = goodToken(h);
    const expiredPost = await submit(h, link.path, token, form);
    const unknown = await open(h, `/t/${'A'.repeat(43)}`);
    const malformed = await open(h, '/t/not-a-link');
    for (const p of [expired, expiredPost, unknown, malformed]) {
      expect(p.status).toBe(410);
      expect(text(p.html)).toContain('This link can no longer be used');
      expect(p.headers.get('cache-control')).toBe('no-store');
    }
    expect(expired.html).toBe(unknown.html);
    expect((await linkRow(h, link.id)).state).toBe('open'); // expired by time, not written
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(h.token);
    // A day after expiry the row is swept when the next link is issued.
    clock.advance(25 * 3_600_000);
    await issueLink(h);
    expect(await h.services.store.db.selectFrom('links').select('id_hash').where('id_hash', '=', hashLinkId(link.id)).executeTakeFirst()).toBeUndefined();
  });

  test('rate limit per IP answers 429 with a page', async () => {
    h = await startHarness({ config: {} });
    // A dedicated app with a tiny limit, mounted on the same services.
    const { createApp } = await import('../../src/http/app');
    const { buildLinks } = await import('../../src/links/install');
    const http = await import('node:http');
    const app = createApp(h.services, [buildLinks(h.services, { limits: { postPerWindow: 2, getPerWindow: 3 } }).routes]);
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as any).port}`;
    try {
      const link = await issueLink(h);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${base}${link.path}`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await fetch(`${base}${link.path}`);
      expect(text(await limited.text())).toContain('Too many attempts');
      expect(limited.headers.get('cache-control')).toBe('no-store');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test('oversized or malformed bodies get a page, not a stack, and change nothing', async () => {
    h = await startHarness();
    const link = await issueLink(h);
    const form = await open(h, link.path);
    const big = await fetch(`${h.url}${link.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie! },
      body: `_csrf=${encodeURIComponent(form.csrf!)}&token=${'x'.repeat(200_000)}`,
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/text\/html/);
    const dup = await fetch(`${h.url}${link.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie! },
      body: `_csrf=${encodeURIComponent(form.csrf!)}&token=a&token=b`,
    });
    expect(dup.status).toBe(400);
    expect((await linkRow(h, link.id)).failed_attempts).toBe(0);
  });

  test('the token never reaches logs, responses, or the SQLite file and its WAL', async () => {
    h = await startHarness();
    const link = await issueLink(h);
    const bad = makeToken(); // rejected by Meta
    const token = goodToken(h);
    const pages = [];
    let form = await open(h, link.path);
    pages.push(form);
    h.graph.setMode('down');
    form = await submit(h, link.path, token, form);
    pages.push(form);
    h.graph.setMode('ok');
    form = await submit(h, link.path, bad, form);
    pages.push(form);
    pages.push(await submit(h, link.path, token, form));
    expect(pages.map((p) => p.status)).toEqual([200, 503, 422, 200]);
    for (const p of pages) {
      expect(p.html).not.toContain(token);
      expect(p.html).not.toContain(bad);
      expect(JSON.stringify([...p.headers])).not.toContain(token);
    }
    const logs = h.logs.text();
    expect(logs).toContain('link submission');
    for (const secret of [token, bad, link.id]) expect(logs).not.toContain(secret);
    const file = h.db.file!;
    const bytes = Buffer.concat([fs.readFileSync(file), fs.existsSync(`${file}-wal`) ? fs.readFileSync(`${file}-wal`) : Buffer.alloc(0)]);
    expect(bytes.length).toBeGreaterThan(0);
    for (const secret of [token, bad, link.id]) expect(bytes.includes(Buffer.from(secret))).toBe(false);
    // The 12-char and longer prefixes are not there either (no partial leaks).
    expect(bytes.includes(Buffer.from(token.slice(0, 24)))).toBe(false);
  });
});
