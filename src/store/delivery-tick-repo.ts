// SQL for the delivery lines in agents' chats (channel/outbound/delivery-ticks.ts): replies
// whose delivery state moved past what the agent was last told, the other parts of a split
// reply, and the record of what was told. A partial index keeps "what is due" cheap however
// large the outbox grows (0014_read_and_ticks). The announcer runs on one instance at a
// time, holding a row in job_leases that it renews on each turn.
import type { Kysely } from 'kysely';
import type { Database } from './schema';
import { acquireJobLease, releaseJobLease } from './job-lease';

export interface TickRow {
  id: number;
  tenantId: string;
  sourceId: string;
  giosgChatId: string | null;
  state: string;
  announced: string | null;
  body: string;
  hasMedia: boolean;
}

const LEASE_TENANT = '*';
const LEASE_JOB = 'delivery_ticks';

export class DeliveryTickRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** True when this instance holds the announcer's turn until `until` (renewed each turn; taken over when the holder's has run out). */
  holdTurn(owner: string, now: number, until: number): Promise<boolean> {
    return acquireJobLease(this.db, LEASE_TENANT, LEASE_JOB, owner, now, until, true);
  }

  giveUpTurn(owner: string): Promise<void> {
    return releaseJobLease(this.db, LEASE_TENANT, LEASE_JOB, owner);
  }

  /**
   * Replies whose state moved past what was said, once the state has stood a moment: a
   * 'read' for `readSettleMs` (the reads of several replies then share a line), a
   * 'delivered' for the longer `settleMs` (a read that follows quickly replaces it).
   */
  async due(now: number, settleMs: number, readSettleMs: number, limit: number): Promise<TickRow[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['id', 'tenant_id', 'source_id', 'giosg_chat_id', 'state', 'announced_state', 'body', 'media'])
      .where('state', 'in', ['delivered', 'read'])
      .where((eb) => eb.or([eb('announced_state', 'is', null), eb('announced_state', '<>', eb.ref('state'))]))
      .where((eb) => eb.or([eb.and([eb('state', '=', 'read'), eb('updated_at', '<=', now - readSettleMs)]), eb('updated_at', '<=', now - settleMs)]))
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    return rows.map(toTick);
  }

  /** Every part of the replies with these giosg message ids (a split reply's parts are `id`, `id#2`, …). */
  async parts(tenantId: string, baseIds: string[]): Promise<TickRow[]> {
    if (baseIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('outbox')
      .select(['id', 'tenant_id', 'source_id', 'giosg_chat_id', 'state', 'announced_state', 'body', 'media'])
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('source_id', 'in', baseIds), ...baseIds.map((b) => eb('source_id', 'like', `${b}#%`))]))
      .orderBy('id')
      .execute();
    // `like` reads % and _ in an id as wildcards: keep only the exact parts.
    const wanted = new Set(baseIds);
    return rows.map(toTick).filter((r) => wanted.has(baseOf(r.sourceId)));
  }

  /** Records what the agent has been told for each row (its state when it was said). */
  async told(rows: { id: number; state: string }[]): Promise<void> {
    const byState = new Map<string, number[]>();
    for (const r of rows) byState.set(r.state, [...(byState.get(r.state) ?? []), r.id]);
    for (const [state, ids] of byState) {
      await this.db.updateTable('outbox').set({ announced_state: state }).where('id', 'in', ids).execute();
    }
  }

  /** Puts back what was recorded before a line that could not be posted, so the next turn tries again. */
  async untold(rows: { id: number; announced: string | null }[]): Promise<void> {
    for (const r of rows) {
      await this.db.updateTable('outbox').set({ announced_state: r.announced }).where('id', '=', r.id).execute();
    }
  }
}

function toTick(r: { id: unknown; tenant_id: string; source_id: string; giosg_chat_id: string | null; state: string; announced_state: string | null; body: string; media: string | null }): TickRow {
  return { id: Number(r.id), tenantId: r.tenant_id, sourceId: r.source_id, giosgChatId: r.giosg_chat_id, state: r.state, announced: r.announced_state, body: r.body, hasMedia: r.media !== null };
}

/** The giosg message id a part belongs to (reply-attachments.ts names parts `id`, `id#2`, …). */
export function baseOf(sourceId: string): string {
  const m = /^(.*)#\d+$/.exec(sourceId);
  return m ? m[1] : sourceId;
}
