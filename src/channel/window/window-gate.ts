// Stands in front of the outbox for agents' replies: inside the customer's 24-hour window
// a reply is queued as free text; outside it (or while earlier replies are still held, so
// order holds) it is held in the database and the agent is told at once. The first held
// reply opens a re-engagement: the tenant's template is sent to invite the customer back,
// or, with none configured, the agent is told to ask an admin. The sender hands over a
// reply Meta refused with 131047 (the window closed while it waited) the same way.
import type { Services } from '../../services';
import type { Tenant } from '../../vault/tenants';
import type { NewOutboxRow, OutboxRow } from '../../store/outbox-repo';
import type { WindowRepo, HoldDecision, NewReengagement, WindowRow } from '../../store/window-repo';
import type { ReengagementTemplateRepo, StoredTemplateChoice } from '../../store/reengagement-template-repo';
import { translator } from '../../i18n';
import { windowState } from './service-window';
import { fillParams, parseStoredParams } from './template-params';
import type { WindowNotices } from './window-notice';
import type { WindowMetrics } from './window-metrics';

export class WindowGate {
  /** Wakes the re-engagement sender (set by install). */
  onReengagement: () => void = () => undefined;

  constructor(
    private readonly s: Services,
    private readonly repo: WindowRepo,
    private readonly templates: ReengagementTemplateRepo,
    private readonly notices: WindowNotices,
    private readonly metrics: WindowMetrics,
  ) {}

  /** The reply receiver's enqueue (same contract as OutboxRepo.enqueue): ids of the rows stored, none for a redelivery. */
  async enqueue(rows: NewOutboxRow[], now: number): Promise<number[]> {
    if (rows.length === 0) return [];
    const tenant = await this.s.tenants.get(rows[0].tenantId);
    if (!tenant) throw new Error(`unknown tenant ${rows[0].tenantId}`);
    const out = await this.repo.enqueueOrHold(rows, now, await this.decision(tenant, now));
    if (!out.held || out.ids.length === 0) return out.ids;
    this.metrics.holds.inc({ reason: 'window_closed' }, out.ids.length);
    this.s.logger.info({ tenant: tenant.id, held: out.ids.length, reengagement: out.open?.state }, 'reply held: the customer service window is closed');
    const w = windowState(out.window, now);
    const closedAt = w.state === 'closed' ? w.closedAt : null;
    void this.notices.held(tenant, rows[0].giosgChatId, out.opened ? 'first' : 'more', closedAt, out.open);
    if (out.opened?.state === 'pending') this.onReengagement();
    else if (out.opened?.state === 'no_template') this.metrics.templates.inc({ result: 'no_template' });
    return out.ids;
  }

  /** The sender's hand-over of a reply Meta refused with 131047. True when it is held now. */
  async heldByMeta(tenant: Tenant, row: OutboxRow, owner: string): Promise<boolean> {
    const now = this.s.clock.now();
    const out = await this.repo.holdFromOutbox(row.id, owner, now, await this.decision(tenant, now, true));
    if (!out) return false;
    this.metrics.holds.inc({ reason: 'meta_131047' });
    this.s.logger.info({ tenant: tenant.id, outbox: row.id, reengagement: out.open?.state }, 'reply held: Meta refused it outside the customer service window (131047)');
    const w = await this.repo.window(tenant.id, row.recipient);
    const ours = w?.last_inbound_at != null ? windowState({ ...w, closed_seen_at: null }, now) : undefined;
    void this.notices.held(tenant, row.giosg_chat_id, out.opened ? 'refused' : 'more', ours?.state === 'closed' ? ours.closedAt : null, out.open);
    if (out.opened?.state === 'pending') this.onReengagement();
    else if (out.opened?.state === 'no_template') this.metrics.templates.inc({ result: 'no_template' });
    return true;
  }

  private async decision(tenant: Tenant, now: number, forced = false): Promise<HoldDecision> {
    const list = await this.templates.list(tenant.id);
    return {
      hold: (w, alreadyHeld) => forced || alreadyHeld || windowState(w, now).state === 'closed',
      reengage: (w, firstBody) => this.reengagement(tenant, list, w, firstBody),
    };
  }

  /** The tenant's first template in its language (else its first), with parameters filled from the reply. */
  private reengagement(tenant: Tenant, list: StoredTemplateChoice[], w: WindowRow | undefined, firstBody: string): NewReengagement {
    if (list.length === 0) return { state: 'no_template', templateName: null, templateLanguage: null, params: null };
    const chosen = list.find((t) => t.language.toLowerCase().startsWith(tenant.defaultLocale)) ?? list[0];
    const t = translator(tenant.defaultLocale);
    const params = fillParams(parseStoredParams(chosen.params), firstBody, w?.profile_name ?? null, t('window:customerFallbackName'));
    return { state: 'pending', templateName: chosen.name, templateLanguage: chosen.language, params };
  }
}
