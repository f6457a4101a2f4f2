// Keeps each customer's window up to date from Meta's webhooks, inside the transaction that
// stores them: a customer message (re)opens the window and releases that customer's held
// replies into the outbox in order; a status's service conversation tells when a window
// ends for a customer we have not heard from; a 131047 failure says it has closed.
// After the commit the sender is woken and the agent is told the held replies are going out.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema';
import type { ApplyHook, ApplyItem } from '../../store/webhook-apply-repo';
import type { WindowObservation, WindowRepo, Released, ReengagementRow } from '../../store/window-repo';
import type { ReengagementRepo } from '../../store/reengagement-repo';
import type { Tenant } from '../../vault/tenants';
import type { Services } from '../../services';
import type { WindowNotices } from './window-notice';
import type { WindowMetrics } from './window-metrics';

/** Conversation kinds Meta opens only inside a customer service window. */
const SERVICE_CONVERSATIONS = new Set(['service', 'user_initiated']);
export const WINDOW_CLOSED_CODE = 131047;

export function observationsOf(items: ApplyItem[], now: number): WindowObservation[] {
  const out: WindowObservation[] = [];
  for (const item of items) {
    for (const m of item.inbound) {
      out.push({ tenantId: m.tenantId, waId: m.waId, lastInboundAt: m.waTimestamp, lastInboundWamid: m.waMessageId, conversationExpiresAt: null, closedSeenAt: null, profileName: m.profileName });
    }
    for (const st of item.statuses) {
      if (!st.recipient) continue;
      const serviceEnd = st.conversationExpiresAt && st.conversationType && SERVICE_CONVERSATIONS.has(st.conversationType) ? st.conversationExpiresAt : null;
      const closed = st.status === 'failed' && st.errorCode === WINDOW_CLOSED_CODE ? now : null;
      if (serviceEnd === null && closed === null) continue;
      out.push({ tenantId: st.tenantId, waId: st.recipient, lastInboundAt: null, conversationExpiresAt: serviceEnd, closedSeenAt: closed, profileName: null });
    }
  }
  return out;
}

export class WindowObserver implements ApplyHook {
  /** Wakes the outbox sender (set by install). */
  onReleased: () => void = () => undefined;
  /** A sent template's status said 'failed' (set by install: the agent and admins are told). */
  onTemplateFailed: (tenant: Tenant, row: ReengagementRow, code: number | null, reason: string) => Promise<void> = async () => undefined;

  constructor(
    private readonly s: Services,
    private readonly repo: WindowRepo,
    private readonly notices: WindowNotices,
    private readonly metrics: WindowMetrics,
    private readonly reengagements: ReengagementRepo,
  ) {}

  async inTransaction(trx: Kysely<Database>, items: ApplyItem[], now: number): Promise<() => void> {
    // A template we sent that Meta could not deliver (its status webhook failed).
    const templateFailures: { row: ReengagementRow; code: number | null; reason: string }[] = [];
    for (const st of items.flatMap((i) => i.statuses)) {
      if (st.status !== 'failed') continue;
      const row = await this.reengagements.failSent(trx, st.tenantId, st.statusId, st.errorCode, st.errorReason, now);
      if (row) templateFailures.push({ row, code: st.errorCode, reason: st.errorReason ?? '' });
    }
    const announceFailures = () => {
      for (const f of templateFailures) {
        void (async () => {
          const tenant = await this.s.tenants.get(f.row.tenant_id);
          if (tenant) await this.onTemplateFailed(tenant, f.row, f.code, f.reason);
        })().catch((err) => this.s.logger.warn({ err: { message: (err as Error)?.message } }, 'could not tell that a re-engagement template failed'));
      }
    };
    const facts = observationsOf(items, now);
    if (facts.length === 0) return announceFailures;
    await this.repo.observe(trx, facts, now);
    const released: Released[] = [];
    const seen = new Set<string>();
    for (const f of facts) {
      if (f.lastInboundAt === null) continue;
      const k = JSON.stringify([f.tenantId, f.waId]);
      if (seen.has(k)) continue;
      seen.add(k);
      const r = await this.repo.release(trx, f.tenantId, f.waId, now);
      if (r) released.push(r);
    }
    return () => {
      announceFailures();
      if (released.some((r) => r.count > 0)) this.onReleased();
      for (const r of released) void this.announce(r);
    };
  }

  private async announce(r: Released): Promise<void> {
    if (r.count > 0) this.metrics.released.inc({ tenant: r.tenantId }, r.count);
    this.s.logger.info({ tenant: r.tenantId, released: r.count }, 'the customer answered: held replies go out');
    const tenant = await this.s.tenants.get(r.tenantId);
    if (!tenant || r.count === 0) return;
    await this.notices.say(tenant, r.giosgChatId, 'released', { count: r.count });
  }
}
