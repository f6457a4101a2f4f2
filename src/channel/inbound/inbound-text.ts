// Turns one WhatsApp message into the text an agent sees in giosg. Media is not
// downloaded (out of scope): the agent gets the caption and a line naming the media type.
import type { TFunction } from 'i18next';
import type { InboundMessage } from '../../meta/webhook-schemas';

const MEDIA = ['image', 'video', 'audio', 'document', 'sticker'] as const;

export function inboundText(m: InboundMessage, t: TFunction): string {
  if (m.type === 'text' && m.text) return m.text.body;
  if ((MEDIA as readonly string[]).includes(m.type)) {
    const media = m[m.type as (typeof MEDIA)[number]];
    const line = t(`channel:media.${m.type}`);
    const filename = m.type === 'document' && m.document?.filename ? ` (${m.document.filename})` : '';
    const caption = media?.caption?.trim();
    return caption ? `${caption}\n${line}${filename}` : `${line}${filename}`;
  }
  if (m.type === 'location' && m.location) {
    const where = [m.location.name, m.location.address].filter(Boolean).join(', ');
    const coords = m.location.latitude !== undefined && m.location.longitude !== undefined ? `${m.location.latitude}, ${m.location.longitude}` : '';
    return t('channel:media.location', { place: [where, coords && `(${coords})`].filter(Boolean).join(' ') });
  }
  if (m.type === 'button' && m.button?.text) return m.button.text;
  if (m.type === 'interactive') {
    const title = m.interactive?.button_reply?.title ?? m.interactive?.list_reply?.title;
    if (title) return title;
  }
  return t('channel:media.unsupported', { type: m.type });
}
