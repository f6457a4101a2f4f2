// SQL for one customer's data (right of access, erasure): every row that names them by the
// id they write from (wa_id, or the business-scoped user id that takes its place), and the
// stored webhook bodies that mention it. Erasure runs in one transaction, webhook bodies
// first, so a batch the processor applies meanwhile is either erased with the rest or has
// not stored anything yet.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, HeldReplyTable, InboundMessageTable, OutboxTable, ReengagementTable, ServiceWindowTable, StatusEventTable } from './schema';

export interface CustomerRows {
  inbound: Selectable<InboundMessageTable>[];
  outbox: Selectable<OutboxTable>[];
  held: Selectable<HeldReplyTable>[];
  statuses: Selectable<StatusEventTable>[];
  reengagements: Selectable<ReengagementTable>[];
  windows: Selectable<ServiceWindowTable>[];
  webhooks: { id: number; received_at: number; processed_at: number | null; body: string }[];
}

export interface ErasureCounts {
  inboundMessages: number;
  /** Replies Meta accepted or that failed for good. */
  sentReplies: number;
  /** Replies still queued or being sent, and replies held for the 24-hour window. */
  unsentReplies: number;
  heldReplies: number;
  statusEvents: number;
  reengagements: number;
  serviceWindows: number;
  /** Webhook bodies deleted (only this customer in them) and redacted (others' parts kept). */
  webhooksDeleted: number;
  webhooksRedacted: number;
}

/** The body without the customer's parts, or null when nothing else was in it; undefined: leave the row alone. */
export type Redactor = (body: string) => string | null | undefined;

const OPEN: OutboxTable['state'][] = ['queued', 'sending'];

/** A LIKE pattern for the id as a JSON string value: `"id"` anywhere in the body. */
function quotedLike(id: string): string {
  return `%${JSON.stringify(id).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class CustomerDataRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async rows(tenantId: string, customer: string, db: Kysely<Database> = this.db): Promise<CustomerRows> {
    const inbound = await db.selectFrom('inbound_messages').selectAll().where('tenant_id', '=', tenantId).where('wa_id', '=', customer).orderBy('id').execute();
    const outbox = await db.selectFrom('outbox').selectAll().where('tenant_id', '=', tenantId).where('recipient', '=', customer).orderBy('id').execute();
    const wamids = outbox.map((o) => o.wamid).filter((w): w is string => !!w);
    const statuses = await db
      .selectFrom('status_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('recipient', '=', customer), ...(wamids.length > 0 ? [eb('status_id', 'in', wamids)] : [])]))
      .orderBy('id')
      .execute();
    const held = await db.selectFrom('held_replies').selectAll().where('tenant_id', '=', tenantId).where('recipient', '=', customer).orderBy('id').execute();
    const reengagements = await db.selectFrom('reengagements').selectAll().where('tenant_id', '=', tenantId).where('recipient', '=', customer).orderBy('id').execute();
    const windows = await db.selectFrom('service_windows').selectAll().where('tenant_id', '=', tenantId).where('wa_id', '=', customer).execute();
    const webhooks = await db
      .selectFrom('webhook_events')
      .select(['id', 'received_at', 'processed_at', 'body'])
      .where('tenant_id', '=', tenantId)
      .where(sql<boolean>`body like ${quotedLike(customer)} escape '\\'`)
      .orderBy('id')
      .execute();
    return {
      inbound,
      outbox,
      held,
      statuses,
      reengagements,
      windows,
      webhooks: webhooks.map((w) => ({ ...w, id: Number(w.id), received_at: Number(w.received_at), processed_at: w.processed_at === null ? null : Number(w.processed_at) })),
    };
  }

  /** What erase() would remove, without removing it (the CLI asks before deleting unsent replies). */
  async count(tenantId: string, customer: string): Promise<{ unsentReplies: number; heldReplies: number }> {
    const r = await this.rows(tenantId, customer);
    return { unsentReplies: r.outbox.filter((o) => OPEN.includes(o.state)).length, heldReplies: r.held.length };
  }

  /**
   * Removes the customer's rows. A processed webhook that also carried other customers is
   * rewritten without this one's parts; an unprocessed one is deleted and its redacted body
   * stored as a new unprocessed row, so a processor that already read the old body cannot
   * apply it (its claim finds the row gone) and the others' messages are still delivered.
   * The audit row (counts and a hash of the id, never content) commits with the erasure.
   */
  async erase(tenantId: string, customer: string, redact: Redactor, audit: { actor: string; subject: string; now: number }): Promise<ErasureCounts> {
    return this.db.transaction().execute(async (trx) => {
      const counts: ErasureCounts = {
        inboundMessages: 0,
        sentReplies: 0,
        unsentReplies: 0,
        heldReplies: 0,
        statusEvents: 0,
        reengagements: 0,
        serviceWindows: 0,
        webhooksDeleted: 0,
        webhooksRedacted: 0,
      };
      const before = await this.rows(tenantId, customer, trx);
      for (const w of before.webhooks) {
        const redacted = redact(w.body);
        if (redacted === undefined) continue;
        if (w.processed_at !== null && redacted !== null) {
          await trx.updateTable('webhook_events').set({ body: redacted }).where('id', '=', w.id).execute();
          counts.webhooksRedacted++;
          continue;
        }
        await trx.deleteFrom('webhook_events').where('id', '=', w.id).execute();
        if (redacted === null) {
          counts.webhooksDeleted++;
          continue;
        }
        await trx.insertInto('webhook_events').values({ tenant_id: tenantId, received_at: w.received_at, body: redacted, processed_at: null, attempts: 0, last_error: null }).execute();
        counts.webhooksRedacted++;
      }
      // Read again: a batch applied since the first read may have added rows.
      const r = await this.rows(tenantId, customer, trx);
      const del = async (table: 'inbound_messages' | 'outbox' | 'held_replies' | 'status_events' | 'reengagements', ids: number[]) => {
        for (let i = 0; i < ids.length; i += 500) await trx.deleteFrom(table).where('id', 'in', ids.slice(i, i + 500)).execute();
        return ids.length;
      };
      counts.inboundMessages = await del('inbound_messages', r.inbound.map((x) => Number(x.id)));
      counts.sentReplies = await del('outbox', r.outbox.filter((x) => !OPEN.includes(x.state)).map((x) => Number(x.id)));
      counts.statusEvents = await del('status_events', r.statuses.map((x) => Number(x.id)));
      counts.unsentReplies = await del('outbox', r.outbox.filter((x) => OPEN.includes(x.state)).map((x) => Number(x.id)));
      counts.heldReplies = await del('held_replies', r.held.map((x) => Number(x.id)));
      counts.reengagements = await del('reengagements', r.reengagements.map((x) => Number(x.id)));
      const w = await trx.deleteFrom('service_windows').where('tenant_id', '=', tenantId).where('wa_id', '=', customer).executeTakeFirst();
      counts.serviceWindows = Number(w.numDeletedRows);
      await trx
        .insertInto('audit_log')
        .values({ tenant_id: tenantId, actor: audit.actor, action: 'customer.erased', version_id: null, detail: JSON.stringify({ subject: audit.subject, ...counts }), created_at: audit.now })
        .execute();
      return counts;
    });
  }
}
