// Meta's documented example webhooks for media messages (WhatsApp Cloud API, "Webhooks
// reference: messages" — image, audio, video, document, sticker; Graph v25 shapes), with
// the envelope, contacts and message fields as Meta shows them. Only the ids and the
// business number are filled in per test, so the channel parses exactly Meta's examples.
import { TENANT } from '../../testkit/harness';

export type ExampleKind = 'image' | 'audio' | 'video' | 'document' | 'sticker';

/** The media object of each documented example, without its id. */
export const MEDIA_OBJECTS: Record<ExampleKind, Record<string, unknown>> = {
  image: { caption: 'Black jacket', mime_type: 'image/jpeg', sha256: 'Yl1cTlBfWI/ZdAIaBpZzwO2LScMgeyXNNVYoYeeL8fs=' },
  audio: { mime_type: 'audio/ogg; codecs=opus', sha256: 'p0Y5hqCVZjrs3c4s53RHhH0LrJV1WyYIjwEy5Dxaxck=', voice: true },
  video: { caption: 'Check out this dance!', mime_type: 'video/mp4', sha256: 'MPb8AIsJMpodR8ZSpAXtVlX8S9AyHNnKUoZPc5BU2Pk=' },
  document: { caption: 'Lucky Shrub Invoice', filename: 'lucky-shrub-invoice.pdf', mime_type: 'application/pdf', sha256: 'Pqkc4frdeYLPrpHKYqOmaoKOybylxkgq9TN/r3yvgwE=' },
  sticker: { mime_type: 'image/webp', sha256: 'eVgtnCJZMOXhT63U8/VWhiKfRAqGzvPGf5gKlwRO5Ew=', animated: false },
};

export function mediaExample(kind: ExampleKind, o: { mediaId: string; from: string; wamid: string; name?: string; timestamp?: string; mimeType?: string }): object {
  const media = { ...MEDIA_OBJECTS[kind], id: o.mediaId, ...(o.mimeType ? { mime_type: o.mimeType } : {}) };
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: TENANT.wabaId,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: TENANT.phoneNumberId },
              contacts: [{ profile: { name: o.name ?? 'Sheena Nelson' }, wa_id: o.from }],
              messages: [{ from: o.from, id: o.wamid, timestamp: o.timestamp ?? '1750090702', type: kind, [kind]: media }],
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

/** Meta's documented text message example, for ordering tests. */
export function textExample(o: { from: string; wamid: string; body: string }): object {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: TENANT.wabaId,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: TENANT.phoneNumberId },
              contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: o.from }],
              messages: [{ from: o.from, id: o.wamid, timestamp: '1750090703', type: 'text', text: { body: o.body } }],
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

/** Bytes that look like each type (magic numbers), so a viewer would recognise them. */
export function sampleBytes(kind: ExampleKind, size = 4096): Buffer {
  const magic: Record<ExampleKind, number[]> = {
    image: [0xff, 0xd8, 0xff, 0xe0],
    audio: [0x4f, 0x67, 0x67, 0x53],
    video: [0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70],
    document: [0x25, 0x50, 0x44, 0x46, 0x2d],
    sticker: [0x52, 0x49, 0x46, 0x46],
  };
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + kind.length) & 0xff;
  Buffer.from(magic[kind]).copy(b);
  return b;
}
