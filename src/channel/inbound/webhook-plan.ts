// Reads one stored Meta webhook into the rows it should produce, without touching the
// database: customer messages to relay, delivery statuses to record, account events.
// Pure, so the processor can validate a whole batch before opening one transaction for it.
import type { Tenant } from '../../vault/tenants';
import type { NewInbound } from '../../store/inbound-repo';
import type { StatusUpdate } from '../../store/webhook-apply-repo';
import { translator } from '../../i18n';
import { validateWebhook, MessagesValue } from '../../meta/webhook-schemas';
import { inboundText, referencedIds, type Quotes } from './inbound-text';
import { mediaRefOf } from '../media/media-ref';
import type { CustomerIds } from './customer-keys';

export interface StatusPlan extends StatusUpdate {
  /** Meta's error message (first of `errors`), for classifying the error after the commit. */
  errorMessage: string | null;
}

export interface WebhookPlan {
  inbound: NewInbound[];
  statuses: StatusPlan[];
  accountEvents: string[];
  /** phone_number_id values this tenant does not serve (their messages/statuses are ignored). */
  foreignPhoneIds: string[];
  /** Earlier messages these ones reply or react to: plan again with their texts to quote them. */
  quoteIds: string[];
  /** The ids each inbound message's customer came with (same order as `inbound`): the processor turns them into thread keys. */
  customers: CustomerIds[];
}

export type PlanResult = { ok: true; plan: WebhookPlan } | { ok: false; error: string };

export function planWebhook(tenant: Tenant, body: string, quotes?: Quotes): PlanResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, error: 'stored webhook is not JSON' };
  }
  const valid = validateWebhook(parsed);
  // The receiver validated before storing; a failure here means the schema changed since.
  if (!valid.ok) return { ok: false, error: `stored webhook no longer validates at ${valid.problem.path}` };
  const plan: WebhookPlan = { inbound: [], statuses: [], accountEvents: [], foreignPhoneIds: [], quoteIds: [], customers: [] };
  for (const entry of valid.envelope.entry) {
    for (const change of entry.changes) {
      if (change.field === 'messages') addMessages(plan, tenant, change.value as MessagesValue, quotes);
      else if (change.field === 'account_update') plan.accountEvents.push((change.value as { event: string }).event);
      // Other field kinds (account_alerts, security, …) are stored and ignored.
    }
  }
  return { ok: true, plan };
}

function addMessages(plan: WebhookPlan, tenant: Tenant, v: MessagesValue, quotes: Quotes | undefined): void {
  if (v.metadata.phone_number_id !== tenant.phoneNumberId) {
    plan.foreignPhoneIds.push(v.metadata.phone_number_id);
    return;
  }
  if (v.messages && v.messages.length > 0) {
    const contacts = v.contacts ?? [];
    const t = translator(tenant.defaultLocale);
    for (const m of v.messages) {
      const phone = m.from || undefined;
      const contact = contacts.find((c) => (phone && c.wa_id === phone) || (m.from_user_id && c.user_id === m.from_user_id)) ?? (contacts.length === 1 ? contacts[0] : undefined);
      const bsuid = m.from_user_id || contact?.user_id || undefined;
      // A message may answer one earlier in the same webhook, not stored yet.
      const known = new Map([...(quotes ?? []), ...plan.inbound.map((i) => [i.waMessageId, i.text] as const)]);
      plan.quoteIds.push(...referencedIds(m));
      const changed = m.type === 'system' && m.system && (m.system.type === 'user_changed_number' || m.system.type === 'customer_changed_number' || m.system.type === 'user_changed_user_id')
        ? { phone: m.system.wa_id || m.system.new_wa_id || undefined, bsuid: m.system.user_id || undefined }
        : undefined;
      plan.customers.push({ phone, bsuid, ...(changed ? { changed } : {}) });
      plan.inbound.push({
        tenantId: tenant.id,
        waMessageId: m.id,
        // Provisional: the processor replaces it with the customer's thread key (customer-keys.ts).
        waId: phone ?? bsuid ?? '',
        profileName: displayName(contact?.profile),
        text: inboundText(m, t, known),
        waTimestamp: Number(m.timestamp) * 1000,
        media: mediaRefOf(m),
      });
    }
  }
  for (const st of v.statuses ?? []) {
    const err = st.errors?.[0];
    plan.statuses.push({
      tenantId: tenant.id,
      statusId: st.id,
      status: st.status,
      recipient: st.recipient_id || st.recipient_user_id || null,
      errorCode: err?.code ?? null,
      errorReason: err ? (err.error_data?.details ?? err.message ?? err.title ?? null) : null,
      errorMessage: err?.message ?? null,
      conversationExpiresAt: st.conversation?.expiration_timestamp && /^\d+$/.test(st.conversation.expiration_timestamp) ? Number(st.conversation.expiration_timestamp) * 1000 : null,
      conversationType: st.conversation?.origin?.type ?? st.pricing?.category ?? null,
    });
  }
}

/** What the agent sees as the customer's name: the profile name, with the WhatsApp username when there is one. */
function displayName(profile: { name?: string; username?: string } | undefined): string | null {
  const name = profile?.name?.trim();
  const username = profile?.username?.trim();
  const handle = username ? (username.startsWith('@') ? username : `@${username}`) : undefined;
  if (name && handle) return `${name} (${handle})`;
  return name || handle || null;
}
