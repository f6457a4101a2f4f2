// Any number of concurrent POSTs on one link: exactly one token becomes current, on both
// engines. Each racer carries its own valid token, so a wrong winner would be visible.
import { engines, startHarness, makeToken, TENANT, type Harness } from '../../testkit/harness';
import { hashLinkId } from '../../src/links/link-id';
import { issueLink, open, submit, text } from '../../testkit/link-client';

const RACERS = 8;

describe.each(engines)('concurrent submissions on %s', (engine) => {
  let h: Harness;
  afterEach(async () => h && (await h.stop()));

  test(`${RACERS} valid tokens at once: exactly one wins, the others get a clear page and stay out of the vault`, async () => {
    h = await startHarness({ engine });
    const swapped: number[] = [];
    h.services.events.on('token.swapped', (e) => void swapped.push(e.versionId));
    const link = await issueLink(h);
    const form = await open(h, link.path);
    const tokens = Array.from({ length: RACERS }, () => {
      const token = makeToken();
      h.graph.addToken({ token, appId: TENANT.metaAppId, type: 'SYSTEM_USER', targetIds: [TENANT.wabaId], expiresAt: 0 });
      return token;
    });
    // Every validation takes a while, so all racers reach the claim together.
    h.graph.setMode('slow', { latencyMs: 150 });
    const pages = await Promise.all(tokens.map((t) => submit(h, link.path, t, form)));
    h.graph.setMode('ok');

    const winners = pages.flatMap((p, i) => (p.status === 200 ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const [i, p] of pages.entries()) {
      if (i === winners[0]) continue;
      expect([409, 410]).toContain(p.status);
      expect(text(p.html)).toMatch(/This link was just used|This link can no longer be used/);
      expect(p.html).not.toContain(tokens[i]);
    }
    expect(pages.some((p) => p.status === 409)).toBe(true); // the race really happened at the claim

    const cur = await h.services.vault.current(TENANT.id);
    expect(cur!.token).toBe(tokens[winners[0]]);
    const fromLinks = await h.services.store.db.selectFrom('token_versions').select(['id', 'stage']).where('source', '=', 'link').execute();
    expect(fromLinks.map((r) => ({ id: Number(r.id), stage: r.stage }))).toEqual([{ id: cur!.versionId, stage: 'current' }]);
    const row = await h.services.store.db.selectFrom('links').selectAll().where('id_hash', '=', hashLinkId(link.id)).executeTakeFirstOrThrow();
    expect(row.state).toBe('consumed');
    expect(Number(row.token_version_id)).toBe(cur!.versionId);
    expect(row.failed_attempts).toBe(0);
    expect(swapped).toEqual([cur!.versionId]);
  });

  test('the conditional claim itself: many simultaneous consumes, one owner', async () => {
    h = await startHarness({ engine, workers: false });
    const { LinkRepo } = await import('../../src/store/link-repo');
    const repo = new LinkRepo(h.services.store.db);
    const link = await issueLink(h);
    const now = h.services.clock.now();
    const results = await Promise.all(Array.from({ length: 25 }, () => repo.consume(hashLinkId(link.id), now)));
    expect(results.filter(Boolean)).toEqual([{ tenant_id: TENANT.id, admin_user_id: 'admin-7', chat_id: 'chat-42', locale: 'en' }]);
  });
});
