// One giosg conversation per customer, however Meta names them. A customer arrives with a
// phone number (wa_id), a business-scoped user id (BSUID), or both; the key of their giosg
// thread is the first id we met them by (the phone number when a message carries both and
// neither is known yet). Every id a message carries is remembered under that key, so a
// customer seen first by phone and later only by BSUID (or the reverse) stays in one thread.
//
// Rules (README "Customers and their ids"):
//   - the BSUID is looked up first (stable per customer and business), then the phone;
//   - an id already linked to a key never moves: two conversations are never merged;
//   - "user changed number" (a `system` message from the old number) stays in the old
//     thread, links the new number (and new BSUID) to it unless they already belong to
//     someone else, and retires the old number: replies go to the new one, and whoever
//     writes from the old number later starts a thread of their own;
//   - replies go to the newest phone number of the key, else its BSUID, else the key.
import type { CustomerIdRepo } from '../../store/customer-id-repo';

export interface CustomerIds {
  phone?: string;
  bsuid?: string;
  /** From a `system` "user changed number" message: the customer's new ids. */
  changed?: { phone?: string; bsuid?: string };
}

export class CustomerKeys {
  constructor(private readonly repo: CustomerIdRepo) {}

  /** The thread key of a message's customer; remembers the ids it came with. Idempotent. */
  async keyOf(tenantId: string, ids: CustomerIds, now: number): Promise<string> {
    const rows = await this.repo.lookup(tenantId, [ids.phone, ids.bsuid].filter((x): x is string => Boolean(x)));
    const byBsuid = rows.find((r) => r.customer_id === ids.bsuid);
    const byPhone = rows.find((r) => r.customer_id === ids.phone);
    // The change notice itself comes from the retired number (again, when a webhook is redone).
    const phoneLeads = byPhone && (byPhone.retired === 0 || ids.changed) ? byPhone : undefined;
    const key = byBsuid?.customer_key ?? phoneLeads?.customer_key ?? (ids.phone && !byPhone ? ids.phone : (ids.bsuid ?? ids.phone));
    if (!key) throw new Error('a customer message without a phone number or user id');
    // The everyday message names ids we know already: one lookup, no writes.
    if (ids.bsuid && !byBsuid) await this.repo.link(tenantId, ids.bsuid, 'bsuid', key, now);
    if (ids.phone) {
      if (byPhone && byPhone.retired === 1 && !ids.changed) await this.repo.reassign(tenantId, ids.phone, key, now);
      else if (!byPhone) await this.repo.link(tenantId, ids.phone, 'phone', key, now);
    }
    if (ids.changed) {
      const { phone, bsuid } = ids.changed;
      // Linked after the old number, so the new one is the key's newest phone (addressOf).
      if (phone) await this.repo.link(tenantId, phone, 'phone', key, now);
      if (bsuid) await this.repo.link(tenantId, bsuid, 'bsuid', key, now);
      if (ids.phone && phone && phone !== ids.phone) await this.repo.retire(tenantId, ids.phone, now);
    }
    return key;
  }

  /** Where a reply to this thread key goes: its newest phone number, else its BSUID, else the key. */
  async addressOf(tenantId: string, key: string): Promise<string> {
    const ids = await this.repo.idsOf(tenantId, key);
    return ids.find((r) => r.kind === 'phone')?.customer_id ?? ids.find((r) => r.kind === 'bsuid')?.customer_id ?? key;
  }
}
