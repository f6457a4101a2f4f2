// SQL for the 24-hour customer-service window: window facts per customer, agents' replies
// held while it is closed, and the re-engagement row that tracks the template sent to
// reopen it. Deciding whether to hold and releasing held replies both run in one
// transaction with the customer's lock (the same advisory lock the webhook apply takes on
// PostgreSQL), so a reply held at the moment the customer writes cannot be stranded.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, HeldReplyTable, ReengagementTable, ServiceWindowTable } from './schema';
import type { Engine } from './db';
import { queuedOutboxRow, type NewOutboxRow } from './outbox-repo';

export type WindowRow = Selectable<ServiceWindowTable>;
export type HeldRow = Selectable<HeldReplyTable>;
export type ReengagementRow = Selectable<ReengagementTable>;

export interface NewReengagement {
  state: 'pending' | 'no_template';
  templateName: string | null;
  templateLanguage: string | null;
  params: string[] | null;
}

export interface HoldDecision {
  /** True: hold; false: queue as free text. Given the window facts and whether replies are held already. */
  hold(w: WindowRow | undefined, alreadyHeld: boolean): boolean;
  /** The re-engagement to open when none is open for this customer. Synchronous: no query may run outside the transaction (SQLite has one writer). */
  reengage(w: WindowRow | undefined, firstBody: string): NewReengagement;
}

export interface EnqueueOutcome {
  held: boolean;
  ids: number[];
  window: WindowRow | undefined;
  /** The re-engagement opened by this call (null when one was open already or nothing was held). */
  opened: ReengagementRow | null;
  /** The customer's open re-engagement after this call. */
  open: ReengagementRow | null;
}

export interface WindowObservation {
  tenantId: string;
  waId: string;
  lastInboundAt: number | null;
  /** Meta's id of that message (the one a reply marks read). */
  lastInboundWamid?: string | null;
  conversationExpiresAt: number | null;
  closedSeenAt: number | null;
  profileName: string | null;
}

export interface Released {
  tenantId: string;
  recipient: string;
  count: number;
  /** The giosg chat of the latest held reply (where the agent is told). */
  giosgChatId: string | null;
  reengagement: ReengagementRow | null;
}

const OPEN_STATES = ['pending', 'sending', 'sent', 'no_template', 'failed'] as const;

/** Larger of the stored and the new value, in SQL both engines speak. */
const later = (col: string) => sql.raw<number | null>(`case when excluded.${col} is not null and (service_windows.${col} is null or excluded.${col} > service_windows.${col}) then excluded.${col} else service_windows.${col} end`);

export class WindowRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  async window(tenantId: string, waId: string, db: Kysely<Database> = this.db): Promise<WindowRow | undefined> {
    return db.selectFrom('service_windows').selectAll().where('tenant_id', '=', tenantId).where('wa_id', '=', waId).executeTakeFirst();
  }

  /** Records what Meta told us, keeping the latest of each fact (redeliveries and reordering are harmless). */
  async observe(db: Kysely<Database>, facts: WindowObservation[], now: number): Promise<void> {
    for (const f of facts) {
      await db
        .insertInto('service_windows')
        .values({
          tenant_id: f.tenantId,
          wa_id: f.waId,
          last_inbound_at: f.lastInboundAt,
          last_inbound_wamid: f.lastInboundWamid ?? null,
          conversation_expires_at: f.conversationExpiresAt,
          closed_seen_at: f.closedSeenAt,
          profile_name: f.profileName,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'wa_id']).doUpdateSet({
            last_inbound_at: later('last_inbound_at'),
            // The id goes with the time: a redelivered or overtaken older message does not replace it.
            last_inbound_wamid: sql.raw(
              'case when excluded.last_inbound_wamid is not null and (service_windows.last_inbound_at is null or excluded.last_inbound_at >= service_windows.last_inbound_at) then excluded.last_inbound_wamid else service_windows.last_inbound_wamid end',
            ),
            conversation_expires_at: later('conversation_expires_at'),
            closed_seen_at: later('closed_seen_at'),
            profile_name: sql`coalesce(excluded.profile_name, service_windows.profile_name)`,
            updated_at: now,
          }),
        )
        .execute();
    }
  }

  /**
   * The reply receiver's enqueue: free text into the outbox while the window is open, else
   * held (in order, deduplicated on giosg's message id against both tables), opening the
   * customer's re-engagement if none is open.
   */
  async enqueueOrHold(rows: NewOutboxRow[], now: number, decide: HoldDecision): Promise<EnqueueOutcome> {
    if (rows.length === 0) return { held: false, ids: [], window: undefined, opened: null, open: null };
    const { tenantId, recipient } = rows[0];
    return this.db.transaction().execute(async (trx) => {
      await this.lockCustomer(trx, tenantId, recipient);
      const w = await this.window(tenantId, recipient, trx);
      const alreadyHeld = (await this.heldFor(trx, tenantId, recipient, 1)).length > 0;
      if (!decide.hold(w, alreadyHeld)) {
        const ids: number[] = [];
        for (const r of rows) {
          const res = await trx
            .insertInto('outbox')
            .values(queuedOutboxRow(r, now))
            .onConflict((oc) => oc.columns(['tenant_id', 'source_id']).doNothing())
            .returning('id')
            .executeTakeFirst();
          if (res) ids.push(Number(res.id));
        }
        return { held: false, ids, window: w, opened: null, open: null };
      }
      const ids: number[] = [];
      for (const r of rows) {
        const inOutbox = await trx.selectFrom('outbox').select('id').where('tenant_id', '=', r.tenantId).where('source_id', '=', r.sourceId).executeTakeFirst();
        if (inOutbox) continue;
        const res = await trx
          .insertInto('held_replies')
          .values({ tenant_id: r.tenantId, recipient: r.recipient, source_id: r.sourceId, body: r.body, giosg_chat_id: r.giosgChatId, media: r.media ?? null, reason: 'window_closed', written_at: now, held_at: now })
          .onConflict((oc) => oc.columns(['tenant_id', 'source_id']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (res) ids.push(Number(res.id));
      }
      if (ids.length === 0) return { held: true, ids, window: w, opened: null, open: await this.openReengagement(trx, tenantId, recipient) };
      const { opened, open } = await this.ensureReengagement(trx, tenantId, recipient, rows[0].giosgChatId, rows[0].body, w, decide, now);
      return { held: true, ids, window: w, opened, open };
    });
  }

  /**
   * Meta refused a free-form reply with 131047 (the window closed while it waited): the row
   * moves from the outbox to the held replies, keeping its place, and the window is marked closed.
   */
  async holdFromOutbox(outboxId: number, owner: string, now: number, decide: HoldDecision): Promise<{ row: HeldRow; opened: ReengagementRow | null; open: ReengagementRow | null } | null> {
    return this.db.transaction().execute(async (trx) => {
      const o = await trx.selectFrom('outbox').selectAll().where('id', '=', outboxId).where('lease_owner', '=', owner).where('state', '=', 'sending').executeTakeFirst();
      if (!o) return null;
      await this.lockCustomer(trx, o.tenant_id, o.recipient);
      await this.observe(trx, [{ tenantId: o.tenant_id, waId: o.recipient, lastInboundAt: null, conversationExpiresAt: null, closedSeenAt: now, profileName: null }], now);
      const row = await trx
        .insertInto('held_replies')
        .values({ tenant_id: o.tenant_id, recipient: o.recipient, source_id: o.source_id, body: o.body, giosg_chat_id: o.giosg_chat_id, media: o.media, reason: 'meta_131047', written_at: Number(o.created_at), held_at: now })
        .onConflict((oc) => oc.columns(['tenant_id', 'source_id']).doNothing())
        .returningAll()
        .executeTakeFirst();
      await trx.deleteFrom('outbox').where('id', '=', outboxId).execute();
      if (!row) return null;
      const w = await this.window(o.tenant_id, o.recipient, trx);
      const { opened, open } = await this.ensureReengagement(trx, o.tenant_id, o.recipient, o.giosg_chat_id, o.body, w, decide, now);
      return { row: { ...row, id: Number(row.id) }, opened, open };
    });
  }

  /**
   * The customer wrote: their held replies go into the outbox in the order they were
   * written, and the open re-engagement is closed. Runs inside the webhook apply
   * transaction, after the customer's lock was taken there.
   */
  async release(trx: Kysely<Database>, tenantId: string, recipient: string, now: number): Promise<Released | null> {
    const held = await this.heldFor(trx, tenantId, recipient);
    const open = await this.openReengagement(trx, tenantId, recipient);
    if (held.length === 0 && !open) return null;
    for (const h of held) {
      await trx
        .insertInto('outbox')
        .values(queuedOutboxRow({ tenantId, sourceId: h.source_id, recipient, body: h.body, giosgChatId: h.giosg_chat_id, media: h.media }, now))
        .onConflict((oc) => oc.columns(['tenant_id', 'source_id']).doNothing())
        .execute();
    }
    if (held.length > 0) await trx.deleteFrom('held_replies').where('id', 'in', held.map((h) => h.id)).execute();
    if (open) await trx.updateTable('reengagements').set({ state: 'answered', lease_owner: null, lease_until: null, updated_at: now }).where('id', '=', open.id).execute();
    const giosgChatId = [...held].reverse().find((h) => h.giosg_chat_id)?.giosg_chat_id ?? open?.giosg_chat_id ?? null;
    return { tenantId, recipient, count: held.length, giosgChatId, reengagement: open };
  }

  async heldFor(db: Kysely<Database>, tenantId: string, recipient: string, limit?: number): Promise<HeldRow[]> {
    let q = db.selectFrom('held_replies').selectAll().where('tenant_id', '=', tenantId).where('recipient', '=', recipient).orderBy('written_at').orderBy('id');
    if (limit) q = q.limit(limit);
    return (await q.execute()).map((r) => ({ ...r, id: Number(r.id) }));
  }

  async heldForTenant(tenantId: string): Promise<HeldRow[]> {
    const rows = await this.db.selectFrom('held_replies').selectAll().where('tenant_id', '=', tenantId).orderBy('written_at').orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** Held replies per tenant (metrics). */
  async heldByTenant(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('held_replies').select(['tenant_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('tenant_id').execute();
    return new Map(rows.map((r) => [r.tenant_id, Number(r.n)]));
  }

  async heldSummary(tenantId: string): Promise<{ count: number; customers: number; oldest: number | null }> {
    const r = await this.db
      .selectFrom('held_replies')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('written_at').as('oldest'), sql<number>`count(distinct recipient)`.as('customers')])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    return { count: Number(r.n), customers: Number(r.customers), oldest: r.oldest === null ? null : Number(r.oldest) };
  }

  async openReengagement(db: Kysely<Database>, tenantId: string, recipient: string): Promise<ReengagementRow | null> {
    const r = await db.selectFrom('reengagements').selectAll().where('tenant_id', '=', tenantId).where('recipient', '=', recipient).where('state', 'in', [...OPEN_STATES]).executeTakeFirst();
    return r ? { ...r, id: Number(r.id) } : null;
  }

  async reengagementsForTenant(tenantId: string): Promise<ReengagementRow[]> {
    const rows = await this.db.selectFrom('reengagements').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  private async ensureReengagement(
    trx: Kysely<Database>,
    tenantId: string,
    recipient: string,
    giosgChatId: string | null,
    firstBody: string,
    w: WindowRow | undefined,
    decide: HoldDecision,
    now: number,
  ): Promise<{ opened: ReengagementRow | null; open: ReengagementRow | null }> {
    const existing = await this.openReengagement(trx, tenantId, recipient);
    if (existing) return { opened: null, open: existing };
    const n = decide.reengage(w, firstBody);
    const row = await trx
      .insertInto('reengagements')
      .values({
        tenant_id: tenantId,
        recipient,
        state: n.state,
        template_name: n.templateName,
        template_language: n.templateLanguage,
        params: n.params ? JSON.stringify(n.params) : null,
        giosg_chat_id: giosgChatId,
        attempts: 0,
        next_attempt_at: now,
        lease_owner: null,
        lease_until: null,
        wamid: null,
        error_code: null,
        error_reason: null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const opened = { ...row, id: Number(row.id) };
    return { opened, open: opened };
  }

  /** The same key as the webhook apply's customer lock (webhook-apply-repo.ts), so holding and releasing serialize. */
  private async lockCustomer(trx: Kysely<Database>, tenantId: string, waId: string): Promise<void> {
    if (this.engine !== 'postgres') return;
    await sql`select pg_advisory_xact_lock(hashtextextended(${JSON.stringify([tenantId, waId])}, 0))`.execute(trx);
  }
}
