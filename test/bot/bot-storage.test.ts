// Botkit Storage over bot_state, on every engine: round trip, optimistic concurrency on
// eTags, deletion, and clearing one chat's dialogs.
import { engines, tempDatabase, type TempDb } from '../../testkit/harness';
import { openStore, type Store } from '../../src/store/db';
import { migrateToLatest } from '../../src/store/migrations';
import { BotStateStorage, StorageConflictError, tenantOfKey } from '../../src/store/bot-storage';
import { ManualClock } from '../../src/clock';
import { stateKeyPrefix } from '../../src/bot/adapter-activity';

describe.each(engines)('BotStateStorage (%s)', (engine) => {
  let db: TempDb;
  let store: Store;
  let storage: BotStateStorage;
  beforeEach(async () => {
    db = await tempDatabase(engine);
    store = openStore(db.url);
    await migrateToLatest(store.db, store.engine);
    storage = new BotStateStorage(store.db, store.engine, new ManualClock());
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  const key = (chat: string, user = 'u1') => `${stateKeyPrefix('t1', chat)}${user}/ConversationState`;

  it('writes, reads and deletes items, keyed by tenant', async () => {
    expect(await storage.read([key('c1')])).toEqual({});
    await storage.write({ [key('c1')]: { dialogState: { step: 3 }, eTag: '*' } });
    const got = await storage.read([key('c1'), key('missing')]);
    expect(Object.keys(got)).toEqual([key('c1')]);
    expect(got[key('c1')].dialogState).toEqual({ step: 3 });
    expect(typeof got[key('c1')].eTag).toBe('string');
    const row = await store.db.selectFrom('bot_state').selectAll().executeTakeFirstOrThrow();
    expect(row.tenant_id).toBe('t1');
    expect(tenantOfKey('giosg:acme/conversations/x')).toBe('acme');
    await storage.delete([key('c1')]);
    expect(await storage.read([key('c1')])).toEqual({});
  });

  it('refuses a write over a version it did not read (eTag conflict) and changes nothing', async () => {
    await storage.write({ [key('c1')]: { v: 1 } });
    const first = (await storage.read([key('c1')]))[key('c1')];
    await storage.write({ [key('c1')]: { ...first, v: 2 } });
    await expect(storage.write({ [key('c1')]: { ...first, v: 3 } })).rejects.toBeInstanceOf(StorageConflictError);
    expect((await storage.read([key('c1')]))[key('c1')].v).toBe(2);
  });

  it('clears every participant of one chat and nothing else', async () => {
    await storage.write({ [key('c1', 'u1')]: { a: 1 }, [key('c1', 'u2')]: { a: 2 }, [key('c10', 'u1')]: { a: 3 }, [key('c_1')]: { a: 4 } });
    expect(await storage.deletePrefix(stateKeyPrefix('t1', 'c1'))).toBe(2);
    expect(Object.keys(await storage.read([key('c1', 'u1'), key('c1', 'u2'), key('c10', 'u1'), key('c_1')])).sort()).toEqual([key('c10', 'u1'), key('c_1')].sort());
  });
});
