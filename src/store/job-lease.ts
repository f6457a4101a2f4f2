// SQL for the job_leases table: a periodic job's turn held by one process until a time.
// Shared by the bot's per-tenant jobs (bot-alerts.ts) and the channel's single-instance
// workers (delivery-tick-repo.ts).
import type { Kysely } from 'kysely';
import type { Database } from './schema';

/**
 * True when `owner` now holds (tenantId, job) until `until`: the row was free, the previous
 * lease has run out, or, with `renewOwn`, `owner` held it already. Without `renewOwn` a
 * holder waits for its own lease to run out, which spaces a periodic job's runs.
 */
export async function acquireJobLease(db: Kysely<Database>, tenantId: string, job: string, owner: string, now: number, until: number, renewOwn = false): Promise<boolean> {
  const inserted = await db
    .insertInto('job_leases')
    .values({ tenant_id: tenantId, job, owner, lease_until: until, last_run_at: now })
    .onConflict((oc) => oc.columns(['tenant_id', 'job']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return true;
  const updated = await db
    .updateTable('job_leases')
    .set({ owner, lease_until: until, last_run_at: now })
    .where('tenant_id', '=', tenantId)
    .where('job', '=', job)
    .where((eb) => (renewOwn ? eb.or([eb('owner', '=', owner), eb('lease_until', '<=', now)]) : eb('lease_until', '<=', now)))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Gives the turn back (only the holder's row goes). */
export async function releaseJobLease(db: Kysely<Database>, tenantId: string, job: string, owner: string): Promise<void> {
  await db.deleteFrom('job_leases').where('tenant_id', '=', tenantId).where('job', '=', job).where('owner', '=', owner).execute();
}
