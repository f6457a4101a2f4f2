// SQL for read marks: which of a customer's messages a reply should mark read. The latest
// message id rides on the customer's service-window row (written in the webhook apply), so
// finding it costs one primary-key read and no index on the busy inbound table.
import type { Kysely } from 'kysely';
import type { Database } from './schema';

export class ReadMarkRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** The customer's latest message id when it has not been marked read yet, else null. */
  async unmarked(tenantId: string, waId: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('service_windows')
      .select(['last_inbound_wamid', 'read_wamid'])
      .where('tenant_id', '=', tenantId)
      .where('wa_id', '=', waId)
      .executeTakeFirst();
    if (!r?.last_inbound_wamid || r.last_inbound_wamid === r.read_wamid) return null;
    return r.last_inbound_wamid;
  }

  async marked(tenantId: string, waId: string, wamid: string): Promise<void> {
    await this.db.updateTable('service_windows').set({ read_wamid: wamid }).where('tenant_id', '=', tenantId).where('wa_id', '=', waId).execute();
  }
}
