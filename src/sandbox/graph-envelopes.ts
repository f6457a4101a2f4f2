// Builds webhook payloads the way Meta shapes them (object / entry / changes / value), so
// the receiver under test parses exactly what production will send. Builders only; the
// simulator delivers them separately.
import { createHash, randomBytes } from 'node:crypto';
import type { CustomerMessageInput, SimPhone, StatusUpdateInput } from './graph-types';

export const newWamid = (): string => 'wamid.' + randomBytes(24).toString('base64url');

const unixNow = (): string => String(Math.floor(Date.now() / 1000));
const digits = (s: string): string => s.replace(/\D/g, '');
const mediaId = (): string => String(1000000000000000 + randomBytes(4).readUInt32BE(0));
const sha256b64 = (): string => createHash('sha256').update(randomBytes(16)).digest('base64');

// Unknown numbers still get an envelope: tests use that to check how the receiver treats
// events for a number it does not serve.
function phoneOrPlaceholder(phones: ReadonlyMap<string, SimPhone>, id: string): SimPhone {
  return phones.get(id) ?? { id, wabaId: '0', displayPhoneNumber: '0', verifiedName: 'Unknown' };
}

function envelope(wabaId: string, field: string, value: object): object {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: wabaId, changes: [{ value, field }] }],
  };
}

function messageContent(o: CustomerMessageInput): Record<string, unknown> {
  const caption = o.caption === undefined ? {} : { caption: o.caption };
  switch (o.type ?? 'text') {
    case 'text':
      return { text: { body: o.text ?? '' } };
    case 'image':
      return { image: { mime_type: 'image/jpeg', sha256: sha256b64(), id: mediaId(), ...caption } };
    case 'video':
      return { video: { mime_type: 'video/mp4', sha256: sha256b64(), id: mediaId(), ...caption } };
    case 'audio':
      return { audio: { mime_type: 'audio/ogg; codecs=opus', sha256: sha256b64(), id: mediaId(), voice: true } };
    case 'document':
      return {
        document: {
          filename: 'document.pdf',
          mime_type: 'application/pdf',
          sha256: sha256b64(),
          id: mediaId(),
          ...caption,
        },
      };
    case 'sticker':
      return { sticker: { mime_type: 'image/webp', sha256: sha256b64(), id: mediaId(), animated: false } };
    case 'location':
      return { location: { latitude: 60.1699, longitude: 24.9384, name: 'Helsinki', address: 'Helsinki, Finland' } };
  }
}

export function customerMessage(phones: ReadonlyMap<string, SimPhone>, o: CustomerMessageInput): object {
  const phone = phoneOrPlaceholder(phones, o.phoneNumberId);
  const waId = digits(o.from);
  // A username customer (Graph v25, 2026): wa_id and from are "" when no phone number is shared.
  const user = o.userId ? { user_id: o.userId } : {};
  const profile = { name: o.name ?? 'WhatsApp User', ...(o.username ? { username: o.username, country_code: o.userId?.slice(0, 2) ?? 'US' } : {}) };
  return envelope(phone.wabaId, 'messages', {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: digits(phone.displayPhoneNumber), phone_number_id: phone.id },
    contacts: [{ profile, wa_id: waId, ...user }],
    messages: [
      {
        from: waId,
        ...(o.userId ? { from_user_id: o.userId } : {}),
        id: o.id ?? newWamid(),
        timestamp: unixNow(),
        type: o.type ?? 'text',
        ...messageContent(o),
      },
    ],
  });
}

export function statusUpdate(phones: ReadonlyMap<string, SimPhone>, o: StatusUpdateInput): object {
  const phone = phoneOrPlaceholder(phones, o.phoneNumberId);
  const status: Record<string, unknown> = {
    id: o.wamid,
    status: o.status,
    timestamp: unixNow(),
    recipient_id: digits(o.recipient),
  };
  if (o.status === 'sent' || o.status === 'delivered') {
    status.conversation = { id: randomBytes(16).toString('hex'), origin: { type: 'service' } };
    status.pricing = { billable: false, pricing_model: 'PMP', category: 'service' };
  }
  if (o.errors) {
    status.errors = o.errors.map((e) => ({
      code: e.code,
      title: e.title,
      message: e.message ?? e.title,
      error_data: { details: e.message ?? e.title },
      href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
    }));
  }
  return envelope(phone.wabaId, 'messages', {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: digits(phone.displayPhoneNumber), phone_number_id: phone.id },
    statuses: [status],
  });
}

export function accountUpdate(o: { wabaId: string; event: string }): object {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: o.wabaId,
        time: Math.floor(Date.now() / 1000),
        changes: [{ value: { event: o.event }, field: 'account_update' }],
      },
    ],
  };
}
