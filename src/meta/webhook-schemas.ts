// zod schemas for Meta's WhatsApp webhooks (DESIGN.md section 4). Objects are loose:
// Meta adds fields over time and unknown ones are kept and ignored, never rejected.
// Only the `field` kinds we act on have a value schema; other kinds pass through.
import { z } from 'zod';

const media = z.looseObject({ id: z.string().optional(), mime_type: z.string().optional(), caption: z.string().optional() });

const str = z.string().optional();
const num = z.union([z.number(), z.string()]).optional();
const metaError = z.looseObject({ code: z.number().optional(), title: str, message: str, error_data: z.looseObject({ details: str }).optional() });

/** A shared contact card (type "contacts"); most parts may be missing when the user withholds them. */
const contactCard = z.looseObject({
  name: z.looseObject({ formatted_name: str, first_name: str, last_name: str }).optional(),
  phones: z.array(z.looseObject({ phone: str, wa_id: str, type: str })).optional(),
  emails: z.array(z.looseObject({ email: str, type: str })).optional(),
  org: z.looseObject({ company: str }).optional(),
});

export const inboundMessage = z.looseObject({
  // Empty for a customer with a username and no phone number shared: then
  // `from_user_id` (the business-scoped user id, BSUID) names the customer.
  from: z.string().optional(),
  from_user_id: str,
  id: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/, 'expected unix seconds as a string'),
  type: z.string().min(1),
  text: z.looseObject({ body: z.string() }).optional(),
  image: media.optional(),
  video: media.optional(),
  audio: media.optional(),
  document: media.extend({ filename: z.string().optional() }).optional(),
  sticker: media.optional(),
  location: z.looseObject({ latitude: num, longitude: num, name: str, address: str, url: str }).optional(),
  contacts: z.array(contactCard).optional(),
  button: z.looseObject({ text: str, payload: str }).optional(),
  interactive: z
    .looseObject({
      type: str,
      button_reply: z.looseObject({ id: str, title: str }).optional(),
      list_reply: z.looseObject({ id: str, title: str, description: str }).optional(),
      nfm_reply: z.looseObject({ name: str, body: str, response_json: str }).optional(),
    })
    .optional(),
  reaction: z.looseObject({ message_id: str, emoji: str }).optional(),
  order: z
    .looseObject({
      catalog_id: str,
      text: str,
      product_items: z.array(z.looseObject({ product_retailer_id: str, quantity: num, item_price: num, currency: str })).optional(),
    })
    .optional(),
  referral: z.looseObject({ source_url: str, source_id: str, source_type: str, headline: str, body: str, media_type: str }).optional(),
  context: z.looseObject({ from: str, id: str, forwarded: z.boolean().optional(), frequently_forwarded: z.boolean().optional() }).optional(),
  system: z.looseObject({ body: str, type: str, wa_id: str, new_wa_id: str, user_id: str, previous_user_id: str }).optional(),
  unsupported: z.looseObject({ type: str }).optional(),
  errors: z.array(metaError).optional(),
}).refine((m) => Boolean(m.from || m.from_user_id), { path: ['from'], message: 'expected a phone number in from or a business-scoped user id in from_user_id' });
export type InboundMessage = z.infer<typeof inboundMessage>;

const statusError = z.looseObject({
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});

export const messageStatus = z.looseObject({
  id: z.string().min(1),
  // Not an enum: Meta also sends 'deleted' and 'warning', which we record and ignore.
  status: z.string().min(1),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  // The customer's business-scoped user id; the only id on a status of a send to a BSUID without a phone number.
  recipient_user_id: z.string().optional(),
  errors: z.array(statusError).optional(),
  // Present on some statuses; the service window reads them (channel/window/window-observer.ts).
  conversation: z.looseObject({ id: z.string().optional(), expiration_timestamp: z.string().optional(), origin: z.looseObject({ type: z.string().optional() }).optional() }).optional(),
  pricing: z.looseObject({ category: z.string().optional() }).optional(),
});

export const messagesValue = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({ phone_number_id: z.string().min(1), display_phone_number: z.string().optional() }),
  contacts: z
    .array(z.looseObject({ wa_id: str, user_id: str, profile: z.looseObject({ name: str, username: str, country_code: str }).optional() }))
    .optional(),
  messages: z.array(inboundMessage).optional(),
  statuses: z.array(messageStatus).optional(),
});
export type MessagesValue = z.infer<typeof messagesValue>;

export const accountUpdateValue = z.looseObject({ event: z.string().min(1) });

const change = z.looseObject({ field: z.string().min(1), value: z.unknown() });

export const webhookEnvelope = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z
    .array(z.looseObject({ id: z.string().min(1), changes: z.array(change) }))
    .min(1),
});
export type WebhookEnvelope = z.infer<typeof webhookEnvelope>;

/** Value schemas of the field kinds we act on. */
export const VALUE_SCHEMAS: Record<string, z.ZodType> = {
  messages: messagesValue,
  account_update: accountUpdateValue,
};

export interface SchemaProblem {
  path: string;
  message: string;
}

/**
 * Validates a parsed body: the envelope, then each change whose field we know. Returns
 * the first problem with its path (e.g. entry.0.changes.1.value.messages.0.from).
 */
export function validateWebhook(body: unknown): { ok: true; envelope: WebhookEnvelope } | { ok: false; problem: SchemaProblem } {
  const env = webhookEnvelope.safeParse(body);
  if (!env.success) return { ok: false, problem: firstIssue(env.error, []) };
  for (const [ei, entry] of env.data.entry.entries()) {
    for (const [ci, ch] of entry.changes.entries()) {
      const schema = VALUE_SCHEMAS[ch.field];
      if (!schema) continue;
      const v = schema.safeParse(ch.value);
      if (!v.success) return { ok: false, problem: firstIssue(v.error, ['entry', ei, 'changes', ci, 'value']) };
    }
  }
  return { ok: true, envelope: env.data };
}

function firstIssue(err: z.ZodError, prefix: PropertyKey[]): SchemaProblem {
  const issue = err.issues[0];
  const path = [...prefix, ...issue.path].map(String).join('.');
  return { path: path || '(root)', message: issue.message };
}
