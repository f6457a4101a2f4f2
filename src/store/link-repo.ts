// SQL for one-time links. Only the SHA-256 of a link id is ever stored. Every state change
// is one conditional UPDATE … RETURNING, so concurrent requests (and instances) agree on
// exactly one outcome without locks held across the Meta calls.
import type { Kysely, Selectable } from 'kysely';
import type { Database, LinkKind, LinkTable } from './schema';

export type LinkRow = Selectable<LinkTable>;

export interface NewLink {
  idHash: string;
  tenantId: string;
  adminUserId: string;
  chatId: string;
  locale: string;
  kind?: LinkKind;
  createdAt: number;
  expiresAt: number;
}

export type LinkOwner = Pick<LinkRow, 'tenant_id' | 'admin_user_id' | 'chat_id' | 'locale'>;

export class LinkRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(l: NewLink): Promise<void> {
    await this.db
      .insertInto('links')
      .values({
        id_hash: l.idHash,
        tenant_id: l.tenantId,
        admin_user_id: l.adminUserId,
        chat_id: l.chatId,
        locale: l.locale,
        kind: l.kind ?? 'token',
        created_at: l.createdAt,
        expires_at: l.expiresAt,
        failed_attempts: 0,
        state: 'open',
        consumed_at: null,
        token_version_id: null,
      })
      .execute();
  }

  /** The link while it can still take a submission; undefined for unknown, used, burnt or expired. */
  async findOpen(idHash: string, now: number): Promise<LinkRow | undefined> {
    const row = await this.db
      .selectFrom('links')
      .selectAll()
      .where('id_hash', '=', idHash)
      .where('state', '=', 'open')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row ? normalize(row) : undefined;
  }

  async get(idHash: string): Promise<LinkRow | undefined> {
    const row = await this.db.selectFrom('links').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row ? normalize(row) : undefined;
  }

  /** The single winner of any number of concurrent submissions gets the owner back; everyone else undefined. */
  async consume(idHash: string, now: number): Promise<LinkOwner | undefined> {
    return this.db
      .updateTable('links')
      .set({ state: 'consumed', consumed_at: now })
      .where('id_hash', '=', idHash)
      .where('state', '=', 'open')
      .where('expires_at', '>', now)
      .returning(['tenant_id', 'admin_user_id', 'chat_id', 'locale'])
      .executeTakeFirst();
  }

  /** Records which token version the link delivered (the audit trail's other half). */
  async attachVersion(idHash: string, versionId: number): Promise<void> {
    await this.db.updateTable('links').set({ token_version_id: versionId }).where('id_hash', '=', idHash).where('state', '=', 'consumed').execute();
  }

  /** Gives a consumed link back when the vault could not store its token, so the admin can retry. */
  async reopen(idHash: string): Promise<boolean> {
    const r = await this.db
      .updateTable('links')
      .set({ state: 'open', consumed_at: null })
      .where('id_hash', '=', idHash)
      .where('state', '=', 'consumed')
      .where('token_version_id', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Counts one rejected token; the maxAttempts-th rejection burns the link. Undefined when
   * the link stopped being open meanwhile (another request consumed or burnt it).
   */
  async recordRejection(idHash: string, now: number, maxAttempts: number): Promise<{ failedAttempts: number; burnt: boolean } | undefined> {
    const row = await this.db
      .updateTable('links')
      .set((eb) => ({
        failed_attempts: eb('failed_attempts', '+', 1),
        state: eb.case().when('failed_attempts', '>=', maxAttempts - 1).then('burnt' as const).else('open' as const).end(),
      }))
      .where('id_hash', '=', idHash)
      .where('state', '=', 'open')
      .where('expires_at', '>', now)
      .returning(['failed_attempts', 'state'])
      .executeTakeFirst();
    if (!row) return undefined;
    return { failedAttempts: Number(row.failed_attempts), burnt: row.state === 'burnt' };
  }

  /** Housekeeping: links are useless a day after expiry. */
  async deleteExpiredBefore(cutoff: number): Promise<number> {
    const r = await this.db.deleteFrom('links').where('expires_at', '<', cutoff).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function normalize(row: LinkRow): LinkRow {
  return {
    ...row,
    created_at: Number(row.created_at),
    expires_at: Number(row.expires_at),
    consumed_at: row.consumed_at === null ? null : Number(row.consumed_at),
    token_version_id: row.token_version_id === null ? null : Number(row.token_version_id),
    failed_attempts: Number(row.failed_attempts),
  };
}
