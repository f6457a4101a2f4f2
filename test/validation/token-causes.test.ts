// Precise token diagnoses, code by code: Meta's error (from the Graph simulator over real
// HTTP) → the cause → the diagnosis on the link page and, for a live token refused at
// send time, the admins' alert naming the guide step (no Renew button when the app secret
// was reset).
import { engines, startHarness, makeToken, waitFor, TENANT, type Harness } from '../../testkit/harness';
import { tokenCause } from '../../src/meta/token-causes';
import { describeDiagnosis } from '../../src/vault/validation-messages';
import type { ValidationResult } from '../../src/vault/validation-types';
import { issueLink, openAndSubmit, text } from '../../testkit/link-client';
import { SimControlClient } from '../../src/sandbox/sim-control-client';
import { agentReply, startChannelHarness } from '../channel/channel-helpers';
import { CAUSE_EXAMPLES } from './token-cause-examples';

const BOTH = ['whatsapp_business_management', 'whatsapp_business_messaging'];
const buttons = (m: { attachments?: unknown[] }) => ((m.attachments ?? []) as Array<{ actions?: Array<{ value: string }> }>).flatMap((a) => (a.actions ?? []).map((x) => x.value));

describe('tokenCause: Meta code and subcode → cause', () => {
  test.each(CAUSE_EXAMPLES)('$name → $cause', (c) => {
    expect(tokenCause({ code: c.code, subcode: c.subcode, message: c.message })).toBe(c.cause);
  });

  test.each([
    { code: 131026, subcode: undefined, message: 'Message undeliverable' },
    { code: 100, subcode: 33, message: 'Unsupported get request.' },
    { code: 4, subcode: undefined, message: 'Application request limit reached' },
    { code: undefined, subcode: undefined, message: undefined },
  ])('$code/$subcode says nothing about the token', (e) => {
    expect(tokenCause(e)).toBeNull();
  });

  test('an unknown 190 subcode still means the token is no good', () => {
    expect(tokenCause({ code: 190, subcode: 999 })).toBe('revoked');
  });
});

describe('validation diagnoses by cause (Graph simulator)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());

  const craft = (): string => {
    const token = makeToken();
    h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', scopes: BOTH, targetIds: [TENANT.wabaId], expiresAt: 0 });
    return token;
  };

  test.each(CAUSE_EXAMPLES)('$name → $diagnosis, step $step', async (c) => {
    const token = craft();
    h.graph.failToken(token, { code: c.code, subcode: c.subcode, message: c.message });
    const verdict = await h.services.validation.validate(TENANT.id, token);
    expect(verdict.ok).toBe(false);
    const bad = verdict as Extract<ValidationResult, { ok: false }>;
    expect(bad.diagnosis).toMatchObject({ code: c.diagnosis, step: c.step });
    // Only a reset app secret leaves the admin's token blameless.
    expect(bad.retryable).toBe(c.cause === 'app_secret_changed');
    for (const lng of ['en', 'fi', 'sv']) {
      const msg = describeDiagnosis(bad.diagnosis, lng);
      expect(msg).not.toMatch(/\{\{|diagnosis\./);
      if (c.step !== null) expect(msg).toContain(String(c.step));
    }
    expect(describeDiagnosis(bad.diagnosis, 'fi')).not.toBe(describeDiagnosis(bad.diagnosis, 'en'));
    expect(describeDiagnosis(bad.diagnosis, 'sv')).not.toBe(describeDiagnosis(bad.diagnosis, 'en'));

    const link = await issueLink(h);
    const page = await openAndSubmit(h, link.path, token);
    expect(page.status).toBe(c.cause === 'app_secret_changed' ? 503 : 422);
    expect(text(page.html)).toContain(c.says);
    expect(page.html).not.toContain(token);
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(h.token);
  });

  test('the control API fails a token with any code and subcode, and heals it', async () => {
    const token = craft();
    const control = new SimControlClient(h.graph.url);
    const fp = (await control.get('/state')).body as { tokens: Array<{ fingerprint: string }> };
    const mine = fp.tokens[fp.tokens.length - 1].fingerprint;
    expect(await control.post('/tokens/fail', { fingerprint: mine, code: 190, subcode: 460 })).toMatchObject({ status: 200, body: { failing: [mine], code: 190, subcode: 460 } });
    const failed = await h.services.validation.validate(TENANT.id, token);
    expect(failed).toMatchObject({ ok: false, diagnosis: { code: 'password_changed' } });
    const st = (await control.get('/state')).body as { tokens: Array<{ fingerprint: string; failure: unknown }> };
    expect(st.tokens.find((t) => t.fingerprint === mine)!.failure).toEqual({ code: 190, subcode: 460 });
    expect(await control.post('/tokens/fail', { fingerprint: mine, code: -1 })).toMatchObject({ status: 400, body: { error: expect.stringContaining('code') } });
    expect(await control.post('/tokens/fail', { code: 190 })).toMatchObject({ status: 400 });
    expect(await control.post('/tokens/heal', { fingerprint: mine })).toMatchObject({ status: 200, body: { healed: [mine] } });
    expect(await h.services.validation.validate(TENANT.id, token)).toMatchObject({ ok: true });
  });
});

describe.each(engines)('send-time token causes reach the admins (%s)', (engine) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startChannelHarness({ engine });
  });
  afterEach(async () => h.stop());

  test.each(CAUSE_EXAMPLES.filter((c) => ['190/460 password changed', '190/492 not admin of the asset', '200 no access to the WABA', 'wrong appsecret_proof'].includes(c.name)))(
    '$name: the incident keeps the cause and the alert names its fix',
    async (c) => {
      h.graph.failToken(h.token, { code: c.code, subcode: c.subcode, message: c.message });
      await agentReply(h, '358401234567', 'hello');
      await waitFor(async () => (await h.channel.status(TENANT.id)).paused, 'paused');
      const [inc] = await h.services.store.db.selectFrom('incidents').selectAll().execute();
      expect(inc).toMatchObject({ token_cause: c.cause, fixable_by_token: c.cause === 'app_secret_changed' ? 0 : 1 });
      // The scheduled token check may warn too; the incident's alert is the one "on hold".
      const alert = await waitFor(() => h.giosg.chatMessages.find((m) => m.message.includes('on hold since')), 'incident alert');
      expect(alert.message).toContain(c.alertSays);
      expect(buttons(alert)).toEqual(c.cause === 'app_secret_changed' ? ['status'] : ['renew', 'status']);
      expect(h.graph.sent).toHaveLength(0);
      expect(h.logs.text()).not.toContain(h.token);
      // Meta accepts the token again (secret updated, access granted): the held reply goes out.
      h.graph.failToken(h.token, null);
      await waitFor(() => h.graph.sent.length === 1, 'held reply sent after the fix');
    },
  );
});
