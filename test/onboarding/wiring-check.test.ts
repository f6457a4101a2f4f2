// The Meta wiring check over real HTTP against the Graph simulator and our own webhook
// route, on SQLite and PostgreSQL: the WABA subscription (subscribed when missing, admins
// told), the phone number's registration and quality, the webhook handshake, and the
// bot's status showing it all.
import http from 'node:http';
import { engines, makeToken, startHarness, waitFor, type Harness } from '../../testkit/harness';
import type { WiringReport } from '../../src/onboarding/wiring-types';
import { phoneItems } from '../../src/onboarding/wiring-phone';

const codes = (r: WiringReport | null) => (r?.items ?? []).map((i) => `${i.check}:${i.code}`);

/** The service as another deployment would answer it: the same routes, another verify token. */
async function rewritingProxy(): Promise<{ url: string; target: { url: string }; close(): Promise<void> }> {
  const target = { url: '' };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.searchParams.has('hub.verify_token')) u.searchParams.set('hub.verify_token', 'another-deployments-token');
    const out = http.request(`${target.url}${u.pathname}${u.search}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, target, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe.each(engines)('Meta wiring check (%s)', (engine) => {
  let h: Harness;
  const last = () => h.composed.wiring.last('t1');
  const said = (chatId?: string) => h.giosg.chatMessages.filter((m) => chatId === undefined || m.chatId === chatId).map((m) => m.message);

  async function swapToken(): Promise<void> {
    const before = (await last())?.checkedAt ?? -1;
    const token = makeToken();
    h.graph.addToken({ token, appId: h.tenant.metaAppId, type: 'SYSTEM_USER', targetIds: [h.tenant.wabaId], expiresAt: 0 });
    expect((await h.services.vault.submit('t1', token, 'test', 'test')).ok).toBe(true);
    // The check that follows the swap replaces the stored one.
    await waitFor(async () => ((await last())?.checkedAt ?? -1) > before || undefined, 'the check after the swap');
  }

  describe('with the service at its public URL', () => {
    beforeEach(async () => {
      h = await startHarness({ engine, config: { wiringCheck: true } });
      // The seed token's promotion is a token change: its check runs first.
      await waitFor(() => last(), 'the first check');
    });
    afterEach(async () => h.stop());

    it('all ok: subscribed, registered GREEN, the handshake answered; status shows it', async () => {
      const r = (await last())!;
      expect(r.state).toBe('ok');
      expect(codes(r)).toEqual(['subscription:subscribed', 'phone:registered', 'webhook:answered']);
      // The handshake really reached our GET route, and nothing was said to anyone.
      expect(h.graph.requests.some((q) => q.method === 'GET' && q.path === `/v25.0/${h.tenant.wabaId}/subscribed_apps`)).toBe(true);
      expect(h.graph.requests.some((q) => q.method === 'POST' && q.path.endsWith('/subscribed_apps'))).toBe(false);
      expect(said()).toEqual([]);

      await h.giosg.adminSays({ chatId: 'c-status', text: 'status' });
      await h.bot.inbox.idle();
      const [status] = await waitFor(() => (said('c-status').length ? said('c-status') : null), 'status');
      expect(status).toContain('Meta wiring (checked');
      expect(status).toContain(`The app is subscribed to the WhatsApp Business Account ${h.tenant.wabaId}`);
      expect(status).toContain('The phone number +358 40 1234567 is registered (status CONNECTED, quality GREEN)');
      expect(status).toContain(`The webhook callback ${h.url}/webhooks/meta/t1 answers Meta's verification`);
      expect(status).not.toContain(h.token);
      expect(status).not.toContain(h.tenant.metaVerifyToken);
      expect(h.logs.text()).not.toContain(h.tenant.metaVerifyToken);
    });

    it('Meta refuses to subscribe the app → a diagnosis naming the system user\'s access, told', async () => {
      h.graph.unsubscribeApp(h.tenant.wabaId);
      h.graph.refuseSubscribe(true);
      await swapToken();
      const r = (await last())!;
      expect(r.state).toBe('failing');
      expect(r.items[0]).toMatchObject({ check: 'subscription', severity: 'error', code: 'subscribe_failed' });
      const told = await waitFor(() => said().find((m) => m.includes('Meta refused to subscribe it')), 'diagnosis told');
      expect(told).toContain('full control of the WhatsApp account');
      expect(told).toContain('code 200');
    });

    it('app not subscribed to the WABA: the swap check subscribes it and tells the admins', async () => {
      h.graph.unsubscribeApp(h.tenant.wabaId);
      expect(h.graph.subscribedApps(h.tenant.wabaId)).toEqual([]);
      await swapToken();
      const r = (await last())!;
      expect(codes(r)[0]).toBe('subscription:subscribed_now');
      expect(r.state).toBe('ok');
      expect(h.graph.subscribedApps(h.tenant.wabaId)).toEqual([h.tenant.metaAppId]);
      const told = await waitFor(() => said().find((m) => m.includes('was not subscribed')), 'the admins told');
      expect(told).toContain(`WhatsApp Business Account ${h.tenant.wabaId}`);
      // The next swap finds it subscribed and says nothing more.
      const before = said().length;
      await swapToken();
      expect(codes(await last())[0]).toBe('subscription:subscribed');
      expect(said()).toHaveLength(before);
    });

    it('phone not registered → a diagnosis naming the fix, told once', async () => {
      h.graph.setPhoneHealth(h.tenant.phoneNumberId, { platformType: 'NOT_APPLICABLE', status: 'PENDING' });
      await swapToken();
      const r = (await last())!;
      expect(r.state).toBe('failing');
      expect(codes(r)).toContain('phone:not_registered');
      const told = await waitFor(() => said().find((m) => m.includes('not registered for the Cloud API')), 'diagnosis told');
      expect(told).toContain('WhatsApp Manager → Phone numbers');
      const before = said().length;
      await swapToken();
      expect(said()).toHaveLength(before);
    });

    it('quality RED → a diagnosis; status shows it', async () => {
      h.graph.setPhoneHealth(h.tenant.phoneNumberId, { qualityRating: 'RED' });
      const r = (await h.composed.wiring.check('t1', 'manual'))!;
      expect(r.state).toBe('failing');
      expect(codes(r)).toContain('phone:quality_red');
      await h.giosg.adminSays({ chatId: 'c-red', text: 'status' });
      await h.bot.inbox.idle();
      const [status] = await waitFor(() => (said('c-red').length ? said('c-red') : null), 'status');
      expect(status).toContain('The quality rating of +358 40 1234567 is RED (low)');
    });

    it('one check per token version: a repeated announcement of the same version (another instance\'s LISTEN/NOTIFY) checks nothing again', async () => {
      const checks = () => h.logs.lines.filter((l) => l.includes('Meta wiring checked') && l.includes('token_changed')).length;
      expect(checks()).toBe(1);
      const current = (await h.services.vault.current('t1'))!;
      h.services.events.emit('token.changed', { tenantId: 't1', versionId: current.versionId, actor: 'elsewhere' });
      await swapToken();
      expect(checks()).toBe(2);
    });

    it('Meta down: "unknown", no diagnosis told', async () => {
      const before = said().length;
      h.graph.setMode('5xx');
      const r = (await h.composed.wiring.check('t1', 'manual'))!;
      h.graph.setMode('ok');
      expect(r.state).toBe('unknown');
      expect(codes(r).slice(0, 2)).toEqual(['subscription:meta_unreachable', 'phone:meta_unreachable']);
      expect(said()).toHaveLength(before);
    });
  });

  it('webhook handshake with the wrong verify token (another deployment at PUBLIC_BASE_URL) → diagnosis in status', async () => {
    const proxy = await rewritingProxy();
    h = await startHarness({ engine, config: { wiringCheck: true, publicBaseUrl: proxy.url } });
    try {
      proxy.target.url = h.url;
      const r = (await h.composed.wiring.check('t1', 'manual'))!;
      expect(r.state).toBe('failing');
      expect(r.items.find((i) => i.check === 'webhook')).toMatchObject({ code: 'rejected', detail: { status: 403 } });
      await h.giosg.adminSays({ chatId: 'c-wh', text: 'status' });
      await h.bot.inbox.idle();
      const [status] = await waitFor(() => (said('c-wh').length ? said('c-wh') : null), 'status');
      expect(status).toContain(`The webhook callback ${proxy.url}/webhooks/meta/t1 refused our verify token (HTTP 403)`);
      expect(status).toContain('PUBLIC_BASE_URL');
    } finally {
      await h.stop();
      await proxy.close();
    }
  });
});

describe('phone number fields → findings', () => {
  it.each([
    [{ status: 'CONNECTED', quality_rating: 'GREEN', platform_type: 'CLOUD_API', name_status: 'APPROVED' }, ['registered']],
    [{ status: 'PENDING', platform_type: 'NOT_APPLICABLE' }, ['not_registered']],
    [{ status: 'CONNECTED', platform_type: 'ON_PREMISE' }, ['on_premise']],
    [{ status: 'FLAGGED', quality_rating: 'RED', platform_type: 'CLOUD_API' }, ['status_blocked', 'quality_red']],
    [{ status: 'CONNECTED', quality_rating: 'YELLOW', platform_type: 'CLOUD_API', name_status: 'PENDING_REVIEW' }, ['quality_yellow', 'name_pending']],
    [{ status: 'CONNECTED', quality_rating: 'GREEN', platform_type: 'CLOUD_API', name_status: 'DECLINED', code_verification_status: 'EXPIRED' }, ['name_declined', 'code_expired']],
  ])('%j → %j', (fields, expected) => {
    expect(phoneItems(fields).map((i) => i.code)).toEqual(expected);
  });
});
