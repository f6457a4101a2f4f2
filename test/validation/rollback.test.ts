// rollbackToken: the previous token comes back only after it validates again.
import { startHarness, makeToken, TENANT, waitFor, type Harness } from '../../testkit/harness';
import { rollbackToken } from '../../src/vault/swap';
import { issueLink, openAndSubmit } from '../../testkit/link-client';
import { runCli, type CliIO } from '../../src/cli';
import type { Services } from '../../src/services';

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

  test('both paths, the bot dialog and the CLI, refuse an invalid previous token the same way', async () => {
    h = await startHarness();
    const swappedIn = await swapInNewToken();
    h.graph.invalidateToken(h.token);
    const versionsBefore = (await h.services.vault.versions(TENANT.id)).filter((v) => v.stage !== 'rejected');

    // The bot: an admin asks for a rollback in giosg and confirms.
    const said = () => h.giosg.chatMessages.filter((m) => m.chatId === 'c-rollback');
    await h.giosg.adminSays({ chatId: 'c-rollback', text: 'rollback' });
    await waitFor(() => said().length === 1, 'the confirmation question');
    await h.giosg.adminSays({ chatId: 'c-rollback', responseValue: 'confirm' });
    const answer = await waitFor(() => said()[1], 'the rollback answer');
    expect(answer.message).toMatch(/^I didn't roll back: the previous token no longer passes Meta's check/);

    // The CLI, on the same services (same vault, validation, metrics, audit).
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => '' };
    const open = <T>(fn: (s: Services) => Promise<T>) => fn(h.services);
    expect(await runCli(['token', 'rollback'], io, open)).toBe(1);
    expect(err.join('\n')).toMatch(/^rollback failed \(.+\); the current token is unchanged$/);

    expect((await h.services.vault.current(TENANT.id))!.token).toBe(swappedIn);
    expect((await h.services.vault.versions(TENANT.id)).filter((v) => v.stage !== 'rejected')).toEqual(versionsBefore);
    // Each attempt was checked against Meta, refused and audited with its actor.
    const rejected = (await h.services.vault.audit(TENANT.id)).filter((a) => a.action === 'token.rejected');
    expect(rejected.map((a) => a.actor).sort()).toEqual(['cli:tester', 'giosg:sandbox-admin']);
    const metrics = await h.services.metrics.registry.metrics();
    expect(metrics).toMatch(/token_rollbacks_total\{result="invalid"\} 2/);
    expect(metrics).not.toMatch(/token_swaps_total\{source="rollback"\}/);
    expect(h.logs.text().match(/token rollback refused/g)).toHaveLength(2);
    expect(h.logs.text()).not.toContain(h.token);
  });
});
