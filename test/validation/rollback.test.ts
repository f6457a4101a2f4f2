// rollbackToken: the previous token comes back only after it validates again.
import { startHarness, makeToken, TENANT, type Harness } from '../../testkit/harness';
import { rollbackToken } from '../../src/vault/swap';
import { issueLink, openAndSubmit } from '../../testkit/link-client';

describe('rollbackToken', () => {
  let h: Harness;
  afterEach(async () => h && (await h.stop()));

  async function swapInNewToken(): Promise<string> {
    const token = makeToken();
    h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', targetIds: [TENANT.wabaId], expiresAt: 0 });
    const link = await issueLink(h);
    expect((await openAndSubmit(h, link.path, token)).status).toBe(200);
    return token;
  }

  test('re-promotes the previous token as a new version, audited with the actor', async () => {
    h = await startHarness();
    const changed: any[] = [];
    h.services.events.on('token.changed', (e) => void changed.push(e));
    const swappedIn = await swapInNewToken();
    const r = await rollbackToken(h.services, TENANT.id, 'cli:ops');
    expect(r.ok).toBe(true);
    const cur = await h.services.vault.current(TENANT.id);
    expect(cur!.token).toBe(h.token);
    expect(cur!.versionId).toBe((r as any).versionId);
    expect(cur!.verifiedName).toBe('Acme Oy');
    expect(changed.at(-1)).toMatchObject({ tenantId: TENANT.id, versionId: cur!.versionId, actor: 'cli:ops' });
    const audit = await h.services.vault.audit(TENANT.id);
    expect(audit.find((a) => a.action === 'token.promoted' && Number(a.version_id) === cur!.versionId)!.actor).toBe('cli:ops');
    expect(await h.services.metrics.registry.metrics()).toMatch(/token_swaps_total\{source="rollback"\} 1/);
    // And back again: the swapped-in token is now the previous one.
    expect((await rollbackToken(h.services, TENANT.id, 'cli:ops')).ok).toBe(true);
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(swappedIn);
    expect(h.logs.text()).not.toContain(h.token);
    expect(h.logs.text()).not.toContain(swappedIn);
  });

  test('refuses a previous token that no longer validates, with the diagnosis; current stays', async () => {
    h = await startHarness();
    const swappedIn = await swapInNewToken();
    h.graph.expireToken(h.token);
    const r = await rollbackToken(h.services, TENANT.id, 'bot:admin-7');
    expect(r).toMatchObject({ ok: false, reason: 'invalid', diagnosis: { code: 'expired', step: 4 } });
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(swappedIn);
  });

  test('nothing to roll back to', async () => {
    h = await startHarness();
    expect(await rollbackToken(h.services, TENANT.id, 'cli:ops')).toEqual({ ok: false, reason: 'no_previous', diagnosis: undefined });
  });

  test('Meta down: refused as invalid with meta_unreachable, nothing changes', async () => {
    h = await startHarness();
    const swappedIn = await swapInNewToken();
    h.graph.setMode('down');
    const r = await rollbackToken(h.services, TENANT.id, 'cli:ops');
    expect(r).toMatchObject({ ok: false, diagnosis: { code: 'meta_unreachable' } });
    h.graph.setMode('ok');
    expect((await h.services.vault.current(TENANT.id))!.token).toBe(swappedIn);
  });
});
