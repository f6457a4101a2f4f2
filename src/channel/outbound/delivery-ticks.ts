// Delivery state in the agent's chat. giosg cannot edit a message we posted, so the least
// noisy form it offers is a short line from the bot: at most one per chat per turn, naming
// the replies that reached the customer ("Delivered to the customer: …") or were read
// ("Read by the customer: …"), never one per status webhook. A 'delivered' waits a few
// seconds before it is said, so a customer who reads at once produces one line, not two.
// A reply split into several WhatsApp messages counts as delivered (or read) only when all
// its parts are; a reply with a failed part has the failure notice instead.
//
// What was said is kept per outbox row (announced_state), so a restart or another instance
// neither repeats nor skips a line; the line is posted before that is recorded (a crash in
// between repeats one line rather than losing it). One instance announces at a time.
import type { Services } from '../../services';
import type { ChannelTuning } from '../../config';
import type { Tenant } from '../../vault/tenants';
import { baseOf, type DeliveryTickRepo, type TickRow } from '../../store/delivery-tick-repo';
import { GiosgError } from '../../giosg/client';
import { translator } from '../../i18n';

const RANK: Record<string, number> = { queued: 0, sending: 0, sent: 1, delivered: 2, read: 3 };
const STATE_OF_RANK = ['', '', 'delivered', 'read'] as const;
const BATCH = 200;
const EXCERPT_CHARS = 60;

interface Announcement {
  state: 'delivered' | 'read';
  parts: TickRow[];
}

export class DeliveryTicks {
  constructor(
    private readonly s: Services,
    private readonly repo: DeliveryTickRepo,
    private readonly tuning: ChannelTuning,
  ) {}

  /** One turn: says what is due. True when it found work (the loop then runs again at once). */
  async tick(): Promise<boolean> {
    const mode = this.s.config.deliveryTicks;
    if (mode === 'off') return false;
    const now = this.s.clock.now();
    const hold = Math.max(30_000, this.tuning.ticksPollMs * 5);
    if (!(await this.repo.holdTurn(this.s.instanceId, now, now + hold))) return false;
    const due = await this.repo.due(now, this.tuning.ticksSettleMs, this.tuning.ticksReadSettleMs, BATCH);
    if (due.length === 0) return false;

    const byTenant = new Map<string, Set<string>>();
    for (const r of due) byTenant.set(r.tenantId, (byTenant.get(r.tenantId) ?? new Set()).add(baseOf(r.sourceId)));
    for (const [tenantId, bases] of byTenant) {
      const tenant = await this.s.tenants.get(tenantId);
      const parts = await this.repo.parts(tenantId, [...bases]);
      const replies = new Map<string, TickRow[]>();
      for (const p of parts) replies.set(baseOf(p.sourceId), [...(replies.get(baseOf(p.sourceId)) ?? []), p]);
      const quiet: TickRow[] = [];
      const byChat = new Map<string, Announcement[]>();
      for (const rows of replies.values()) {
        const a = tenant && rows[0].giosgChatId ? announcementFor(rows, mode) : null;
        if (!a) quiet.push(...rows);
        else byChat.set(rows[0].giosgChatId!, [...(byChat.get(rows[0].giosgChatId!) ?? []), a]);
      }
      // Nothing to say for these (not all parts there yet, failed, said already): recorded so they are not due again.
      if (quiet.length > 0) await this.repo.told(quiet);
      for (const [chatId, list] of byChat) await this.say(tenant!, chatId, list);
    }
    return due.length === BATCH;
  }

  private async say(tenant: Tenant, chatId: string, list: Announcement[]): Promise<void> {
    const t = translator(tenant.defaultLocale);
    const segments: string[] = [];
    for (const state of ['read', 'delivered'] as const) {
      const these = list.filter((a) => a.state === state);
      if (these.length === 0) continue;
      const latest = these[these.length - 1].parts;
      segments.push(t(`delivery:ticks.${state}`, { count: these.length, excerpt: excerpt(latest, t('delivery:ticks.attachment')) }));
    }
    const rows = list.flatMap((a) => a.parts);
    try {
      await this.s.giosgFor(tenant).postChatMessage(tenant.giosgBotUserId, chatId, { message: t('delivery:ticks.line', { segments: segments.join(t('delivery:ticks.separator')) }) });
      for (const a of list) this.s.metrics.deliveryTicks.inc({ state: a.state, result: 'posted' });
    } catch (err) {
      const e = err as GiosgError;
      for (const a of list) this.s.metrics.deliveryTicks.inc({ state: a.state, result: 'failed' });
      // A chat giosg refuses for good (gone, forbidden) is given up; anything else is tried again next turn.
      const giveUp = e instanceof GiosgError && e.kind === 'client';
      this.s.logger.warn({ tenant: tenant.id, status: e instanceof GiosgError ? e.status : undefined, err: { name: e?.name, message: e?.message }, giveUp }, 'could not tell the agent a reply was delivered or read');
      if (!giveUp) return;
    }
    await this.repo.told(rows);
  }
}

/** What to say for one reply (all its parts), or null when there is nothing new to say. */
export function announcementFor(parts: TickRow[], mode: 'all' | 'read'): Announcement | null {
  if (parts.some((p) => p.state === 'failed')) return null;
  const reached = Math.min(...parts.map((p) => RANK[p.state] ?? 0));
  const told = Math.min(...parts.map((p) => (p.announced ? (RANK[p.announced] ?? 0) : 0)));
  if (reached < 2 || reached <= told) return null;
  if (mode === 'read' && reached < 3) return null;
  return { state: STATE_OF_RANK[reached] as 'delivered' | 'read', parts };
}

function excerpt(parts: TickRow[], attachment: string): string {
  const text = parts.map((p) => p.body).find((b) => b.trim() !== '');
  if (text === undefined) return attachment;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= EXCERPT_CHARS ? flat : `${flat.slice(0, EXCERPT_CHARS - 1).trimEnd()}…`;
}
