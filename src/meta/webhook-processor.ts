// Turns stored Meta webhooks into work: customer messages into inbound_messages (relay
// queue), delivery statuses into status_events and outbox rows, account_update events
// into incidents. Each stored webhook is processed in one transaction and marked done in
// it, so a crash redoes the whole webhook; every insert is deduplicated, so redoing it
// (or two instances doing it) is harmless. Side effects that leave the database (incident
// events, pausing) run after the commit and are themselves idempotent.
import type { Kysely } from 'kysely';
import type { Services } from '../services';
import type { Database } from '../store/schema';
import type { WebhookRepo, WebhookEventRow } from '../store/webhook-repo';
import type { InboundRepo, NewInbound } from '../store/inbound-repo';
import type { ChannelStatusRepo } from '../store/channel-status-repo';
import type { OutboxRepo } from '../store/outbox-repo';
import type { ChannelCircuit } from '../outbox/circuit';
import type { Tenant } from '../vault/tenants';
import { translator } from '../i18n';
import { classifyMetaError, PAUSING_CLASSES, TOKEN_FIXABLE } from './error-classes';
import { validateWebhook, MessagesValue } from './webhook-schemas';
import { inboundText } from './inbound-text';

/** account_update events that cut the channel off (DESIGN.md section 4). */
export const CUTOFF_EVENTS = new Set(['PARTNER_APP_UNINSTALLED', 'DISABLED_UPDATE', 'ACCOUNT_DELETED', 'ACCOUNT_OFFBOARDED']);
export const RECONNECTED_EVENT = 'ACCOUNT_RECONNECTED';

type Effect =
  | { kind: 'trip'; cls: string; fixable: boolean; reason: string | null; code: number | null; cutoffEvent?: string }
  | { kind: 'resume' }
  | { kind: 'failed'; outboxId: number; giosgChatId: string | null; code: number | null; reason: string };

export interface ProcessorDeps {
  webhooks: WebhookRepo;
  inbound: InboundRepo;
  statuses: ChannelStatusRepo;
  outbox: OutboxRepo;
  circuit: ChannelCircuit;
  kickRelay(): void;
  kickSender(): void;
}

const RETRY_FAILED_AFTER_MS = 30_000;

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** While webhooks keep arriving, acknowledging them comes first: processing may lag, storing may not. */
const INGEST_BUSY_MS = 20;

export class WebhookProcessor {
  /** Events that failed here: skipped until their retry time so one bad row cannot spin the loop. */
  private readonly failedUntil = new Map<number, number>();
  private lastIngestAt = 0;

  constructor(
    private readonly s: Services,
    private readonly d: ProcessorDeps,
  ) {}

  /** Called for every stored webhook: under ingest load the processor steps aside between rows. */
  noteIngest(): void {
    this.lastIngestAt = Date.now();
  }

  async tick(): Promise<boolean> {
    const now = this.s.clock.now();
    const rows = (await this.d.webhooks.unprocessed(200)).filter((r) => (this.failedUntil.get(r.id) ?? 0) <= now).slice(0, 50);
    let done = 0;
    for (const row of rows) {
      // better-sqlite3 is synchronous, so a whole batch would otherwise run in one
      // event-loop turn and hold every incoming webhook's acknowledgement behind it.
      await (Date.now() - this.lastIngestAt < INGEST_BUSY_MS ? pause(1) : yieldToIo());
      try {
        if (await this.processOne(row)) done++;
        this.failedUntil.delete(row.id);
      } catch (err) {
        const e = err as Error;
        this.failedUntil.set(row.id, now + RETRY_FAILED_AFTER_MS);
        this.s.logger.error({ webhookEvent: row.id, tenant: row.tenant_id, err: { name: e?.name, message: e?.message } }, 'webhook processing failed; will retry');
        await this.d.webhooks.markFailed(row.id, e?.message ?? String(err)).catch(() => undefined);
      }
    }
    return done > 0;
  }

  /** False when another instance had the event (nothing done here). */
  private async processOne(row: WebhookEventRow): Promise<boolean> {
    const tenant = await this.s.tenants.get(row.tenant_id);
    const effects: Effect[] = [];
    let inboundAdded = 0;
    let statusChanged = false;
    let taken = true;
    await this.s.store.db.transaction().execute(async (trx) => {
      // Another instance has it (or finished it since our read): nothing to do here.
      if (!(await this.d.webhooks.takeForProcessing(trx, row.id))) {
        taken = false;
        return;
      }
      if (tenant) {
        const valid = validateWebhook(JSON.parse(row.body));
        // The receiver validated before storing; a failure here means the schema changed
        // since. Keep the row unprocessed rather than lose it.
        if (!valid.ok) throw new Error(`stored webhook no longer validates at ${valid.problem.path}`);
        for (const entry of valid.envelope.entry) {
          for (const change of entry.changes) {
            if (change.field === 'messages') {
              const r = await this.messages(trx, tenant, change.value as MessagesValue, effects);
              inboundAdded += r.inbound;
              statusChanged ||= r.statuses;
            } else if (change.field === 'account_update') {
              this.accountUpdate(tenant, change.value as { event: string }, effects);
            }
            // Other field kinds (account_alerts, security, …) are stored and ignored.
          }
        }
      }
      await this.d.webhooks.markProcessed(trx, row.id, this.s.clock.now());
    });
    if (!taken) return false;
    if (inboundAdded > 0) this.d.kickRelay();
    if (statusChanged) this.d.kickSender();
    if (tenant) await this.apply(tenant, effects);
    return true;
  }

  private async messages(trx: Kysely<Database>, tenant: Tenant, v: MessagesValue, effects: Effect[]): Promise<{ inbound: number; statuses: boolean }> {
    if (v.metadata.phone_number_id !== tenant.phoneNumberId) {
      this.s.logger.warn({ tenant: tenant.id, phoneNumberId: v.metadata.phone_number_id }, 'webhook for a phone number this tenant does not serve; ignored');
      return { inbound: 0, statuses: false };
    }
    const now = this.s.clock.now();
    const names = new Map<string, string>();
    for (const c of v.contacts ?? []) if (c.wa_id && c.profile?.name) names.set(c.wa_id, c.profile.name);
    const t = translator(tenant.defaultLocale);
    const rows: NewInbound[] = (v.messages ?? []).map((m) => ({
      tenantId: tenant.id,
      waMessageId: m.id,
      waId: m.from,
      profileName: names.get(m.from) ?? null,
      text: inboundText(m, t),
      waTimestamp: Number(m.timestamp) * 1000,
    }));
    const inbound = rows.length > 0 ? await this.d.inbound.insertMany(trx, rows, now) : 0;

    let statuses = false;
    for (const st of v.statuses ?? []) {
      const err = st.errors?.[0];
      const isNew = await this.d.statuses.insert(trx, { tenantId: tenant.id, statusId: st.id, status: st.status, recipient: st.recipient_id ?? null, errorCode: err?.code ?? null }, now);
      if (!isNew) continue;
      const reason = err ? (err.error_data?.details ?? err.message ?? err.title ?? null) : null;
      const changed = await this.d.outbox.applyStatus(trx, tenant.id, st.id, st.status, { code: err?.code ?? null, reason }, now);
      if (changed) statuses = true;
      if (st.status !== 'failed') continue;
      const cls = err ? classifyMetaError(err.code, undefined, err.message) : 'message';
      if (PAUSING_CLASSES.has(cls)) {
        effects.push({ kind: 'trip', cls, fixable: TOKEN_FIXABLE.has(cls), reason, code: err?.code ?? null });
      }
      if (changed) effects.push({ kind: 'failed', outboxId: changed.id, giosgChatId: changed.giosg_chat_id, code: err?.code ?? null, reason: reason ?? '' });
    }
    return { inbound, statuses };
  }

  private accountUpdate(tenant: Tenant, v: { event: string }, effects: Effect[]): void {
    if (CUTOFF_EVENTS.has(v.event)) {
      effects.push({ kind: 'trip', cls: 'account_update', fixable: false, reason: v.event, code: null, cutoffEvent: v.event });
    } else if (v.event === RECONNECTED_EVENT) {
      effects.push({ kind: 'resume' });
    }
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
