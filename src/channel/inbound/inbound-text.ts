// Turns one WhatsApp message into the text an agent sees in giosg: every type Meta sends
// becomes a readable line (a location with a map link, contact cards, button and list
// choices, reactions, orders, ad referrals, replies quoting what they answer, and the
// types WhatsApp cannot pass on). Media is fetched at relay time (channel/media/); here
// it only gets the line shown when that is not possible.
import type { TFunction } from 'i18next';
import type { InboundMessage } from '../../meta/webhook-schemas';
import { LOCALES, translator } from '../../i18n';

const MEDIA = ['image', 'video', 'audio', 'document', 'sticker'] as const;
/** Quotes longer than this are cut: the agent needs to recognise the message, not reread it. */
const QUOTE_CHARS = 120;

/** Texts of earlier messages by WhatsApp message id (ours and the customer's), for quoting. */
export type Quotes = ReadonlyMap<string, string>;

/** Message ids this message refers to (reply context, reaction): the texts to look up for quoting. */
export function referencedIds(m: InboundMessage): string[] {
  return [m.context?.id, m.reaction?.message_id].filter((x): x is string => Boolean(x));
}

export function inboundText(m: InboundMessage, t: TFunction, quotes: Quotes = new Map()): string {
  const lines: string[] = [];
  if (m.referral) lines.push(referralLine(m.referral, t));
  // A reaction names its message itself; a quick-reply button's context is the template it answers.
  if (m.context?.id && m.type !== 'reaction') {
    const quoted = quotes.get(m.context.id);
    lines.push(quoted ? t('messages:replyQuote', { quote: cut(quoted) }) : t('messages:replyEarlier'));
  } else if (m.context?.forwarded || m.context?.frequently_forwarded) {
    lines.push(t('messages:forwarded'));
  }
  const body = bodyLines(m, t, quotes);
  lines.push(...body);
  // Meta reports per-message problems here (mostly with `unsupported`): said once, plainly.
  if (m.type !== 'unsupported' && m.type !== 'unknown') for (const e of m.errors ?? []) lines.push(errorLine(e, t));
  return lines.join('\n') || t('messages:empty');
}

function bodyLines(m: InboundMessage, t: TFunction, quotes: Quotes): string[] {
  if (m.type === 'text' && m.text) return [m.text.body];
  if ((MEDIA as readonly string[]).includes(m.type)) {
    const media = m[m.type as (typeof MEDIA)[number]];
    const line = t(`channel:media.${m.type}`);
    const filename = m.type === 'document' && m.document?.filename ? ` (${m.document.filename})` : '';
    const caption = media?.caption?.trim();
    return [caption ? `${caption}\n${line}${filename}` : `${line}${filename}`];
  }
  switch (m.type) {
    case 'location':
      return m.location ? locationLines(m.location, t) : [];
    case 'contacts':
      return contactLines(m.contacts ?? [], t);
    case 'interactive':
      return interactiveLines(m.interactive, t);
    case 'button':
      return m.button ? [buttonLine(m.button, t)] : [];
    case 'reaction':
      return m.reaction ? [reactionLine(m.reaction, t, quotes)] : [];
    case 'order':
      return m.order ? orderLines(m.order, t) : [];
    case 'system':
      return m.system ? [systemLine(m.system, t)] : [];
    case 'unsupported':
    case 'unknown': {
      const kind = m.unsupported?.type;
      const first = m.errors?.[0];
      const reason = first ? (first.error_data?.details ?? first.message ?? first.title ?? '') : '';
      return [kind ? t('messages:unsupportedKind', { type: kind }) : t('messages:unsupported'), ...(reason ? [t('messages:unsupportedReason', { reason })] : [])];
    }
    default:
      return [t('channel:media.unsupported', { type: m.type })];
  }
}

type Location = NonNullable<InboundMessage['location']>;

function locationLines(l: Location, t: TFunction): string[] {
  const place = [l.name, l.address].filter(Boolean).join(', ');
  const lines = [place ? t('messages:location', { place }) : t('messages:locationPin')];
  if (l.latitude !== undefined && l.longitude !== undefined) lines.push(t('messages:map', { url: `https://maps.google.com/?q=${l.latitude},${l.longitude}` }));
  if (l.url) lines.push(l.url);
  return lines;
}

function contactLines(cards: NonNullable<InboundMessage['contacts']>, t: TFunction): string[] {
  const lines = [t('messages:contacts', { count: cards.length })];
  for (const c of cards) {
    const name = c.name?.formatted_name || [c.name?.first_name, c.name?.last_name].filter(Boolean).join(' ') || c.org?.company || t('messages:contactNoName');
    const phones = (c.phones ?? []).map((p) => p.phone || p.wa_id).filter(Boolean);
    lines.push(t('messages:contact', { name, phones: phones.length > 0 ? phones.join(', ') : t('messages:contactNoPhone') }));
  }
  return lines;
}

function interactiveLines(i: InboundMessage['interactive'], t: TFunction): string[] {
  if (i?.button_reply) return [t('messages:buttonReply', { title: i.button_reply.title ?? i.button_reply.id ?? '' })];
  if (i?.list_reply) {
    const { title, id, description } = i.list_reply;
    return [description ? t('messages:listReplyDescribed', { title: title ?? id ?? '', description }) : t('messages:listReply', { title: title ?? id ?? '' })];
  }
  if (i?.nfm_reply) return [t('messages:flowReply', { name: i.nfm_reply.body || i.nfm_reply.name || '' }), ...flowFields(i.nfm_reply.response_json)];
  return [t('messages:interactive', { type: i?.type ?? '' })];
}

/** A WhatsApp Flow's answers, one `field: value` line each (its flow_token is ours, not the customer's). */
function flowFields(json: string | undefined): string[] {
  if (!json) return [];
  try {
    const data = JSON.parse(json) as unknown;
    if (!data || typeof data !== 'object') return [];
    return Object.entries(data as Record<string, unknown>)
      .filter(([k]) => k !== 'flow_token')
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  } catch {
    return [json];
  }
}

function buttonLine(b: NonNullable<InboundMessage['button']>, t: TFunction): string {
  const text = b.text ?? b.payload ?? '';
  return b.payload && b.payload !== text ? t('messages:quickReplyPayload', { text, payload: b.payload }) : t('messages:quickReply', { text });
}

function reactionLine(r: NonNullable<InboundMessage['reaction']>, t: TFunction, quotes: Quotes): string {
  const quoted = r.message_id ? quotes.get(r.message_id) : undefined;
  const target = quoted ? { quote: cut(quoted) } : { id: r.message_id ?? '' };
  // Meta leaves the emoji out (or empty) when the customer takes a reaction back.
  if (!r.emoji) return quoted ? t('messages:reactionRemovedQuote', target) : t('messages:reactionRemovedId', target);
  return quoted ? t('messages:reactionQuote', { emoji: r.emoji, ...target }) : t('messages:reactionId', { emoji: r.emoji, ...target });
}

function orderLines(o: NonNullable<InboundMessage['order']>, t: TFunction): string[] {
  const items = o.product_items ?? [];
  const lines = [t('messages:order', { catalog: o.catalog_id ?? '' })];
  let total = 0;
  const currencies = new Set<string>();
  for (const it of items) {
    const quantity = Number(it.quantity ?? 1);
    const price = Number(it.item_price ?? 0);
    total += quantity * price;
    if (it.currency) currencies.add(it.currency);
    lines.push(t('messages:orderItem', { quantity, product: it.product_retailer_id ?? '', price: money(price), currency: it.currency ?? '' }));
  }
  // Mixed currencies have no meaningful sum.
  if (items.length > 0 && currencies.size <= 1) lines.push(t('messages:orderTotal', { total: money(total), currency: [...currencies][0] ?? '' }));
  if (o.text) lines.push(t('messages:orderNote', { text: o.text }));
  return lines;
}

function systemLine(s: NonNullable<InboundMessage['system']>, t: TFunction): string {
  const number = s.wa_id ?? s.new_wa_id;
  if ((s.type === 'user_changed_number' || s.type === 'customer_changed_number') && number) return t('messages:changedNumber', { number });
  if (s.type === 'user_changed_user_id') return t('messages:changedUserId');
  return t('messages:system', { body: s.body ?? s.type ?? '' });
}

function referralLine(r: NonNullable<InboundMessage['referral']>, t: TFunction): string {
  return t('messages:referral', { headline: r.headline || r.body || '–', sourceType: r.source_type ?? '–', url: r.source_url ?? '' }).trim();
}

function errorLine(e: NonNullable<InboundMessage['errors']>[number], t: TFunction): string {
  return t('messages:error', { reason: e.error_data?.details ?? e.message ?? e.title ?? '', code: e.code ?? '?' });
}

function money(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** Starts of the lines that frame a message (what it replies to, the ad it came from), in every language. */
let framePrefixes: string[] | undefined;

function isFrameLine(line: string): boolean {
  framePrefixes ??= LOCALES.flatMap((l) => {
    const t = translator(l);
    const mark = '\u0000';
    return ['replyQuote', 'replyEarlier', 'forwarded', 'referral'].map((k) => t(`messages:${k}`, { quote: mark, headline: mark, sourceType: mark, url: mark }).split(mark)[0]);
  });
  return framePrefixes.some((p) => line.startsWith(p));
}

/** The frame lines of a stored message (what it replies to, the ad it came from): kept above a media message's caption. */
export function frameLines(text: string): string[] {
  const lines = text.split('\n');
  const end = lines.findIndex((line) => !isFrameLine(line));
  return end === -1 ? [] : lines.slice(0, end);
}

/** A stored message's own words, without the frame lines: a quote of a reply does not quote its quote. */
function ownWords(text: string): string {
  const lines = text.split('\n');
  const own = lines.filter((line) => !isFrameLine(line));
  return (own.length > 0 ? own : lines).join('\n');
}

function cut(text: string): string {
  const flat = ownWords(text).replace(/\s+/g, ' ').trim();
  return flat.length > QUOTE_CHARS ? `${flat.slice(0, QUOTE_CHARS - 1)}…` : flat;
}
