// Botkit's Storage over the bot_state table, so dialog state survives a restart and is
// shared by every instance. Keys are Botkit's (`giosg:<tenant>/conversations/...`).
import { Kysely, sql } from 'kysely';
import type { Storage, StoreItems } from 'botbuilder';
import type { Database } from './schema';
import type { Engine } from './db';
import type { Clock } from '../clock';

export class StorageConflictError extends Error {
  constructor(key: string) {
    super(`bot state "${key}" was changed by another turn (eTag conflict)`);
    this.name = 'StorageConflictError';
  }
}

/** The tenant a Botkit storage key belongs to (our adapter's channelId is `giosg:<tenant>`). */
export function tenantOfKey(key: string): string {
  const m = /^giosg:([^/]+)\//.exec(key);
  return m ? m[1] : '';
}

export class BotStateStorage implements Storage {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    private readonly clock: Clock,
  ) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const rows = await this.db.selectFrom('bot_state').select(['key', 'value']).where('key', 'in', keys).execute();
    const out: StoreItems = {};
    for (const r of rows) out[r.key] = JSON.parse(r.value);
    return out;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const expected: string | undefined = item?.eTag;
      const next = { ...item, eTag: String(this.clock.now()) + Math.random().toString(36).slice(2, 8) };
      const value = JSON.stringify(next);
      const now = this.clock.now();
      if (!expected || expected === '*') {
        await this.db
          .insertInto('bot_state')
          .values({ key, tenant_id: tenantOfKey(key), value, updated_at: now })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
          .execute();
        continue;
      }
      // Optimistic concurrency as botbuilder's storages do it: write only over the version read.
      await this.db.transaction().execute(async (trx) => {
        let q = trx.selectFrom('bot_state').select('value').where('key', '=', key);
        if (this.engine === 'postgres') q = q.forUpdate();
        const row = await q.executeTakeFirst();
        if (!row) {
          await trx.insertInto('bot_state').values({ key, tenant_id: tenantOfKey(key), value, updated_at: now }).execute();
          return;
        }
        if ((JSON.parse(row.value) as { eTag?: string }).eTag !== expected) throw new StorageConflictError(key);
        await trx.updateTable('bot_state').set({ value, updated_at: now }).where('key', '=', key).execute();
      });
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.deleteFrom('bot_state').where('key', 'in', keys).execute();
  }

  /** Forgets every dialog under a key prefix (one chat, all participants), e.g. once the renewal is done. */
  async deletePrefix(prefix: string): Promise<number> {
    const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const res = await this.db
      .deleteFrom('bot_state')
      .where('tenant_id', '=', tenantOfKey(prefix))
      .where(sql<boolean>`key like ${pattern} escape '\\'`)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
