// The outbox sender: claims due queue heads, sends each through the phone number's rate
// limiter with the token read from the vault on that very attempt, and acts on Meta's
// answer by error class (DESIGN.md section 4):
//   token / permission → trip the circuit (pause, incident); the row goes back untouched
//   account            → the same, but the incident is not fixable by a new token
//   throttled/transient→ retry later with backoff and jitter; the row stays its
//                        recipient's head, so order is kept
//   message            → that row fails with Meta's reason; the agent is told; others go on
//
// The one duplicate window: Meta accepted a message and the process dies before
// its acceptance is committed. The row is still 'sending' with a lease; after the lease expires
// (or at once on SQLite restart) it is sent again, so that customer gets it twice. The
// window is a single send's round trip plus one local write (shared by the sends that
// finished within 5 ms of each other, accepted-batch.ts).
import type { CustomerKeys } from '../inbound/customer-keys';
import type { Services } from '../../services';
import type { OutboxRepo, OutboxRow } from '../../store/outbox-repo';
import type { DeliveryStatusRepo } from '../../store/delivery-status-repo';
import type { CircuitStateRepo } from '../../store/circuit-state-repo';
import type { ChannelTuning } from '../../config';
import type { Tenant } from '../../vault/tenants';
import { GraphError } from '../../meta/graph-errors';
import { TOKEN_FIXABLE, PAUSING_CLASSES } from '../../meta/error-classes';
import { tokenCause } from '../../meta/token-causes';
import { ChannelCircuit } from './circuit';
import { PhoneRateLimiters } from './rate-limiters';
import { backoffMs } from '../backoff';
import { AcceptedBatch } from './accepted-batch';
import { MediaRefused, type OutboundMedia } from '../media/outbound-media';
import type { ReadMarker } from './read-marker';

class ChannelPausedSkip extends Error {}
/** The row waited in the limiter past its lease and another instance has taken it over. */
class LeaseLost extends Error {}

const DEPTH_REFRESH_MS = 1000;
/**
 * The lease a send must still have when it starts: the Graph call's timeout (10 s) and the
 * write of Meta's answer fit in it, so no other instance can take the row over while it is
 * in flight. Half the default lease (60 s) is more; a short WORKER_LEASE_MS (drills, tests)
 * is extended to this for the send. Found with a 3 s lease on a slow, loaded machine: a
 * send checked with 1.5 s left took longer than that to start and be recorded (its writes
 * waited in a busy connection pool), another instance claimed the row meanwhile, and the
 * customer got the reply twice (test/scale/multi-instance.test.ts, case b).
 */
const IN_FLIGHT_GUARD_MS = 15_000;
const SUCCESS_NOTE_MS = 5000;
/** Waits between tries to record an accepted send: ~5 s in all, which with the Graph call's 10 s timeout stays inside the 15 s guard. */
const RECORD_RETRY_MS = [50, 200, 1000, 3500];

export class OutboxSender {
  private lastDepthAt = 0;
  private readonly knownTenants = new Set<string>();
  private readonly lastSuccessNoted = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly accepted: AcceptedBatch;

  constructor(
    private readonly s: Services,
    private readonly outbox: OutboxRepo,
    private readonly statuses: DeliveryStatusRepo,
    private readonly state: CircuitStateRepo,
    private readonly circuit: ChannelCircuit,
    private readonly limiters: PhoneRateLimiters,
    private readonly tuning: ChannelTuning,
    /** Sends replies that carry an attachment (channel/media/outbound-media.ts). */
    private readonly media?: OutboundMedia,
    /** Where a thread's replies go: its newest phone number or its BSUID (channel/inbound/customer-keys.ts). */
    private readonly customers?: CustomerKeys,
    /** Marks the customer's latest message read just before the reply (read-marker.ts). */
    private readonly readMarker?: ReadMarker,
  ) {
    this.accepted = new AcceptedBatch(outbox);
  }

  /** Called when a send finishes (room for another claim): wakes the loop. */
  onSendDone: () => void = () => undefined;

  /** Meta refused a free-form reply outside the customer's window (131047): true when it was held instead (channel/window/). */
  onWindowClosed: (tenant: Tenant, row: OutboxRow, owner: string) => Promise<boolean> = async () => false;

  /**
   * Claims as many queue heads as there is room for and starts sending them without
   * waiting for them: a send that hangs until its timeout (10 s) must not hold up every
   * other customer's reply behind it. A recipient's next row is not claimable while its
   * head is being sent, so order per customer holds.
   */
  async tick(): Promise<boolean> {
    await this.circuit.refresh();
    const room = this.tuning.batchSize - this.inFlight.size;
    const claimedAt = this.s.clock.now();
    const rows = room > 0 ? await this.outbox.claim(this.s.instanceId, claimedAt, this.tuning.leaseMs, room) : [];
    // Claimed rows are heads of distinct recipients: they may be sent in parallel.
    for (const row of rows) {
      const sending: Promise<void> = this.sendOne(row, claimedAt + this.tuning.leaseMs)
        .catch((err) => this.s.logger.error({ outbox: row.id, err: { name: (err as Error)?.name, message: (err as Error)?.message } }, 'send bookkeeping failed; the lease will expire and the row be retried'))
        .finally(() => {
          this.inFlight.delete(sending);
          this.onSendDone();
        });
      this.inFlight.add(sending);
    }
    await this.circuit.resolveDrained();
    await this.refreshDepth(rows.length > 0);
    return rows.length > 0;
  }

  /** Resolves when every send started so far has finished (graceful stop). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async releaseOwned(): Promise<void> {
    await this.outbox.releaseOwned(this.s.instanceId, this.s.clock.now());
  }

  private async sendOne(row: OutboxRow, leaseUntil: number): Promise<void> {
    const owner = this.s.instanceId;
    const tenant = await this.s.tenants.get(row.tenant_id);
    if (!tenant) {
      await this.outbox.retryLater(row.id, owner, this.s.clock.now() + this.tuning.backoffMaxMs, { cls: 'transient', code: null, reason: 'tenant not found' }, this.s.clock.now());
      return;
    }
    let versionId: number | null = null;
    let wamid: string;
    try {
      ({ wamid } = await this.limiters.for(tenant.phoneNumberId).schedule(async () => {
        // Re-checked here: the row may have waited in the limiter while the channel paused.
        if (this.circuit.isPaused(tenant.id)) throw new ChannelPausedSkip();
        if (!(await this.holdLease(row, leaseUntil))) throw new LeaseLost();
        const current = await this.s.vault.current(tenant.id);
        if (!current) throw new GraphError('no WhatsApp token in the vault', undefined, 190, undefined, 'No WhatsApp access token is stored for this channel', undefined);
        versionId = current.versionId;
        const to = this.customers ? await this.customers.addressOf(tenant.id, row.recipient) : row.recipient;
        await this.readMarker?.beforeReply(tenant, row.recipient, current.token);
        if (row.media && this.media) return this.media.send(tenant, { ...row, recipient: to }, current.token);
        return this.s.graph.sendText({ phoneNumberId: tenant.phoneNumberId, token: current.token, appSecret: tenant.metaAppSecret, to, body: row.body });
      }));
    } catch (err) {
      await this.onError(tenant, row, err, versionId);
      return;
    }
    // Meta has the message. A failure from here on must not send it again: the row is
    // never put back in the queue, only its record is retried (see recordAccepted).
    this.s.metrics.sends.inc({ class: 'ok' });
    // ← the duplicate window described above ends with this write.
    if (!(await this.recordAccepted(row, owner, wamid))) return;
    try {
      await this.afterAccepted(tenant, row, wamid);
    } catch (err) {
      const e = err as Error;
      this.s.logger.error({ tenant: tenant.id, outbox: row.id, err: { name: e?.name, message: e?.message } }, 'statuses that arrived before the send was recorded could not be applied to it; later ones are');
    }
  }

  /**
   * Writes Meta's acceptance, retrying a failed write a few times (a database restart, a
   * full disk freed). Before, a failed write put the row back in the queue and the customer
   * got the message again at once. If every try fails the row stays 'sending' under its
   * lease and is sent again only when that runs out: the crash window, not worse.
   */
  private async recordAccepted(row: OutboxRow, owner: string, wamid: string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.accepted.record(row.id, owner, wamid, this.s.clock.now());
        return true;
      } catch (err) {
        const e = err as { name?: string; message?: string; code?: unknown };
        if (attempt >= RECORD_RETRY_MS.length) {
          this.s.logger.error({ outbox: row.id, err: { name: e?.name, message: e?.message, code: e?.code } }, 'Meta accepted a reply but it could not be recorded; it will be sent again when its lease runs out');
          return false;
        }
        this.s.logger.warn({ outbox: row.id, err: { name: e?.name, message: e?.message, code: e?.code }, retryInMs: RECORD_RETRY_MS[attempt] }, 'recording an accepted reply failed; retrying the write');
        await new Promise((r) => setTimeout(r, RECORD_RETRY_MS[attempt]));
      }
    }
  }

  /**
   * A row can wait in the limiter (a busy shared budget) until its lease runs out, and
   * another instance may then claim and send it: sending it here too would be a duplicate.
   * With at least half the lease (and IN_FLIGHT_GUARD_MS) left nobody else can have it
   * until the send is recorded; otherwise the lease is renewed in the database, which
   * fails if another instance took the row over.
   */
  private async holdLease(row: OutboxRow, leaseUntil: number): Promise<boolean> {
    const now = this.s.clock.now();
    const needed = Math.max(this.tuning.leaseMs / 2, IN_FLIGHT_GUARD_MS);
    if (leaseUntil - now >= needed) return true;
    return this.outbox.renewLease(row.id, this.s.instanceId, now + Math.max(this.tuning.leaseMs, IN_FLIGHT_GUARD_MS), now);
  }

  private async onError(tenant: Tenant, row: OutboxRow, err: unknown, usedVersion: number | null): Promise<void> {
    const owner = this.s.instanceId;
    const now = this.s.clock.now();
    if (err instanceof LeaseLost) {
      this.s.logger.info({ tenant: tenant.id, outbox: row.id }, 'lease ran out while waiting for the rate limit; another instance has the row');
      return;
    }
    if (err instanceof ChannelPausedSkip) {
      await this.outbox.release(row.id, owner, now);
      return;
    }
    if (err instanceof MediaRefused) {
      this.s.logger.info({ tenant: tenant.id, outbox: row.id }, 'attachment cannot go to WhatsApp; the agent is told');
      await this.outbox.markFailed(row.id, owner, { cls: 'message', code: null, reason: err.reason }, now);
      this.s.events.emit('message.failed', { tenantId: tenant.id, outboxId: row.id, giosgChatId: row.giosg_chat_id, code: null, reason: err.reason });
      return;
    }
    if (!(err instanceof GraphError)) {
      const e = err as Error;
      this.s.logger.error({ tenant: tenant.id, outbox: row.id, err: { name: e?.name, message: e?.message } }, 'send failed unexpectedly; will retry');
      await this.outbox.retryLater(row.id, owner, now + backoffMs(row.attempts, this.tuning), { cls: 'transient', code: null, reason: e?.message ?? 'error' }, now);
      this.s.metrics.sends.inc({ class: 'transient' });
      return;
    }
    const cls = err.errorClass;
    this.s.metrics.sends.inc({ class: cls });
    const code = err.code ?? null;
    const reason = err.reason;
    if (PAUSING_CLASSES.has(cls)) {
      // A token swapped in while this send was in flight: the failure is the old token's.
      const current = await this.s.vault.current(tenant.id).catch(() => null);
      if (usedVersion !== null && current && current.versionId !== usedVersion && TOKEN_FIXABLE.has(cls)) {
        await this.outbox.release(row.id, owner, now);
        return;
      }
      this.s.logger.warn({ tenant: tenant.id, outbox: row.id, class: cls, metaCode: code }, 'send refused; pausing the channel');
      const cause = TOKEN_FIXABLE.has(cls) ? tokenCause({ code: err.code, subcode: err.subcode, message: err.message }) : null;
      // A reset app secret breaks every proof; a new token would fail the same way.
      const fixableByToken = TOKEN_FIXABLE.has(cls) && cause !== 'app_secret_changed';
      await this.circuit.trip(tenant.id, { kind: cls, fixableByToken, reason, metaCode: code, tokenCause: cause });
      await this.outbox.release(row.id, owner, now);
      return;
    }
    if (cls === 'message') {
      if (code === 131047 && (await this.onWindowClosed(tenant, row, owner))) return;
      this.s.logger.info({ tenant: tenant.id, outbox: row.id, metaCode: code }, 'reply refused by Meta for this message');
      await this.outbox.markFailed(row.id, owner, { cls, code, reason }, now);
      this.s.events.emit('message.failed', { tenantId: tenant.id, outboxId: row.id, giosgChatId: row.giosg_chat_id, code, reason });
      return;
    }
    const delay = backoffMs(row.attempts, this.tuning, code);
    this.s.logger.info({ tenant: tenant.id, outbox: row.id, class: cls, metaCode: code, retryInMs: delay }, 'send will be retried');
    await this.outbox.retryLater(row.id, owner, now + delay, { cls, code, reason }, now);
  }

  /** Statuses that overtook the send's answer are applied now that the wamid is known. */
  private async afterAccepted(tenant: Tenant, row: OutboxRow, wamid: string): Promise<void> {
    const now = this.s.clock.now();
    const last = this.lastSuccessNoted.get(tenant.id) ?? 0;
    if (now - last >= SUCCESS_NOTE_MS) {
      this.lastSuccessNoted.set(tenant.id, now);
      await this.state.noteSuccess(tenant.id, now);
    }
    const early = await this.statuses.forStatusId(this.s.store.db, tenant.id, wamid);
    for (const st of early) {
      const changed = await this.outbox.applyStatus(this.s.store.db, tenant.id, wamid, st.status, { code: st.error_code, reason: null }, now);
      if (changed && changed.state === 'failed') {
        this.s.events.emit('message.failed', { tenantId: tenant.id, outboxId: row.id, giosgChatId: row.giosg_chat_id, code: st.error_code, reason: '' });
      }
    }
  }

  private async refreshDepth(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastDepthAt < DEPTH_REFRESH_MS) return;
    if (force && now - this.lastDepthAt < DEPTH_REFRESH_MS / 4) return;
    this.lastDepthAt = now;
    const depth = await this.outbox.depthByTenant();
    for (const id of depth.keys()) this.knownTenants.add(id);
    for (const id of this.knownTenants) this.s.metrics.outboxDepth.set({ tenant: id }, depth.get(id) ?? 0);
  }
}
