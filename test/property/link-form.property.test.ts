// The one-time link form at the edge (POST /t/:id), over real HTTP: arbitrary link ids,
// arbitrary form fields and bodies, with and without the CSRF cookie. Never a 5xx, and
// the vault's current token never changes unless a working token was submitted.
import fc from 'fast-check';
import { startHarness, type Harness, TENANT } from '../../testkit/harness';
import { countRows } from './edge-helpers';
import { issueLink, open } from '../../testkit/link-client';

describe('link form edge (property)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ workers: false, config: { logLevel: 'warn' } });
  });
  afterAll(async () => h && (await h.stop()));

  const currentId = async () => (await h.services.vault.current(TENANT.id))?.versionId;

  test('arbitrary ids and bodies: never 5xx, nothing stored, current token unchanged', async () => {
    const before = { current: await currentId(), versions: await countRows(h.services.store.db, 'token_versions') };
    const id = fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.stringMatching(/^[A-Za-z0-9_-]{22,43}$/));
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom('token', '_csrf', 'x', 'token[]', '__proto__'), fc.string()).map((d) => new URLSearchParams(d).toString()),
      fc.string(),
      fc.string({ unit: 'binary' }),
    );
    const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x');
    await fc.assert(
      fc.asyncProperty(id, body, contentType, async (linkId, raw, type) => {
        const res = await fetch(`${h.url}/t/${encodeURIComponent(linkId)}`, { method: 'POST', body: raw, headers: { 'content-type': type }, redirect: 'manual' });
        await res.arrayBuffer();
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 80 },
    );
    expect(await currentId()).toBe(before.current);
    expect(await countRows(h.services.store.db, 'token_versions')).toBe(before.versions);
  });

  test('a real link with arbitrary tokens and CSRF fields: never 5xx, no junk token ever current', async () => {
    const link = await issueLink(h);
    const form = await open(h, link.path);
    const before = await currentId();
    await fc.assert(
      fc.asyncProperty(fc.option(fc.string({ maxLength: 300 })), fc.oneof(fc.constant(form.csrf), fc.string()), async (token, csrf) => {
        const body = new URLSearchParams();
        if (csrf !== undefined) body.set('_csrf', csrf);
        if (token !== null) body.set('token', token);
        const res = await fetch(`${h.url}${link.path}`, {
          method: 'POST',
          body: body.toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...(form.cookie ? { cookie: form.cookie } : {}) },
          redirect: 'manual',
        });
        await res.arrayBuffer();
        expect(res.status).toBeLessThan(500);
        // The simulator knows none of these tokens, so none can become current.
        expect(await currentId()).toBe(before);
      }),
      { numRuns: 40 },
    );
    expect(h.logs.text()).not.toContain(h.token);
  });
});
