// SQL for the per-tenant circuit: paused or not, why, and when to probe next. The pause
// and resume writes are conditional so that only one caller wins each transition.
import type { Kysely } from 'kysely';
import type { ChannelStateTable, Database } from './schema';

export type CircuitStateRow = ChannelStateTable;

/**
 * Pauses that no token swap, probe or reconnect may lift: the giosg App is uninstalled, or
 * its setup is not finished. Only releaseHold() with the same reason ends one.
 */
export const HOLD_REASONS = ['app_uninstalled', 'awaiting_setup'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

export class CircuitStateRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(tenantId: string): Promise<CircuitStateRow | null> {
    const r = await this.db.selectFrom('channel_state').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    return r ?? null;
  }

  async pausedTenants(): Promise<CircuitStateRow[]> {
    return this.db.selectFrom('channel_state').selectAll().where('paused', '=', 1).execute();
  }

  /** Opens the circuit. Returns true when it was closed before (this caller paused it). */
  async pause(tenantId: string, reason: string, incidentId: number, now: number, nextProbeAt: number): Promise<boolean> {
    await this.ensure(tenantId, now);
    const res = await this.db
      .updateTable('channel_state')
      .set({ paused: 1, paused_reason: reason, paused_since: now, incident_id: incidentId, next_probe_at: nextProbeAt, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('paused', '=', 0)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Closes the circuit. Returns true when it was open (this caller resumed it). */
  async resume(tenantId: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('channel_state')
      .set({ paused: 0, paused_reason: null, paused_since: null, incident_id: null, next_probe_at: null, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('paused', '=', 1)
      .where((eb) => eb.or([eb('paused_reason', 'is', null), eb('paused_reason', 'not in', [...HOLD_REASONS])]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Holds every reply of the tenant (kept queued), whatever paused it before. */
  async hold(tenantId: string, reason: HoldReason, now: number): Promise<void> {
    await this.ensure(tenantId, now);
    await this.db
      .updateTable('channel_state')
      .set({ paused: 1, paused_reason: reason, paused_since: now, next_probe_at: null, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .execute();
  }

  /** Ends a hold of this reason. Returns true when this caller lifted it. */
  async releaseHold(tenantId: string, reason: HoldReason, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('channel_state')
      .set({ paused: 0, paused_reason: null, paused_since: null, incident_id: null, next_probe_at: null, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('paused_reason', '=', reason)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async setNextProbe(tenantId: string, at: number, now: number): Promise<void> {
    await this.db.updateTable('channel_state').set({ next_probe_at: at, updated_at: now }).where('tenant_id', '=', tenantId).execute();
  }

  async noteSuccess(tenantId: string, now: number): Promise<void> {
    await this.ensure(tenantId, now);
    await this.db.updateTable('channel_state').set({ last_success_at: now, updated_at: now }).where('tenant_id', '=', tenantId).execute();
  }

  private async ensure(tenantId: string, now: number): Promise<void> {
    await this.db
      .insertInto('channel_state')
      .values({ tenant_id: tenantId, paused: 0, paused_reason: null, paused_since: null, incident_id: null, last_success_at: null, next_probe_at: null, updated_at: now })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .execute();
  }
}
