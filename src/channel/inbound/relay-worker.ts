// Relays customers' WhatsApp messages into giosg through UMI (thread_id = the customer's
// wa_id). Claims take only each customer's oldest unrelayed message, so message N+1 never
// reaches giosg before N. Failures are retried with backoff and jitter, forever: a
// customer message is never dropped. Relaying does not depend on the outbox circuit.
import type { Services } from '../../services';
import type { InboundRepo, InboundRow } from '../../store/inbound-repo';
import type { ChannelTuning } from '../../config';
import { backoffMs } from '../backoff';
import { GiosgError } from '../../giosg/client';
import { relayRate, type IngestPressure } from '../ingest-pressure';
import type { InboundMedia } from '../media/inbound-media';

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** While webhooks keep arriving, a tick starts about this much of a second's relay rate at once. */
const SLICE_MS = 50;
/** A message held for a paused channel is looked at again this often (a resume wakes it sooner). */
const HOLD_RECHECK_MS = 5000;

export class RelayWorker {
  /** How far behind the relay was at its last claim (age of the oldest message it took). */
  private lagMs = 0;

  constructor(
    private readonly s: Services,
    private readonly repo: InboundRepo,
    private readonly tuning: ChannelTuning,
    /** While webhooks keep arriving, relaying is paced (channel/ingest-pressure.ts). */
    private readonly pressure: IngestPressure,
    /** Fetches a message's media and uploads it to giosg (channel/media/inbound-media.ts). */
    private readonly media?: InboundMedia,
  ) {}

  async tick(): Promise<boolean> {
    const started = Date.now();
    // Under a burst, a slice of the rate its lag allows; the rest of the slice's time goes
    // to acknowledging webhooks. Otherwise a full batch at once, as fast as giosg answers.
    const paced = this.pressure.busy;
    const rate = relayRate(this.lagMs);
    const limit = paced ? Math.max(1, Math.min(this.tuning.batchSize, Math.floor((rate * SLICE_MS) / 1000))) : this.tuning.batchSize;
    const now = this.s.clock.now();
    const rows = await this.repo.claim(this.s.instanceId, now, this.tuning.leaseMs, limit);
    if (rows.length === 0) {
      this.lagMs = 0;
      return false;
    }
    this.lagMs = Math.max(0, now - Math.min(...rows.map((r) => r.created_at)));
    // Claimed rows belong to distinct customers, so they may go in parallel.
    const ok = await Promise.all(rows.map((r) => this.relayOne(r)));
    // giosg's intake is idempotent on external_message_id, so marking a tick's successes
    // together only widens a window in which a crash costs nothing.
    await this.repo.markRelayed(
      rows.filter((_, i) => ok[i]).map((r) => r.id),
      this.s.instanceId,
      this.s.clock.now(),
    );
    if (paced) await pause((rows.length / rate) * 1000 - (Date.now() - started));
    return true;
  }

  async releaseOwned(): Promise<void> {
    await this.repo.releaseOwned(this.s.instanceId);
  }

  /** True when giosg accepted the message. */
  private async relayOne(row: InboundRow): Promise<boolean> {
    const owner = this.s.instanceId;
    try {
      const tenant = await this.s.tenants.get(row.tenant_id);
      if (!tenant) throw new Error('tenant no longer exists');
      if (!tenant.giosgUmiChannelId) throw new Error('tenant has no giosg UMI channel configured');
      const content = row.media && this.media ? await this.media.prepare(row, tenant) : { held: false as const, text: row.text };
      if (content.held) {
        await this.repo.holdForPause(row.id, owner, this.s.clock.now() + HOLD_RECHECK_MS);
        return false;
      }
      await this.s.giosgFor(tenant).umiSendMessage(tenant.giosgOrganizationId, tenant.giosgUmiChannelId, {
        thread_id: row.wa_id,
        text: content.text,
        ...(content.attachments ? { attachments: content.attachments } : {}),
        ...(row.profile_name ? { sender_name: row.profile_name } : {}),
        // UMI intake is idempotent on this id, so a crash after giosg accepted does not double-post.
        external_message_id: row.wa_message_id,
      });
      this.s.metrics.relays.inc({ result: 'ok' });
      return true;
    } catch (err) {
      const e = err as Error;
      const retryAfter = err instanceof GiosgError ? (err.retryAfterMs ?? 0) : 0;
      const delay = Math.max(retryAfter, backoffMs(row.attempts, this.tuning));
      this.s.metrics.relays.inc({ result: err instanceof GiosgError ? err.kind : 'error' });
      this.s.logger.warn({ tenant: row.tenant_id, inbound: row.id, attempts: row.attempts + 1, retryInMs: delay, err: { name: e?.name, message: e?.message } }, 'relay to giosg failed; will retry');
      await this.repo.retryLater(row.id, owner, this.s.clock.now() + delay, e?.message ?? String(err));
      return false;
    }
  }
}
