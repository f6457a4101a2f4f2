// One customer's data, for the right of access (export) and erasure on request. The id is
// the one they write from: their wa_id, or the business-scoped user id (BSUID) of a customer
// who writes with a username. Export opens sealed attachments with the service's box but
// leaves out their download links (giosg signs them); erasure leaves an audit row that
// names the customer by a keyed hash only, with counts and no content.
import type { Services } from '../services';
import { CustomerDataRepo, type CustomerRows, type ErasureCounts } from '../store/customer-data-repo';
import { customerParts } from '../meta/webhook-redact';
import { parseMediaRef } from './media/media-ref';
import { openRef } from './media/outbound-media-ref';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

/** Links in what Meta or giosg sent are left out of an export (signed, or of no use to the customer). */
function withoutLinks(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutLinks);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([k]) => !['url', 'link', 'href'].includes(k)).map(([k, x]) => [k, withoutLinks(x)]));
}

export class CustomerData {
  private readonly repo: CustomerDataRepo;

  constructor(private readonly s: Services) {
    this.repo = new CustomerDataRepo(s.store.db);
  }

  /** The audit log's name for a customer: a keyed hash, stable while the primary key is. */
  subject(tenantId: string, customer: string): string {
    return `hmac:${this.s.box.tag(`${tenantId}:${customer}`, 'customer')}`;
  }

  async pendingReplies(tenantId: string, customer: string): Promise<{ unsentReplies: number; heldReplies: number }> {
    return this.repo.count(tenantId, customer);
  }

  async erase(tenantId: string, customer: string, actor: string): Promise<ErasureCounts> {
    const redact = (body: string) => {
      const p = customerParts(body, customer);
      // A body that only mentions the id in passing (not as a customer) is left as it is.
      if (!p || p.parts.length === 0) return undefined;
      return p.redacted;
    };
    return this.repo.erase(tenantId, customer, redact, { actor, subject: this.subject(tenantId, customer), now: this.s.clock.now() });
  }

  async export(tenantId: string, customer: string): Promise<object> {
    const r = await this.repo.rows(tenantId, customer);
    return {
      tenant: tenantId,
      customer,
      exportedAt: iso(this.s.clock.now()),
      messages: r.inbound.map((m) => ({
        id: m.wa_message_id,
        writtenAt: iso(m.wa_timestamp),
        receivedAt: iso(m.created_at),
        profileName: m.profile_name,
        text: m.text,
        media: this.inboundMedia(m.media),
        state: m.state,
      })),
      replies: r.outbox.map((o) => ({
        id: o.wamid,
        writtenAt: iso(o.created_at),
        sentAt: iso(o.sent_at),
        text: o.body,
        media: this.sealedMedia(tenantId, o.source_id, o.media),
        state: o.state,
        error: o.error_code === null && o.error_reason === null ? null : { code: o.error_code, reason: o.error_reason },
      })),
      heldReplies: r.held.map((h) => ({ writtenAt: iso(h.written_at), heldAt: iso(h.held_at), reason: h.reason, text: h.body, media: this.sealedMedia(tenantId, h.source_id, h.media) })),
      statuses: r.statuses.map((st) => ({ messageId: st.status_id, status: st.status, at: iso(st.created_at), errorCode: st.error_code })),
      serviceWindow: this.window(r),
      reengagements: r.reengagements.map((e) => ({
        state: e.state,
        template: e.template_name,
        language: e.template_language,
        params: e.params ? (JSON.parse(e.params) as unknown) : null,
        createdAt: iso(e.created_at),
      })),
      webhooks: r.webhooks.flatMap((w) => (customerParts(w.body, customer)?.parts ?? []).map((p) => ({ receivedAt: iso(w.received_at), field: p.field, kind: p.kind, item: withoutLinks(p.item) }))),
    };
  }

  private window(r: CustomerRows): object | null {
    const w = r.windows[0];
    if (!w) return null;
    return { lastMessageAt: iso(w.last_inbound_at), conversationExpiresAt: iso(w.conversation_expires_at), profileName: w.profile_name };
  }

  private inboundMedia(json: string | null): object | null {
    if (!json) return null;
    const m = parseMediaRef(json);
    return m ? { kind: m.kind, mimeType: m.mimeType ?? null, filename: m.filename ?? null, caption: m.caption ?? null } : null;
  }

  private sealedMedia(tenantId: string, sourceId: string, sealed: string | null): object | null {
    if (!sealed) return null;
    try {
      const m = openRef(this.s.box, tenantId, sourceId, sealed);
      return { kind: m.kind, filename: m.filename, mimeType: m.mimeType, caption: m.caption ?? null };
    } catch {
      // Sealed with a key this service no longer has: the attachment's details are unreadable.
      return { unreadable: true };
    }
  }
}
