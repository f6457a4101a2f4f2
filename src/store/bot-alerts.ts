// SQL for the bot's proactive alerts: the alerted_at / reminded_at claims on incidents
// (one conditional UPDATE each, so concurrent processes alert once), the tenant's
// alert chat, one-shot notices and per-tenant job leases in job_leases.
import type { Kysely, Selectable } from 'kysely';
import type { Database, IncidentTable } from './schema';
import { acquireJobLease, releaseJobLease } from './job-lease';

export interface AlertIncident {
  id: number;
  tenantId: string;
  kind: string;
  fixableByToken: boolean;
  state: 'open' | 'resolved';
  reason: string | null;
  metaCode: number | null;
  tokenCause: string | null;
  openedAt: number;
  resolvedAt: number | null;
  alertedAt: number | null;
  remindedAt: number | null;
  alertChatId: string | null;
}

const FOREVER = Number.MAX_SAFE_INTEGER;
const alertChatKey = (tenantId: string) => `giosg:${tenantId}/alert-chat`;

export class BotAlertRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async incident(id: number): Promise<AlertIncident | null> {
    const r = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toIncident(r) : null;
  }

  /** Open incidents that never got their alert (the first attempt failed, or its process died). */
  async unalerted(limit = 50): Promise<AlertIncident[]> {
    const rows = await this.db.selectFrom('incidents').selectAll().where('state', '=', 'open').where('alerted_at', 'is', null).orderBy('id').limit(limit).execute();
    return rows.map(toIncident);
  }

  async dueReminders(alertedBefore: number, limit = 50): Promise<AlertIncident[]> {
    const rows = await this.db
      .selectFrom('incidents')
      .selectAll()
      .where('state', '=', 'open')
      .where('alerted_at', 'is not', null)
      .where('alerted_at', '<=', alertedBefore)
      .where('reminded_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toIncident);
  }

  /** True for exactly one caller per incident. */
  async claimAlert(id: number, now: number): Promise<boolean> {
    const r = await this.db.updateTable('incidents').set({ alerted_at: now }).where('id', '=', id).where('state', '=', 'open').where('alerted_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Gives a claim back when the alert could not be delivered, so the next sweep retries. */
  async releaseAlert(id: number, claimedAt: number): Promise<void> {
    await this.db.updateTable('incidents').set({ alerted_at: null }).where('id', '=', id).where('alerted_at', '=', claimedAt).where('alert_chat_id', 'is', null).execute();
  }

  async setAlertChat(id: number, chatId: string): Promise<void> {
    await this.db.updateTable('incidents').set({ alert_chat_id: chatId }).where('id', '=', id).execute();
  }

  async claimReminder(id: number, now: number): Promise<boolean> {
    const r = await this.db.updateTable('incidents').set({ reminded_at: now }).where('id', '=', id).where('state', '=', 'open').where('reminded_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async releaseReminder(id: number, claimedAt: number): Promise<void> {
    await this.db.updateTable('incidents').set({ reminded_at: null }).where('id', '=', id).where('reminded_at', '=', claimedAt).execute();
  }

  async alertChat(tenantId: string): Promise<string | null> {
    const r = await this.db.selectFrom('bot_state').select('value').where('key', '=', alertChatKey(tenantId)).executeTakeFirst();
    if (!r) return null;
    const v = JSON.parse(r.value) as { chatId?: unknown };
    return typeof v.chatId === 'string' ? v.chatId : null;
  }

  async setAlertChatOf(tenantId: string, chatId: string, now: number): Promise<void> {
    const value = JSON.stringify({ chatId });
    await this.db
      .insertInto('bot_state')
      .values({ key: alertChatKey(tenantId), tenant_id: tenantId, value, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
      .execute();
  }

  /** A one-shot notice (e.g. "expires within 7 days" for one token version): true for the first caller only. */
  async claimOnce(tenantId: string, job: string, owner: string, now: number): Promise<boolean> {
    const r = await this.db
      .insertInto('job_leases')
      .values({ tenant_id: tenantId, job, owner, lease_until: FOREVER, last_run_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'job']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async releaseOnce(tenantId: string, job: string, owner: string): Promise<void> {
    await releaseJobLease(this.db, tenantId, job, owner);
  }

  /** A periodic job's turn: true when the previous lease has run out (then we hold it until `until`). */
  async acquireLease(tenantId: string, job: string, owner: string, now: number, until: number): Promise<boolean> {
    return acquireJobLease(this.db, tenantId, job, owner, now, until);
  }

}

function toIncident(r: Selectable<IncidentTable>): AlertIncident {
  return {
    id: Number(r.id),
    tenantId: r.tenant_id,
    kind: r.kind,
    fixableByToken: Number(r.fixable_by_token) === 1,
    state: r.state,
    reason: r.reason,
    metaCode: r.meta_code === null ? null : Number(r.meta_code),
    tokenCause: r.token_cause ?? null,
    openedAt: Number(r.opened_at),
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    alertedAt: r.alerted_at === null ? null : Number(r.alerted_at),
    remindedAt: r.reminded_at === null ? null : Number(r.reminded_at),
    alertChatId: r.alert_chat_id,
  };
}
