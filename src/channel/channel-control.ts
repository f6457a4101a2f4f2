// ChannelControl for the bot, links and playground: a snapshot of one tenant's channel
// and a way to wake the sender.
import type { ChannelControl, ChannelStatus } from './channel-types';
import type { CircuitStateRepo } from '../store/circuit-state-repo';
import type { IncidentRepo } from '../store/incident-repo';
import type { OutboxRepo } from '../store/outbox-repo';

export class ChannelControlImpl implements ChannelControl {
  constructor(
    private readonly state: CircuitStateRepo,
    private readonly incidents: IncidentRepo,
    private readonly outbox: OutboxRepo,
    private readonly kickSender: () => void,
  ) {}

  async status(tenantId: string): Promise<ChannelStatus> {
    const st = await this.state.get(tenantId);
    const incident = st?.incident_id ? await this.incidents.get(Number(st.incident_id)) : null;
    const counts = await this.outbox.countByState(tenantId);
    const paused = st?.paused === 1;
    return {
      tenantId,
      paused,
      pausedReason: paused ? (st?.paused_reason ?? null) : null,
      pausedSince: paused && st?.paused_since != null ? Number(st.paused_since) : null,
      incidentKind: paused ? (incident?.kind ?? null) : null,
      incidentId: paused ? (incident?.id ?? null) : null,
      fixableByToken: paused && incident ? incident.fixable_by_token === 1 : null,
      lastSuccessAt: st?.last_success_at != null ? Number(st.last_success_at) : null,
      queued: counts.waiting,
      failed: counts.failed,
    };
  }

  kick(_tenantId: string): void {
    // One sender serves every tenant; waking it is enough.
    this.kickSender();
  }
}
