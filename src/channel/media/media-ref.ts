// What the webhook processor stores about a customer's media: Meta's media id and what
// the message said about the file. Never a URL (Meta's is signed and short-lived; it is
// fetched at relay time with the current token). Stored as JSON on the inbound row.
import { z } from 'zod';
import { MEDIA_KINDS } from '../../meta/media-limits';
import type { InboundMessage } from '../../meta/webhook-schemas';

export const mediaRef = z.object({
  kind: z.enum(MEDIA_KINDS),
  id: z.string().min(1),
  mimeType: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  animated: z.boolean().optional(),
  voice: z.boolean().optional(),
});
export type MediaRef = z.infer<typeof mediaRef>;

/** The media of a message as stored JSON, or null when it has none we can fetch. */
export function mediaRefOf(m: InboundMessage): string | null {
  if (!(MEDIA_KINDS as readonly string[]).includes(m.type)) return null;
  const kind = m.type as MediaRef['kind'];
  const media = m[kind] as Record<string, unknown> | undefined;
  if (!media || typeof media.id !== 'string' || media.id === '') return null;
  const str = (k: string) => (typeof media[k] === 'string' ? (media[k] as string) : undefined);
  const bool = (k: string) => (typeof media[k] === 'boolean' ? (media[k] as boolean) : undefined);
  const ref: MediaRef = {
    kind,
    id: media.id,
    mimeType: str('mime_type'),
    sha256: str('sha256'),
    caption: str('caption'),
    filename: str('filename'),
    animated: bool('animated'),
    voice: bool('voice'),
  };
  return JSON.stringify(ref);
}

export function parseMediaRef(json: string): MediaRef | null {
  try {
    const r = mediaRef.safeParse(JSON.parse(json));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
