// Texts of earlier messages by WhatsApp message id, so a customer's reply or reaction can
// quote what it answers: the customer's own messages (inbound_messages) and the agents'
// replies we sent (outbox, by the wamid Meta gave them).
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export class QuoteRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async textsOf(tenantId: string, ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (ids.length === 0) return out;
    const inbound = await this.db.selectFrom('inbound_messages').select(['wa_message_id', 'text']).where('tenant_id', '=', tenantId).where('wa_message_id', 'in', ids).execute();
    for (const r of inbound) out.set(r.wa_message_id, r.text);
    const sent = await this.db.selectFrom('outbox').select(['wamid', 'body']).where('tenant_id', '=', tenantId).where('wamid', 'in', ids).execute();
    for (const r of sent) if (r.wamid && r.body) out.set(r.wamid, r.body);
    return out;
  }
}
