// SQL for giosg App installations and the trigger requests giosg sent. Secrets never come
// here: the bot's persistent token and the webhook secret live sealed in the tenant row.
import type { Kysely, Selectable } from 'kysely';
import type { AppLifecycle, Database, GiosgAppInstallTable } from './schema';

export type AppInstallRow = Selectable<GiosgAppInstallTable>;

export type TriggerClaim =
  | { kind: 'new' }
  | { kind: 'running' }
  | { kind: 'done'; outcome: string | null };

/** A trigger still "running" after this long belongs to a process that died: the replay takes it over. */
const STALE_RUNNING_MS = 120_000;

export class AppInstallRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Claims a trigger by the hash of its JWT. One conditional insert decides between two
   * concurrent deliveries; a failed or abandoned earlier attempt is taken over by one
   * conditional update, so a replay after a failure tries again instead of answering 409.
   */
  async claimTrigger(hash: string, type: string, organizationId: string, now: number): Promise<TriggerClaim> {
    const inserted = await this.db
      .insertInto('giosg_app_triggers')
      .values({ data_sha256: hash, trigger_type: type, organization_id: organizationId, state: 'running', outcome: null, received_at: now, finished_at: null })
      .onConflict((oc) => oc.column('data_sha256').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { kind: 'new' };
    const retaken = await this.db
      .updateTable('giosg_app_triggers')
      .set({ state: 'running', received_at: now, finished_at: null })
      .where('data_sha256', '=', hash)
      .where((eb) => eb.or([eb('state', '=', 'failed'), eb.and([eb('state', '=', 'running'), eb('received_at', '<', now - STALE_RUNNING_MS)])]))
      .executeTakeFirst();
    if (Number(retaken.numUpdatedRows) > 0) return { kind: 'new' };
    const row = await this.db.selectFrom('giosg_app_triggers').select(['state', 'outcome']).where('data_sha256', '=', hash).executeTakeFirst();
    if (!row || row.state === 'running') return { kind: 'running' };
    return { kind: 'done', outcome: row.outcome };
  }

  async finishTrigger(hash: string, state: 'done' | 'failed', outcome: string, now: number): Promise<void> {
    await this.db.updateTable('giosg_app_triggers').set({ state, outcome, finished_at: now }).where('data_sha256', '=', hash).execute();
  }

  get(tenantId: string): Promise<AppInstallRow | undefined> {
    return this.db.selectFrom('giosg_app_installs').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  }

  list(): Promise<AppInstallRow[]> {
    return this.db.selectFrom('giosg_app_installs').selectAll().orderBy('installed_at').execute();
  }

  /** A reinstall keeps the setup already done; only giosg's side of the row is refreshed. */
  async upsert(row: AppInstallRow): Promise<void> {
    await this.db
      .insertInto('giosg_app_installs')
      .values(row)
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({
          app_id: row.app_id,
          installation_id: row.installation_id,
          installer_user_id: row.installer_user_id,
          lifecycle: row.lifecycle,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  async setLifecycle(tenantId: string, lifecycle: AppLifecycle, now: number): Promise<boolean> {
    const r = await this.db.updateTable('giosg_app_installs').set({ lifecycle, updated_at: now }).where('tenant_id', '=', tenantId).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async setSetup(tenantId: string, patch: { chatId?: string | null; step?: string | null; draft?: string | null }, now: number): Promise<void> {
    const set: Partial<AppInstallRow> = { updated_at: now };
    if (patch.chatId !== undefined) set.setup_chat_id = patch.chatId;
    if (patch.step !== undefined) set.setup_step = patch.step;
    if (patch.draft !== undefined) set.setup_draft = patch.draft;
    await this.db.updateTable('giosg_app_installs').set(set).where('tenant_id', '=', tenantId).execute();
  }

  async setWiring(tenantId: string, wiring: string, now: number): Promise<void> {
    await this.db.updateTable('giosg_app_installs').set({ wiring, updated_at: now }).where('tenant_id', '=', tenantId).execute();
  }
}
