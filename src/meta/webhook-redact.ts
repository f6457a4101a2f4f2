// One customer's parts of a stored Meta webhook body, for erasure and export: the contacts,
// messages and statuses that name them by phone-number id (wa_id, from, recipient_id) or by
// business-scoped user id (user_id, from_user_id, recipient_user_id). Works on the body as
// stored (the receiver validated it), keeping every other field as it came.

type Json = Record<string, unknown>;

export interface CustomerParts {
  /** The body without this customer's parts; null when nothing else was in it. */
  redacted: string | null;
  /** Their contacts, messages and statuses, as Meta sent them. */
  parts: { field: string; kind: 'contacts' | 'messages' | 'statuses'; item: unknown }[];
}

const IDS: Record<'contacts' | 'messages' | 'statuses', string[]> = {
  contacts: ['wa_id', 'user_id'],
  messages: ['from', 'from_user_id'],
  statuses: ['recipient_id', 'recipient_user_id'],
};

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function names(item: unknown, keys: string[], customer: string): boolean {
  return isObject(item) && keys.some((k) => item[k] === customer);
}

/** Null when the body is not a webhook envelope we can read (then it is left alone). */
export function customerParts(body: string, customer: string): CustomerParts | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isObject(parsed) || !Array.isArray(parsed.entry)) return null;
  const parts: CustomerParts['parts'] = [];
  let othersLeft = false;
  for (const entry of parsed.entry) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) continue;
    for (const change of entry.changes) {
      if (!isObject(change) || !isObject(change.value)) {
        othersLeft = true;
        continue;
      }
      const value = change.value;
      const field = typeof change.field === 'string' ? change.field : '';
      let carried = false;
      for (const kind of ['contacts', 'messages', 'statuses'] as const) {
        const list = value[kind];
        if (!Array.isArray(list)) continue;
        const kept = list.filter((item) => {
          if (!names(item, IDS[kind], customer)) return true;
          parts.push({ field, kind, item });
          return false;
        });
        value[kind] = kept;
        if (kind !== 'contacts' && kept.length > 0) carried = true;
      }
      // A change with other customers' messages or statuses, or of another kind, stays.
      if (carried || !['messages'].includes(field) || (!Array.isArray(value.messages) && !Array.isArray(value.statuses))) othersLeft = true;
    }
  }
  return { redacted: othersLeft ? JSON.stringify(parsed) : null, parts };
}
