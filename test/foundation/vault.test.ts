// The vault on both engines: CAS promotion, rollback, audit, encryption at rest.
import fs from 'node:fs';
import { engines, tempDatabase, TempDb, TENANT, makeToken, TEST_KEY } from '../../testkit/harness';
import { openStore, Store } from '../../src/store/db';
import { migrateToLatest } from '../../src/store/migrations';
import { TokenRepo } from '../../src/store/token-repo';
import { TenantRepo } from '../../src/store/tenant-repo';
import { SecretBox, DecryptionError, fingerprint } from '../../src/vault/crypto';
import { TokenVault } from '../../src/vault/token-vault';
import type { TokenValidation, ValidationResult } from '../../src/vault/validation-types';
import { TenantService } from '../../src/vault/tenants';
import { ManualClock } from '../../src/clock';
import { ChannelEventBus } from '../../src/events';

const facts = { expiresAt: null, tokenType: 'SYSTEM_USER', verifiedName: 'Acme', displayPhoneNumber: '+358' };
const PASS: ValidationResult = { ok: true, facts: { ...facts, scopes: [] }, warnings: [] };
const fail = (code: 'expired' | 'wrong_app'): ValidationResult => ({ ok: false, diagnosis: { code, step: 3, params: {} }, retryable: false });

/**
 * The vault's logic without Meta: each test says what Meta would answer. The real
 * validation against the Graph simulator is covered in test/validation/.
 */
class ScriptedValidation implements TokenValidation {
  verdict: ValidationResult = PASS;
  readonly asked: string[] = [];
  async validate(_tenantId: string, token: string): Promise<ValidationResult> {
    this.asked.push(token);
    return this.verdict;
  }
}

describe.each(engines)('token vault on %s', (engine) => {
  let db: TempDb;
  let store: Store;
  let vault: TokenVault;
  let clock: ManualClock;
  let events: ChannelEventBus;
  let validation: ScriptedValidation;

  beforeEach(async () => {
    db = await tempDatabase(engine);
    store = openStore(db.url);
    await migrateToLatest(store.db, store.engine);
    clock = new ManualClock();
    events = new ChannelEventBus();
    validation = new ScriptedValidation();
    vault = new TokenVault({ repo: new TokenRepo(store.db, store.engine), box: new SecretBox([TEST_KEY]), clock, validation, events });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  async function validatedPending(token: string) {
    const id = await vault.addPending('t1', token, 'test', 'test');
    await vault.markValidated('t1', id, facts, 'test');
    return id;
  }

  it('migrations are idempotent', async () => {
    expect(await migrateToLatest(store.db, store.engine)).toEqual([]);
  });

  it('promotes pending → current → previous and serves current() from the vault', async () => {
    const a = makeToken();
    const b = makeToken();
    const ida = await validatedPending(a);
    expect(await vault.promote('t1', ida, null, 'alice')).toEqual({ ok: true, previousId: null });
    expect((await vault.current('t1'))?.token).toBe(a);
    const idb = await validatedPending(b);
    expect(await vault.promote('t1', idb, ida, 'bob')).toEqual({ ok: true, previousId: ida });
    const cur = await vault.current('t1');
    expect(cur?.token).toBe(b);
    expect(cur?.fingerprint).toBe(fingerprint(b));
    const stages = Object.fromEntries((await vault.versions('t1')).map((v) => [v.id, v.stage]));
    expect(stages).toEqual({ [ida]: 'previous', [idb]: 'current' });
  });

  it('never promotes an unvalidated token', async () => {
    const id = await vault.addPending('t1', makeToken(), 'test', 'test');
    expect(await vault.promote('t1', id, null, 'x')).toEqual({ ok: false, reason: 'not_validated' });
    expect(await vault.current('t1')).toBeNull();
  });

  it('a stale promote fails cleanly and changes nothing', async () => {
    const ida = await validatedPending(makeToken());
    await vault.promote('t1', ida, null, 'x');
    const idb = await validatedPending(makeToken());
    await vault.promote('t1', idb, ida, 'x');
    const idc = await validatedPending(makeToken());
    // expects ida to be current, but idb is
    expect(await vault.promote('t1', idc, ida, 'x')).toEqual({ ok: false, reason: 'stale' });
    const cur = await vault.current('t1');
    expect(cur?.versionId).toBe(idb);
    expect((await vault.versions('t1')).find((v) => v.id === idc)?.stage).toBe('pending');
  });

  it('concurrent promotes against the same current: exactly one wins', async () => {
    const base = await validatedPending(makeToken());
    await vault.promote('t1', base, null, 'x');
    const candidates = await Promise.all(Array.from({ length: 8 }, () => validatedPending(makeToken())));
    // Separate vault instances, as separate processes would be.
    const results = await Promise.all(
      candidates.map((id) => new TokenVault({ repo: new TokenRepo(store.db, store.engine), box: new SecretBox([TEST_KEY]), clock, validation }).promote('t1', id, base, `p${id}`)),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'stale')).toBe(true);
    const versions = await vault.versions('t1');
    expect(versions.filter((v) => v.stage === 'current')).toHaveLength(1);
    expect(versions.filter((v) => v.stage === 'previous').map((v) => v.id)).toEqual([base]);
  });

  it('rollback re-promotes the previous token as a new version', async () => {
    const a = makeToken();
    const ida = await validatedPending(a);
    await vault.promote('t1', ida, null, 'x');
    const idb = await validatedPending(makeToken());
    await vault.promote('t1', idb, ida, 'x');
    const r = await vault.rollback('t1', 'ops');
    expect(r.ok).toBe(true);
    // The previous token was checked again before it came back.
    expect(validation.asked).toEqual([a]);
    const cur = await vault.current('t1');
    expect(cur?.token).toBe(a);
    expect(cur?.versionId).not.toBe(ida);
    const stages = Object.fromEntries((await vault.versions('t1')).map((v) => [v.id, v.stage]));
    expect(stages[idb]).toBe('previous');
    expect(stages[ida]).toBe('retired');
  });

  it('rollback refuses when the previous token no longer validates, and changes nothing', async () => {
    const ida = await validatedPending(makeToken());
    await vault.promote('t1', ida, null, 'x');
    const idb = await validatedPending(makeToken());
    await vault.promote('t1', idb, ida, 'x');
    validation.verdict = fail('expired');
    const before = (await vault.versions('t1')).filter((v) => v.stage !== 'rejected');
    const r = await vault.rollback('t1', 'ops');
    expect(r).toEqual({ ok: false, reason: 'invalid', diagnosis: { code: 'expired', step: 3, params: {} } });
    expect((await vault.current('t1'))?.versionId).toBe(idb);
    expect((await vault.versions('t1')).filter((v) => v.stage !== 'rejected')).toEqual(before);
  });

  it('rollback without a previous version says so', async () => {
    expect(await vault.rollback('t1', 'ops')).toEqual({ ok: false, reason: 'no_previous' });
  });

  it('submit validates, then promotes; a rejected token never becomes current', async () => {
    const good = await vault.submit('t1', makeToken(), 'admin', 'link');
    expect(good.ok).toBe(true);
    validation.verdict = fail('wrong_app');
    const bad = await vault.submit('t1', makeToken(), 'admin', 'link');
    expect(bad).toMatchObject({ ok: false, reason: 'wrong_app' });
    expect((await vault.current('t1'))?.versionId).toBe(good.ok && good.versionId);
    expect((await vault.versions('t1')).find((v) => v.id === bad.versionId)?.stage).toBe('rejected');
  });

  it('writes an audit row for every stage change, never the token', async () => {
    const token = makeToken();
    await vault.submit('t1', token, 'admin:42', 'link', { detail: { link: 'abcd1234' } });
    const trail = await vault.audit('t1');
    expect(trail.map((r) => r.action).reverse()).toEqual(['token.received', 'token.validated', 'token.promoted']);
    expect(trail.every((r) => r.actor === 'admin:42' && r.tenant_id === 't1')).toBe(true);
    expect(JSON.stringify(trail)).not.toContain(token);
    expect(JSON.parse(trail[0].detail!)).toMatchObject({ link: 'abcd1234' });
  });

  it('caches current() and invalidates on change; emits token.changed', async () => {
    const seen: number[] = [];
    events.on('token.changed', (e) => {
      seen.push(e.versionId!);
    });
    const id = await vault.submit('t1', makeToken(), 'a', 'x');
    const first = vault.current('t1');
    expect(vault.current('t1')).toBe(first);
    const id2 = await vault.submit('t1', makeToken(), 'a', 'x');
    expect(vault.current('t1')).not.toBe(first);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([id.ok && id.versionId, id2.ok && id2.versionId]);
  });

  it('seeds an initial token only when the tenant has none', async () => {
    const first = await vault.seedIfEmpty('t1', makeToken(), 'env', 'env');
    expect(first).not.toBeNull();
    expect(await vault.seedIfEmpty('t1', makeToken(), 'env', 'env')).toBeNull();
    expect((await vault.versions('t1')).filter((v) => v.stage === 'current')).toHaveLength(1);
  });

  it('a wrong encryption key fails loudly and changes nothing', async () => {
    const token = makeToken();
    await vault.submit('t1', token, 'a', 'x');
    const before = await vault.versions('t1');
    const wrong = new TokenVault({ repo: new TokenRepo(store.db, store.engine), box: new SecretBox([Buffer.alloc(32, 9)]), clock, validation });
    await expect(wrong.current('t1')).rejects.toThrow(DecryptionError);
    await expect(wrong.rollback('t1', 'x')).resolves.toEqual({ ok: false, reason: 'no_previous' });
    expect(await vault.versions('t1')).toEqual(before);
    expect((await vault.current('t1'))?.token).toBe(token);
  });

  it('keeps tokens per tenant apart', async () => {
    const a = makeToken();
    const b = makeToken();
    await vault.submit('t1', a, 'x', 'x');
    await vault.submit('t2', b, 'x', 'x');
    expect((await vault.current('t1'))?.token).toBe(a);
    expect((await vault.current('t2'))?.token).toBe(b);
  });

  it('stores tenants with secrets encrypted; get() opens them', async () => {
    const tenants = new TenantService(new TenantRepo(store.db), new SecretBox([TEST_KEY]), clock);
    await tenants.add({ ...TENANT });
    const raw = await store.db.selectFrom('tenants').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(raw)).not.toContain(TENANT.metaAppSecret);
    expect(JSON.stringify(raw)).not.toContain(TENANT.giosgApiToken);
    expect(JSON.stringify(raw)).not.toContain(TENANT.giosgWebhookSecret);
    const t = await tenants.get('t1');
    expect(t?.metaAppSecret).toBe(TENANT.metaAppSecret);
    const updated = await tenants.update('t1', { giosgAdminTeamId: 'team-2' });
    expect(updated?.giosgAdminTeamId).toBe('team-2');
    expect(updated?.giosgWebhookSecret).toBe(TENANT.giosgWebhookSecret);
    expect(await tenants.upsert({ ...TENANT, name: 'Renamed' })).toBe('updated');
    expect((await tenants.get('t1'))?.name).toBe('Renamed');
    // The environment seed (every start) has neither name nor Meta app name: what the CLI
    // set stays, while the seeded fields are replaced.
    await tenants.update('t1', { metaAppName: 'Acme WhatsApp App' });
    const { name: _n, metaAppName: _a, ...seed } = { ...TENANT, name: undefined, metaAppName: undefined };
    expect(await tenants.upsert({ ...seed, phoneNumberId: 'pn-2' })).toBe('updated');
    const after = await tenants.get('t1');
    expect(after).toMatchObject({ name: 'Renamed', metaAppName: 'Acme WhatsApp App', phoneNumberId: 'pn-2' });
    // An explicit null still clears it.
    await tenants.upsert({ ...seed, metaAppName: null });
    expect((await tenants.get('t1'))?.metaAppName).toBeNull();
  });

  if (engine === 'sqlite') {
    it('the raw database file and WAL never contain the token bytes', async () => {
      const tokens = [makeToken(), makeToken(), makeToken()];
      for (const t of tokens) await vault.submit('t1', t, 'x', 'x');
      await vault.rollback('t1', 'x');
      const tenants = new TenantService(new TenantRepo(store.db), new SecretBox([TEST_KEY]), clock);
      await tenants.add({ ...TENANT });
      const file = db.file!;
      const bytes = Buffer.concat([fs.readFileSync(file), fs.existsSync(`${file}-wal`) ? fs.readFileSync(`${file}-wal`) : Buffer.alloc(0)]);
      expect(bytes.length).toBeGreaterThan(0);
      for (const t of tokens) {
        expect(bytes.includes(Buffer.from(t))).toBe(false);
        // not even a long prefix of it
        expect(bytes.includes(Buffer.from(t.slice(0, 24)))).toBe(false);
      }
      expect(bytes.includes(Buffer.from(TENANT.metaAppSecret))).toBe(false);
      expect(bytes.includes(Buffer.from(TENANT.giosgApiToken))).toBe(false);
    });
  }
});
