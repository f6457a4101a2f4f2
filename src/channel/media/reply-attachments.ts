// Turns an agent's reply with attachments into outbox rows: the text goes as the first
// accepted attachment's caption when it can (an image, video or document, and at most
// Meta's 1024 characters), otherwise as text message(s) ahead of the files. Attachments
// WhatsApp cannot take become notices for the agent instead of rows.
import type { NewOutboxRow } from '../../store/outbox-repo';
import type { SecretBox } from '../../vault/crypto';
import type { ReplyAttachment } from '../../giosg/assumed-shapes';
import { CAPTIONED, MAX_CAPTION } from '../../meta/media-limits';
import { splitForWhatsApp } from '../outbound/split-text';
import { planAttachment, sealRef, type OutboundMediaRef } from './outbound-media-ref';

export interface ReplyPlan {
  rows: NewOutboxRow[];
  /** Translation keys with their values, one per refused attachment. */
  notices: { key: string; vars: Record<string, string> }[];
}

export function replyRows(o: { box: SecretBox; tenantId: string; sourceId: string; recipient: string; chatId: string | null; text: string; attachments: ReplyAttachment[] }): ReplyPlan {
  const accepted: OutboundMediaRef[] = [];
  const notices: ReplyPlan['notices'] = [];
  for (const a of o.attachments) {
    const p = planAttachment(a);
    if (p.ok) accepted.push(p.ref);
    else notices.push(p.notice);
  }
  const text = o.text.trim() === '' ? '' : o.text;
  const asCaption = text !== '' && accepted.length > 0 && CAPTIONED.has(accepted[0].kind) && text.length <= MAX_CAPTION;
  const rows: NewOutboxRow[] = [];
  const base = { tenantId: o.tenantId, recipient: o.recipient, giosgChatId: o.chatId };
  // The first row keeps giosg's message id, so a redelivered webhook is recognised.
  const nextId = () => (rows.length === 0 ? o.sourceId : `${o.sourceId}#${rows.length + 1}`);
  if (text !== '' && !asCaption) for (const body of splitForWhatsApp(text)) rows.push({ ...base, sourceId: nextId(), body });
  accepted.forEach((ref, i) => {
    const sourceId = nextId();
    rows.push({ ...base, sourceId, body: i === 0 && asCaption ? text : '', media: sealRef(o.box, o.tenantId, sourceId, ref) });
  });
  return { rows, notices };
}
