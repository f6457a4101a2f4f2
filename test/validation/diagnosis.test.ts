// Every diagnosis of the validation pipeline, against the Graph simulator over real HTTP:
// the typed verdict from s.validation, then the same token through the link form.
import { startHarness, makeToken, TENANT, type Harness } from '../../testkit/harness';
import { describeDiagnosis, describeWarning } from '../../src/vault/validation-messages';
import type { DiagnosisCode, ValidationResult } from '../../src/vault/validation-types';
import { issueLink, openAndSubmit, text } from '../../testkit/link-client';

const BOTH = ['whatsapp_business_management', 'whatsapp_business_messaging'];
type Spec = Parameters<Harness['graph']['addToken']>[0];

function craft(h: Harness, over: Partial<Spec> = {}): string {
  const token = makeToken();
  h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: BOTH, targetIds: [TENANT.wabaId], expiresAt: 0, ...over });
  return token;
}

interface Case {
  name: string;
  token: (h: Harness) => string;
  code: DiagnosisCode;
  step: number | null;
  params?: Record<string, unknown>;
  status: number;
  says: string;
  setup?: (h: Harness) => Promise<void> | void;
}

const cases: Case[] = [
  { name: 'empty', token: () => '   ', code: 'empty', step: 5, status: 422, says: 'Nothing was pasted' },
  { name: 'whitespace inside', token: () => `EAAG${'a'.repeat(40)} ${'b'.repeat(40)}`, code: 'whitespace', step: 5, status: 422, says: 'spaces or line breaks' },
  { name: 'characters no token has', token: () => `EAAG${'a'.repeat(40)}ä`, code: 'bad_characters', step: 5, status: 422, says: 'characters that never appear' },
  { name: 'too short', token: () => 'EAAGabc', code: 'too_short', step: 5, params: { length: 7 }, status: 422, says: 'too short to be a whole token (7 characters)' },
  { name: 'unknown to Meta', token: () => makeToken(), code: 'invalid', step: 4, status: 422, says: 'Meta says this token is not valid' },
  { name: 'revoked', token: (h) => craft(h, { valid: false }), code: 'invalid', step: 4, status: 422, says: 'Meta says this token is not valid' },
  {
    name: 'expired',
    token: (h) => {
      const t = craft(h, { expiresAt: Math.floor(Date.now() / 1000) + 3600 });
      h.graph.expireToken(t);
      return t;
    },
    code: 'expired',
    step: 4,
    status: 422,
    says: 'This token has expired',
  },
  { name: 'another app', token: (h) => craft(h, { appId: '999888777' }), code: 'wrong_app', step: 4, params: { app: 'Acme WhatsApp' }, status: 422, says: 'choose the app “Acme WhatsApp”' },
  { name: 'missing messaging scope', token: (h) => craft(h, { scopes: ['whatsapp_business_management'] }), code: 'missing_scope', step: 4, params: { scope: 'whatsapp_business_messaging' }, status: 422, says: 'lacks the permission whatsapp_business_messaging' },
  { name: 'missing management scope', token: (h) => craft(h, { scopes: ['whatsapp_business_messaging', 'business_management'] }), code: 'missing_scope', step: 4, params: { scope: 'whatsapp_business_management' }, status: 422, says: 'lacks the permission whatsapp_business_management' },
  { name: 'missing both scopes', token: (h) => craft(h, { scopes: ['business_management'] }), code: 'missing_scope', step: 4, params: { scope: 'whatsapp_business_management, whatsapp_business_messaging' }, status: 422, says: 'whatsapp_business_management, whatsapp_business_messaging' },
  { name: 'granular scope for another WABA', token: (h) => craft(h, { targetIds: ['123123123'] }), code: 'wrong_waba', step: 3, params: { waba: TENANT.wabaId }, status: 422, says: `does not include this one (${TENANT.wabaId})` },
  { name: 'system user without the WhatsApp account', token: (h) => craft(h, { phoneAccess: ['another-phone'] }), code: 'no_asset_access', step: 3, status: 422, says: 'no access to this WhatsApp account. Go back to step 3, Assign assets' },
  { name: 'Meta down', token: (h) => craft(h), setup: (h) => h.graph.setMode('down'), code: 'meta_unreachable', step: null, status: 503, says: 'could not reach Meta' },
  { name: 'Meta 5xx', token: (h) => craft(h), setup: (h) => h.graph.setMode('5xx'), code: 'meta_unreachable', step: null, status: 503, says: 'could not reach Meta' },
  {
    name: 'our app credentials rejected',
    token: (h) => craft(h),
    setup: async (h) => void (await h.services.tenants.update(TENANT.id, { metaAppSecret: 'not-the-app-secret' })),
    code: 'app_credentials_rejected',
    step: null,
    status: 503,
    says: 'not a problem with your token',
  },
];

describe('validation diagnoses', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());
  afterEach(async () => {
    h.graph.setMode('ok');
    await h.services.tenants.update(TENANT.id, { metaAppSecret: TENANT.metaAppSecret });
  });

  test.each(cases)('$name → $code', async (c) => {
    const token = c.token(h);
    await c.setup?.(h);
    const verdict = await h.services.validation.validate(TENANT.id, token);
    expect(verdict.ok).toBe(false);
    const bad = verdict as Extract<ValidationResult, { ok: false }>;
    expect(bad.diagnosis.code).toBe(c.code);
    expect(bad.diagnosis.step).toBe(c.step);
    if (c.params) expect(bad.diagnosis.params).toMatchObject(c.params);
    expect(bad.retryable).toBe(c.status === 503);
    // Every message names the guide step, in all three languages.
    for (const lng of ['en', 'fi', 'sv']) {
      const msg = describeDiagnosis(bad.diagnosis, lng);
      expect(msg).not.toMatch(/\{\{|diagnosis\./);
      if (c.step !== null) expect(msg).toContain(String(c.step));
    }

    const link = await issueLink(h);
    const page = await openAndSubmit(h, link.path, token);
    expect(page.status).toBe(c.status);
    expect(text(page.html)).toContain(c.says);
    expect(page.html).toMatch(/name="token" type="password"/); // link kept, form offered again
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(h.token);
  });

  test('a user token is accepted with a warning pointing at system users', async () => {
    const token = craft(h, { type: 'USER' });
    const verdict = await h.services.validation.validate(TENANT.id, token);
    expect(verdict).toMatchObject({ ok: true, facts: { tokenType: 'USER', expiresAt: null }, warnings: [{ code: 'user_token', step: 3 }] });
    const link = await issueLink(h);
    const page = await openAndSubmit(h, link.path, token);
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain('personal user token');
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(token);
    await restore(h);
  });

  test('an expiring token is accepted with a warning that shows the date and the "Never" step', async () => {
    const expiresAt = Date.UTC(2031, 1, 3, 10, 30) / 1000;
    const token = craft(h, { expiresAt });
    const verdict = await h.services.validation.validate(TENANT.id, token);
    expect(verdict).toMatchObject({ ok: true, facts: { expiresAt: expiresAt * 1000 }, warnings: [{ code: 'expires', step: 4 }] });
    const w = (verdict as any).warnings[0];
    expect(describeWarning(w, 'en')).toContain('3 February 2031 at 10:30 UTC');
    expect(describeWarning(w, 'fi')).toContain('3. helmikuuta 2031');
    expect(describeWarning(w, 'sv')).toContain('3 februari 2031');
    const link = await issueLink(h, 'en');
    const page = await openAndSubmit(h, link.path, token);
    expect(page.status).toBe(200);
    const words = text(page.html);
    expect(words).toContain('This token expires on 3 February 2031');
    expect(words).toContain('“Never” (guide step 4)');
    expect(words).toMatch(/Token expires\s+3 February 2031/);
    const cur = await h.services.vault.current(TENANT.id);
    expect(cur!.expiresAt).toBe(expiresAt * 1000);
    await restore(h);
  });

  test('a good token passes with the phone facts from the probe, and the probe carried appsecret_proof', async () => {
    const token = craft(h);
    const verdict = await h.services.validation.validate(TENANT.id, token);
    expect(verdict).toEqual({ ok: true, facts: { tokenType: 'SYSTEM_USER', expiresAt: null, scopes: BOTH, verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567' }, warnings: [] });
    // The simulator requires appsecret_proof; passing the probe proves it was sent.
    expect(h.graph.requests.some((r) => r.path === `/v25.0/${TENANT.phoneNumberId}`)).toBe(true);
  });

  test('unknown tenant → a diagnosis, no Meta call', async () => {
    const before = h.graph.requests.length;
    const verdict = await h.services.validation.validate('nope', craft(h));
    expect(verdict).toMatchObject({ ok: false, diagnosis: { code: 'unknown_tenant' } });
    expect(h.graph.requests.length).toBe(before);
  });
});

/** Put the harness token back as current so later cases compare against it. */
async function restore(h: Harness) {
  const id = await h.services.vault.addPending(TENANT.id, h.token, 'test', 'test');
  await h.services.vault.markValidated(TENANT.id, id, { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: 'Acme Oy', displayPhoneNumber: '+358 40 1234567' }, 'test');
  const cur = await h.services.vault.current(TENANT.id);
  const r = await h.services.vault.promote(TENANT.id, id, cur!.versionId, 'test');
  if (!r.ok) throw new Error(r.reason);
}
