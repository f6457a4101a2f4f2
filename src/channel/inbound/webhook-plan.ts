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
  const plan: WebhookPlan = { inbound: [], statuses: [], accountEvents: [], foreignPhoneIds: [], quoteIds: [] };
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
    const names = new Map<string, string>();
    for (const c of v.contacts ?? []) if (c.wa_id && c.profile?.name) names.set(c.wa_id, c.profile.name);
    const t = translator(tenant.defaultLocale);
    for (const m of v.messages) {
      // A message may answer one earlier in the same webhook, not stored yet.
      const known = new Map([...(quotes ?? []), ...plan.inbound.map((i) => [i.waMessageId, i.text] as const)]);
      plan.quoteIds.push(...referencedIds(m));
      plan.inbound.push({
        tenantId: tenant.id,
        waMessageId: m.id,
        waId: m.from || m.from_user_id || '',
        profileName: names.get(m.from ?? '') ?? null,
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
      recipient: st.recipient_id ?? null,
      errorCode: err?.code ?? null,
      errorReason: err ? (err.error_data?.details ?? err.message ?? err.title ?? null) : null,
      errorMessage: err?.message ?? null,
      conversationExpiresAt: st.conversation?.expiration_timestamp && /^\d+$/.test(st.conversation.expiration_timestamp) ? Number(st.conversation.expiration_timestamp) * 1000 : null,
      conversationType: st.conversation?.origin?.type ?? st.pricing?.category ?? null,
    });
  }
}
