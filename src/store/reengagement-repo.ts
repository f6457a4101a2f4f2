// SQL for sending re-engagement templates (channel/window/reengagement-sender.ts): claim
// the due ones under a lease (several instances on PostgreSQL each take different rows),
// record Meta's answer, and find a template's row again when its status webhook fails.
// The customer answering closes the row elsewhere (window-repo.ts release → 'answered');
// every write here is conditional on the row still being ours in the state we left it.
import type { Kysely } from 'kysely';
import type { Database } from './schema';
import type { ReengagementRow } from './window-repo';

export class ReengagementRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Due pending rows, and 'sending' ones whose lease ran out (their process died), leased to `owner`. */
  async claim(owner: string, now: number, leaseMs: number, limit: number): Promise<ReengagementRow[]> {
    const candidates = await this.db
      .selectFrom('reengagements')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('state', '=', 'sending'), eb('lease_until', '<', now)]),
        ]),
      )
      .orderBy('id')
      .limit(limit)
      .execute();
    const claimed: ReengagementRow[] = [];
    for (const c of candidates) {
      const row = await this.db
        .updateTable('reengagements')
        .set({ state: 'sending', lease_owner: owner, lease_until: now + leaseMs, attempts: (eb) => eb('attempts', '+', 1), updated_at: now })
        .where('id', '=', c.id)
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
            eb.and([eb('state', '=', 'sending'), eb('lease_until', '<', now)]),
          ]),
        )
        .returningAll()
        .executeTakeFirst();
      if (row) claimed.push({ ...row, id: Number(row.id) });
    }
    return claimed;
  }

  async markSent(id: number, owner: string, wamid: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('reengagements')
      .set({ state: 'sent', wamid, lease_owner: null, lease_until: null, error_code: null, error_reason: null, updated_at: now })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'sending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Back to pending at `at` (throttled, transient, or the channel paused: attempts given back then). */
  async retryLater(id: number, owner: string, at: number, err: { code: number | null; reason: string } | null, now: number, giveBackAttempt = false): Promise<void> {
    await this.db
      .updateTable('reengagements')
      .set((eb) => ({
        state: 'pending',
        next_attempt_at: at,
        lease_owner: null,
        lease_until: null,
        ...(err ? { error_code: err.code, error_reason: err.reason.slice(0, 500) } : {}),
        ...(giveBackAttempt ? { attempts: eb('attempts', '-', 1) } : {}),
        updated_at: now,
      }))
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'sending')
      .execute();
  }

  /** Meta refused this template: try the next configured one, from a clean slate. */
  async switchTemplate(id: number, owner: string, next: { name: string; language: string; params: string[] }, err: { code: number | null; reason: string }, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('reengagements')
      .set({ state: 'pending', template_name: next.name, template_language: next.language, params: JSON.stringify(next.params), attempts: 0, next_attempt_at: now, lease_owner: null, lease_until: null, error_code: err.code, error_reason: err.reason.slice(0, 500), updated_at: now })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'sending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async markFailed(id: number, owner: string, err: { code: number | null; reason: string }, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('reengagements')
      .set({ state: 'failed', lease_owner: null, lease_until: null, error_code: err.code, error_reason: err.reason.slice(0, 500), updated_at: now })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'sending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** A sent template's status webhook said 'failed': the row fails, returned once (null for redeliveries and unknown ids). */
  async failSent(db: Kysely<Database>, tenantId: string, wamid: string, code: number | null, reason: string | null, now: number): Promise<ReengagementRow | null> {
    const row = await db
      .updateTable('reengagements')
      .set({ state: 'failed', error_code: code, error_reason: reason?.slice(0, 500) ?? null, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('wamid', '=', wamid)
      .where('state', '=', 'sent')
      .returningAll()
      .executeTakeFirst();
    return row ? { ...row, id: Number(row.id) } : null;
  }

  async get(id: number): Promise<ReengagementRow | null> {
    const r = await this.db.selectFrom('reengagements').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? { ...r, id: Number(r.id) } : null;
  }

  /** Open re-engagements per state for one tenant (the bot's status). */
  async countsByState(tenantId: string): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('reengagements')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('tenant_id', '=', tenantId)
      .where('state', 'in', ['pending', 'sending', 'sent', 'no_template', 'failed'])
      .groupBy('state')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}
