// Token swaps reach an instance that did not make them: through LISTEN/NOTIFY at once, and
// through the one-second poll when the LISTEN connection is lost (the listener reconnects
// and re-reads the vault). "Another instance" here is a second vault on the same database.
import pg from 'pg';
import { startHarness, Harness, PG_URL, TEST_KEY, makeToken, waitFor } from '../../testkit/harness';
import { openStore, Store } from '../../src/store/db';
import { TokenRepo } from '../../src/store/token-repo';
import { SecretBox } from '../../src/vault/crypto';
import { refusingValidation } from '../helpers/validation';
import { TokenVault } from '../../src/vault/token-vault';
import { systemClock } from '../../src/clock';
import type { SwapWatcher } from '../../src/vault/swap-watcher';

if (!PG_URL) console.warn('TEST_DATABASE_URL is not set: test/scale/swap-watcher.test.ts is skipped (it needs PostgreSQL)');
const pgDescribe = PG_URL ? describe : describe.skip;

pgDescribe('swap watcher across instances (PostgreSQL)', () => {
  let h: Harness;
  let other: Store;
  let otherVault: TokenVault;

  beforeAll(async () => {
    h = await startHarness({ engine: 'postgres', workers: true });
    other = openStore(h.db.url);
    otherVault = new TokenVault({ repo: new TokenRepo(other.db, 'postgres'), box: new SecretBox([TEST_KEY]), clock: systemClock, validation: refusingValidation });
  });
  afterAll(async () => {
    await other?.close();
    await h?.stop();
  });

  const watcher = () => h.composed.workers.find((w) => w.name === 'swap-watcher') as SwapWatcher;
  const listenerPid = () => ((watcher() as unknown as { listener?: { processID?: number } }).listener?.processID ?? null);

  async function swapElsewhere(): Promise<{ token: string; promotedAt: number }> {
    const token = makeToken();
    const id = await otherVault.addPending(h.tenant.id, token, 'other-instance', 'test');
    await otherVault.markValidated(h.tenant.id, id, { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: 'Acme Oy', displayPhoneNumber: null }, 'other-instance');
    const cur = await otherVault.tokens.current(h.tenant.id);
    const promotedAt = Date.now();
    const r = await otherVault.promote(h.tenant.id, id, cur ? cur.id : null, 'other-instance');
    expect(r.ok).toBe(true);
    return { token, promotedAt };
  }

  it('a swap made elsewhere is announced and used here within a second', async () => {
    await waitFor(() => listenerPid(), 'swap listener connected');
    expect((await h.services.vault.current(h.tenant.id))!.token).toBe(h.token);
    const { token, promotedAt } = await swapElsewhere();
    await waitFor(async () => (await h.services.vault.current(h.tenant.id))!.token === token, 'new token here', 5000, 5);
    expect(Date.now() - promotedAt).toBeLessThan(1000);
  });

  it('with the LISTEN connection killed, the poll still switches within a second and the listener comes back', async () => {
    const pid = await waitFor(() => listenerPid(), 'swap listener connected');
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const killed = await admin.query('select pg_terminate_backend($1) as ok', [pid]);
      expect(killed.rows[0].ok).toBe(true);
    } finally {
      await admin.end();
    }
    // The swap lands while nobody listens: no notification can reach this instance.
    const { token, promotedAt } = await swapElsewhere();
    await waitFor(async () => (await h.services.vault.current(h.tenant.id))!.token === token, 'new token via the poll', 5000, 5);
    // One poll interval (1 s) plus the read itself.
    expect(Date.now() - promotedAt).toBeLessThan(1500);
    const again = await waitFor(() => (listenerPid() !== pid ? listenerPid() : null), 'listener reconnected', 5000);
    expect(again).not.toBe(pid);
    // And it listens again: the next swap arrives by notification.
    const next = await swapElsewhere();
    await waitFor(async () => (await h.services.vault.current(h.tenant.id))!.token === next.token, 'third token', 5000, 5);
    await waitFor(() => h.logs.text().includes('swap listener lost its connection'), 'the loss logged');
    for (const t of [token, next.token]) expect(h.logs.text()).not.toContain(t);
  });

  it('stopping right after starting (or mid-connect) releases the LISTEN connection, so the pool can close', async () => {
    // A stop while pool.connect() was in flight used to leave the client checked out,
    // and closing the pool then waited forever (first PostgreSQL test of a file, in CI).
    const { SwapWatcher: Watcher } = await import('../../src/vault/swap-watcher');
    const store = openStore(h.db.url);
    const services = { ...h.services, store } as typeof h.services;
    for (let i = 0; i < 20; i++) {
      const w = new Watcher(services, 1000);
      w.start();
      if (i % 2 === 1) await new Promise((r) => setTimeout(r, i));
      await w.stop();
    }
    await store.close(); // hangs (test timeout) if a client was left checked out
    expect(store.pgPool!.totalCount).toBe(0);
  });
});

