// A customer's media message in Meta's webhook shape, pointing at media the simulator
// serves: the ordinary envelope with the media object's id, type and filename filled in.
import { customerMessage } from './graph-envelopes';
import type { MediaStore } from './graph-media';
import type { CustomerMediaInput, SimPhone } from './graph-types';

export function customerMediaMessage(phones: ReadonlyMap<string, SimPhone>, media: MediaStore, m: CustomerMediaInput): object {
  const env = customerMessage(phones, { phoneNumberId: m.phoneNumberId, from: m.from, name: m.name, id: m.id, type: m.kind, caption: m.caption }) as {
    entry: { changes: { value: { messages: Record<string, Record<string, unknown>>[] } }[] }[];
  };
  const obj = env.entry[0].changes[0].value.messages[0][m.kind];
  const stored = media.byId.get(m.mediaId);
  obj.id = m.mediaId;
  const mime = m.mimeType ?? stored?.mimeType;
  if (mime) obj.mime_type = mime;
  if (stored) obj.sha256 = stored.sha256;
  if (m.filename !== undefined) obj.filename = m.filename;
  if (m.voice !== undefined) obj.voice = m.voice;
  return env;
}
