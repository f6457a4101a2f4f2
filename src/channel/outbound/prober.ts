// While a channel is paused, tries the current token against Meta every probeIntervalMs
// (GET the phone number, harmless to the customer). If it works again — Meta fixed
// something, or another instance swapped the token — sending resumes by itself.
// An account cut-off reported by Meta's webhook (account_update) is not probed: only
// Meta's ACCOUNT_RECONNECTED clears it, since the phone number stays readable meanwhile.
import type { Services } from '../../services';
import { HOLD_REASONS, type CircuitStateRepo } from '../../store/circuit-state-repo';
import type { ChannelTuning } from '../../config';
import type { ChannelCircuit } from './circuit';
import { GraphError } from '../../meta/graph-errors';

export class ChannelProber {
  constructor(
    private readonly s: Services,
    private readonly state: CircuitStateRepo,
    private readonly circuit: ChannelCircuit,
    private readonly tuning: ChannelTuning,
  ) {}

  async tick(): Promise<boolean> {
    const now = this.s.clock.now();
    for (const st of await this.state.pausedTenants()) {
      if (st.paused_reason === 'account_update' || (HOLD_REASONS as readonly (string | null)[]).includes(st.paused_reason)) continue;
      if (st.next_probe_at !== null && Number(st.next_probe_at) > now) continue;
      await this.probe(st.tenant_id);
    }
    return false;
  }

  private async probe(tenantId: string): Promise<void> {
    const now = this.s.clock.now();
    // Claim the probe slot first, so instances and a slow probe do not pile up.
    await this.state.setNextProbe(tenantId, now + this.tuning.probeIntervalMs, now);
    const tenant = await this.s.tenants.get(tenantId);
    const current = await this.s.vault.current(tenantId);
    if (!tenant || !current) return;
    try {
      await this.s.graph.probePhone({ phoneNumberId: tenant.phoneNumberId, token: current.token, appSecret: tenant.metaAppSecret });
    } catch (err) {
      const e = err as GraphError;
      this.s.logger.info({ tenant: tenantId, class: e?.errorClass, metaCode: e?.code }, 'probe: token still refused; channel stays paused');
      return;
    }
    await this.circuit.resume(tenantId, 'probe');
  }
}
