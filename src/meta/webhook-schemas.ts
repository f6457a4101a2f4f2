// zod schemas for Meta's WhatsApp webhooks (DESIGN.md section 4). Objects are loose:
// Meta adds fields over time and unknown ones are kept and ignored, never rejected.
// Only the `field` kinds we act on have a value schema; other kinds pass through.
import { z } from 'zod';

const media = z.looseObject({ id: z.string().optional(), mime_type: z.string().optional(), caption: z.string().optional() });

export const inboundMessage = z.looseObject({
  from: z.string().min(1),
  id: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/, 'expected unix seconds as a string'),
  type: z.string().min(1),
  text: z.looseObject({ body: z.string() }).optional(),
  image: media.optional(),
  video: media.optional(),
  audio: media.optional(),
  document: media.extend({ filename: z.string().optional() }).optional(),
  sticker: media.optional(),
  location: z
    .looseObject({ latitude: z.number().optional(), longitude: z.number().optional(), name: z.string().optional(), address: z.string().optional() })
    .optional(),
  button: z.looseObject({ text: z.string().optional() }).optional(),
  interactive: z
    .looseObject({
      button_reply: z.looseObject({ title: z.string().optional() }).optional(),
      list_reply: z.looseObject({ title: z.string().optional() }).optional(),
    })
    .optional(),
});
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
  errors: z.array(statusError).optional(),
  // Present on some statuses; the service window reads them (channel/window/window-observer.ts).
  conversation: z.looseObject({ id: z.string().optional(), expiration_timestamp: z.string().optional(), origin: z.looseObject({ type: z.string().optional() }).optional() }).optional(),
  pricing: z.looseObject({ category: z.string().optional() }).optional(),
});

export const messagesValue = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({ phone_number_id: z.string().min(1), display_phone_number: z.string().optional() }),
  contacts: z.array(z.looseObject({ wa_id: z.string().optional(), profile: z.looseObject({ name: z.string().optional() }).optional() })).optional(),
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
