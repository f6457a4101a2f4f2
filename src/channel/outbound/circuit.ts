// The per-tenant circuit breaker. Trip: open an incident (once, whoever races) and pause
// sending; replies stay queued. Resume: close the circuit and mark where the held backlog
// ends; the incident resolves once that backlog is out. State lives in the database so
// every instance agrees; the in-memory set only spares the senders a query per send.
import type { Services } from '../../services';
import type { IncidentRepo, IncidentRow } from '../../store/incident-repo';
import type { CircuitStateRepo } from '../../store/circuit-state-repo';
import type { OutboxRepo } from '../../store/outbox-repo';
import type { IncidentEvent } from '../../events';
import type { ChannelTuning } from '../../config';
import type { TokenCause } from '../../meta/token-causes';

/** Incident kinds that pause the channel. account_update comes from Meta's webhook, the rest from sends. */
export const PAUSING_KINDS = ['token', 'permission', 'account', 'account_update'];

export interface TripInput {
  kind: string;
  fixableByToken: boolean;
  reason: string | null;
  metaCode: number | null;
  tokenCause?: TokenCause | null;
}

export class ChannelCircuit {
  private readonly paused = new Set<string>();

  constructor(
    private readonly s: Services,
    private readonly incidents: IncidentRepo,
    private readonly state: CircuitStateRepo,
    private readonly outbox: OutboxRepo,
    private readonly tuning: ChannelTuning,
    private readonly kickSender: () => void,
  ) {}

  isPaused(tenantId: string): boolean {
    return this.paused.has(tenantId);
  }

  /** Re-reads which tenants are paused: another instance may have tripped or resumed. */
  async refresh(): Promise<void> {
    const now = new Set((await this.state.pausedTenants()).map((r) => r.tenant_id));
    for (const id of [...this.paused]) if (!now.has(id)) this.markPaused(id, false);
    for (const id of now) if (!this.paused.has(id)) this.markPaused(id, true);
  }

  async trip(tenantId: string, t: TripInput): Promise<IncidentRow> {
    const now = this.s.clock.now();
    const { incident, created } = await this.incidents.open(
      { tenantId, kind: t.kind, fixableByToken: t.fixableByToken, reason: t.reason, metaCode: t.metaCode, tokenCause: t.tokenCause ?? null },
      now,
    );
    // A backlog mark from an earlier resume no longer holds: the channel stopped again.
    if (!created && incident.delivered_after !== null) await this.incidents.setBacklogWatermark([incident.id], null);
    const pausedNow = await this.state.pause(tenantId, t.kind, incident.id, now, now + this.tuning.probeIntervalMs);
    this.markPaused(tenantId, true);
    if (pausedNow) this.s.logger.warn({ tenant: tenantId, kind: t.kind, metaCode: t.metaCode, incident: incident.id }, 'channel paused');
    // Only the process that created the incident announces it: one alert per incident.
    if (created) this.s.events.emit('incident.opened', toEvent(incident));
    return incident;
  }

  /** Closes the circuit (token changed, probe succeeded, account reconnected). */
  async resume(tenantId: string, why: string, keepIfReason?: string): Promise<boolean> {
    const now = this.s.clock.now();
    if (keepIfReason !== undefined && (await this.state.get(tenantId))?.paused_reason === keepIfReason) return false;
    const resumed = await this.state.resume(tenantId, now);
    this.markPaused(tenantId, false);
    if (resumed) {
      const open = await this.incidents.openFor(tenantId, PAUSING_KINDS);
      const watermark = await this.outbox.maxId(tenantId);
      await this.incidents.setBacklogWatermark(open.map((i) => i.id), watermark);
      this.s.logger.info({ tenant: tenantId, why, heldUpTo: watermark }, 'channel resumed');
    }
    this.kickSender();
    return resumed;
  }

  /** Resolves incidents whose held backlog has gone out. Called by the sender after each pass. */
  async resolveDrained(): Promise<void> {
    const draining = await this.incidents.draining(PAUSING_KINDS);
    for (const inc of draining) {
      if (this.paused.has(inc.tenant_id)) continue;
      const st = await this.state.get(inc.tenant_id);
      if (st?.paused === 1) continue;
      const watermark = Number(inc.delivered_after);
      if ((await this.outbox.unsentUpTo(inc.tenant_id, watermark)) > 0) continue;
      const now = this.s.clock.now();
      const heldDelivered = await this.outbox.deliveredSince(inc.tenant_id, watermark, Number(inc.opened_at));
      if (!(await this.incidents.resolve(inc.id, now))) continue;
      this.s.logger.info({ tenant: inc.tenant_id, incident: inc.id, heldDelivered }, 'incident resolved');
      this.s.events.emit('incident.resolved', { ...toEvent(inc), resolvedAt: now, heldDelivered });
    }
  }

  private markPaused(tenantId: string, paused: boolean): void {
    if (paused) this.paused.add(tenantId);
    else this.paused.delete(tenantId);
    this.s.metrics.channelPaused.set({ tenant: tenantId }, paused ? 1 : 0);
  }
}

export function toEvent(i: IncidentRow): IncidentEvent {
  return {
    tenantId: i.tenant_id,
    incidentId: i.id,
    kind: i.kind,
    fixableByToken: i.fixable_by_token === 1,
    reason: i.reason,
    metaCode: i.meta_code,
    openedAt: Number(i.opened_at),
  };
}
