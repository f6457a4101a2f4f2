// Turns stored Meta webhooks into work: customer messages into inbound_messages (relay
// queue), delivery statuses into status_events and outbox rows, account_update events
// into incidents. Webhooks are read into plans first (pure: parse + validate), then a
// batch of them is applied in one transaction that also marks them processed, so a crash
// redoes the whole batch; every insert is deduplicated, so redoing it (or two instances
// doing it) is harmless. Side effects that leave the database (incident events, pausing)
// run after the commit and are themselves idempotent.
import type { Services } from '../../services';
import type { WebhookRepo, WebhookEventRow } from '../../store/webhook-repo';
import type { WebhookApplyRepo, ApplyItem, ApplyResult } from '../../store/webhook-apply-repo';
import type { ChannelCircuit } from '../outbound/circuit';
import type { Tenant } from '../../vault/tenants';
import { classifyMetaError, PAUSING_CLASSES, TOKEN_FIXABLE } from '../../meta/error-classes';
import { planWebhook, WebhookPlan } from './webhook-plan';
import { isDatabaseUnavailable } from '../../store/db-errors';
import type { IngestPressure } from '../ingest-pressure';
import type { QuoteRepo } from '../../store/quote-repo';
import type { CustomerKeys } from './customer-keys';

/** account_update events that cut the channel off (DESIGN.md section 4). */
export const CUTOFF_EVENTS = new Set(['PARTNER_APP_UNINSTALLED', 'DISABLED_UPDATE', 'ACCOUNT_DELETED', 'ACCOUNT_OFFBOARDED']);
export const RECONNECTED_EVENT = 'ACCOUNT_RECONNECTED';

type Effect =
  | { kind: 'trip'; cls: string; fixable: boolean; reason: string | null; code: number | null; cutoffEvent?: string }
  | { kind: 'resume' }
  | { kind: 'failed'; outboxId: number; giosgChatId: string | null; code: number | null; reason: string };

export interface ProcessorDeps {
  webhooks: WebhookRepo;
  apply: WebhookApplyRepo;
  circuit: ChannelCircuit;
  kickRelay(): void;
  kickSender(): void;
  /** While webhooks keep arriving, processing steps aside between batches (channel/ingest-pressure.ts). */
  pressure: IngestPressure;
  /** Texts of earlier messages, for replies and reactions that quote them. */
  quotes: QuoteRepo;
  /** Turns the ids a customer came with into their thread key (customer-keys.ts). */
  customers: CustomerKeys;
}

const RETRY_FAILED_AFTER_MS = 30_000;
/** Rows read per tick. */
const READ_LIMIT = 500;
/** Webhooks per transaction: when idle, and while webhooks keep arriving (shorter turns). */
const BATCH = 200;
const BATCH_UNDER_INGEST = 25;

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Planned {
  row: WebhookEventRow;
  tenant: Tenant | undefined;
  plan: WebhookPlan;
}

export class WebhookProcessor {
  /** Events that failed here: skipped until their retry time so one bad row cannot spin the loop. */
  private readonly failedUntil = new Map<number, number>();

  constructor(
    private readonly s: Services,
    private readonly d: ProcessorDeps,
  ) {}

  async tick(): Promise<boolean> {
    const now = this.s.clock.now();
    const rows = (await this.d.webhooks.unprocessed(READ_LIMIT)).filter((r) => (this.failedUntil.get(r.id) ?? 0) <= now);
    let done = 0;
    let i = 0;
    let lastBatchMs = 0;
    while (i < rows.length) {
      // better-sqlite3 is synchronous, so a batch runs in one event-loop turn and holds
      // every incoming webhook's acknowledgement behind it. While webhooks keep arriving,
      // batches are short and acknowledging comes first: the stored log absorbs a burst.
      const busy = this.d.pressure.busy;
      if (busy) {
        const share = this.d.pressure.share(now - rows[i].received_at);
        await pause(Math.max(1, Math.ceil((lastBatchMs * (1 - share)) / share)));
      } else {
        await yieldToIo();
      }
      const size = busy ? BATCH_UNDER_INGEST : BATCH;
      const batch = rows.slice(i, i + size);
      i += batch.length;
      const started = performance.now();
      done += await this.processBatch(batch);
      lastBatchMs = performance.now() - started;
      this.d.pressure.noteBackground(lastBatchMs);
    }
    return done > 0;
  }

  /** Returns how many events this process applied. */
  private async processBatch(rows: WebhookEventRow[]): Promise<number> {
    const planned: Planned[] = [];
    for (const row of rows) {
      const tenant = await this.s.tenants.get(row.tenant_id);
      if (!tenant) {
        // A tenant removed since: the event is kept (processed, nothing to do) like before.
        planned.push({ row, tenant: undefined, plan: { inbound: [], statuses: [], accountEvents: [], foreignPhoneIds: [], quoteIds: [], customers: [] } });
        continue;
      }
      let p = planWebhook(tenant, row.body);
      // Rare (replies and reactions): a second, pure pass with the quoted texts looked up.
      if (p.ok && p.plan.quoteIds.length > 0) p = planWebhook(tenant, row.body, await this.d.quotes.textsOf(tenant.id, p.plan.quoteIds));
      if (p.ok) {
        // Written before the batch's transaction; idempotent, so a redone batch finds the same keys.
        for (const [i, ids] of p.plan.customers.entries()) p.plan.inbound[i].waId = await this.d.customers.keyOf(tenant.id, ids, this.s.clock.now());
        planned.push({ row, tenant, plan: p.plan });
      }
      else await this.fail(row, new Error(p.error));
    }
    if (planned.length === 0) return 0;
    try {
      return await this.applyAndAct(planned);
    } catch (err) {
      // The database itself is away (restart, disk full): no row is to blame. The tick fails,
      // the loop retries shortly, and every row stays due.
      if (isDatabaseUnavailable(err)) throw err;
      if (planned.length === 1) {
        await this.fail(planned[0].row, err);
        return 0;
      }
      // One event the database refuses must not hold its neighbours back: retry them alone.
      let done = 0;
      for (const p of planned) {
        try {
          done += await this.applyAndAct([p]);
        } catch (e) {
          if (isDatabaseUnavailable(e)) throw e;
          await this.fail(p.row, e);
        }
      }
      return done;
    }
  }

  private async applyAndAct(planned: Planned[]): Promise<number> {
    const items: ApplyItem[] = planned.map((p) => ({ id: p.row.id, inbound: p.plan.inbound, statuses: p.plan.statuses }));
    const result = await this.d.apply.apply(items, this.s.clock.now());
    let statusChanged = false;
    const effects: { tenant: Tenant; effects: Effect[] }[] = [];
    for (const p of planned) {
      this.failedUntil.delete(p.row.id);
      if (!result.taken.has(p.row.id) || !p.tenant) continue;
      for (const phoneNumberId of p.plan.foreignPhoneIds) {
        this.s.logger.warn({ tenant: p.tenant.id, phoneNumberId }, 'webhook for a phone number this tenant does not serve; ignored');
      }
      const e = this.effectsOf(p, result);
      if (e.changed) statusChanged = true;
      if (e.effects.length > 0) effects.push({ tenant: p.tenant, effects: e.effects });
    }
    if (result.inboundAdded > 0) this.d.kickRelay();
    if (statusChanged) this.d.kickSender();
    for (const { tenant, effects: list } of effects) await this.apply(tenant, list);
    return result.taken.size;
  }

  private effectsOf(p: Planned, result: ApplyResult): { effects: Effect[]; changed: boolean } {
    const effects: Effect[] = [];
    let changed = false;
    const outcomes = result.statuses.get(p.row.id) ?? [];
    p.plan.statuses.forEach((st, i) => {
      const o = outcomes[i];
      if (!o?.isNew) return;
      if (o.changed) changed = true;
      if (st.status !== 'failed') return;
      const cls = st.errorCode !== null ? classifyMetaError(st.errorCode, undefined, st.errorMessage ?? undefined) : 'message';
      if (PAUSING_CLASSES.has(cls)) {
        effects.push({ kind: 'trip', cls, fixable: TOKEN_FIXABLE.has(cls), reason: st.errorReason, code: st.errorCode });
      }
      if (o.changed) effects.push({ kind: 'failed', outboxId: o.changed.id, giosgChatId: o.changed.giosgChatId, code: st.errorCode, reason: st.errorReason ?? '' });
    });
    for (const event of p.plan.accountEvents) {
      if (CUTOFF_EVENTS.has(event)) effects.push({ kind: 'trip', cls: 'account_update', fixable: false, reason: event, code: null, cutoffEvent: event });
      else if (event === RECONNECTED_EVENT) effects.push({ kind: 'resume' });
    }
    return { effects, changed };
  }

  private async fail(row: WebhookEventRow, err: unknown): Promise<void> {
    const e = err as Error;
    this.failedUntil.set(row.id, this.s.clock.now() + RETRY_FAILED_AFTER_MS);
    this.s.logger.error({ webhookEvent: row.id, tenant: row.tenant_id, err: { name: e?.name, message: e?.message } }, 'webhook processing failed; will retry');
    await this.d.webhooks.markFailed(row.id, e?.message ?? String(err)).catch(() => undefined);
  }

  private async apply(tenant: Tenant, effects: Effect[]): Promise<void> {
    for (const e of effects) {
      if (e.kind === 'trip') {
        const inc = await this.d.circuit.trip(tenant.id, { kind: e.cls, fixableByToken: e.fixable, reason: e.reason, metaCode: e.code });
        if (e.cutoffEvent) this.s.events.emit('account.cutoff', { tenantId: tenant.id, event: e.cutoffEvent, incidentId: inc.id });
      } else if (e.kind === 'resume') {
        await this.d.circuit.resume(tenant.id, RECONNECTED_EVENT);
      } else {
        this.s.events.emit('message.failed', { tenantId: tenant.id, outboxId: e.outboxId, giosgChatId: e.giosgChatId, code: e.code, reason: e.reason });
      }
    }
  }
}
