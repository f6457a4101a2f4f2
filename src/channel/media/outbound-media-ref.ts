// An agent's attachment on its way to WhatsApp: which message type it goes as (from its
// MIME type, or its file name's extension when giosg gives none), checked against Meta's
// accepted types and size limits before it is queued. The reference holds giosg's download
// link, which may be signed: it is sealed with the vault's key before it is stored.
import path from 'node:path';
import { z } from 'zod';
import type { SecretBox, Sealed } from '../../vault/crypto';
import type { ReplyAttachment } from '../../giosg/assumed-shapes';
import { MAX_MEDIA_BYTES, MEDIA_KINDS, baseMime, outboundKindFor, type MediaKind } from '../../meta/media-limits';
import { humanSize } from './spool';

export const outboundMediaRef = z.object({
  kind: z.enum(MEDIA_KINDS),
  url: z.string(),
  filename: z.string(),
  mimeType: z.string(),
  caption: z.string().optional(),
});
export type OutboundMediaRef = z.infer<typeof outboundMediaRef>;

const BY_EXT: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.3gp': 'video/3gpp',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.amr': 'audio/amr',
  '.ogg': 'audio/ogg',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.ppt': 'application/vnd.ms-powerpoint',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

export type AttachmentPlan =
  | { ok: true; ref: OutboundMediaRef }
  | { ok: false; notice: { key: 'media:out.unsupported'; vars: { filename: string; type: string } } | { key: 'media:out.tooLarge'; vars: { filename: string; size: string; limit: string } } };

export function planAttachment(a: ReplyAttachment): AttachmentPlan {
  const filename = (a.file_name ?? a.original_file_name ?? nameInUrl(a.url)).trim() || 'file';
  const given = a.content_type ? baseMime(a.content_type) : undefined;
  // giosg may label a file generically; the extension then tells what it is.
  const mime = given && given !== 'application/octet-stream' ? given : (BY_EXT[path.extname(filename).toLowerCase()] ?? given ?? 'application/octet-stream');
  const kind = outboundKindFor(mime);
  if (!kind) return { ok: false, notice: { key: 'media:out.unsupported', vars: { filename, type: mime } } };
  const limit = MAX_MEDIA_BYTES[kind];
  if (a.file_size !== undefined && a.file_size > limit) {
    return { ok: false, notice: { key: 'media:out.tooLarge', vars: { filename, size: humanSize(a.file_size), limit: humanSize(limit) } } };
  }
  return { ok: true, ref: { kind, url: a.url, filename, mimeType: mime } };
}

function nameInUrl(url: string): string {
  const last = path.basename(new URL(url).pathname);
  try {
    return decodeURIComponent(last);
  } catch {
    return last; // a malformed %-escape: the name as it stands
  }
}

const aad = (tenantId: string, sourceId: string) => `outbox-media:${tenantId}:${sourceId}`;

export function sealRef(box: SecretBox, tenantId: string, sourceId: string, ref: OutboundMediaRef): string {
  return JSON.stringify(box.seal(JSON.stringify(ref), aad(tenantId, sourceId)));
}

export function openRef(box: SecretBox, tenantId: string, sourceId: string, stored: string): OutboundMediaRef {
  const sealed = JSON.parse(stored) as Sealed;
  return outboundMediaRef.parse(JSON.parse(box.open(sealed, aad(tenantId, sourceId))));
}

export function limitFor(kind: MediaKind): number {
  return MAX_MEDIA_BYTES[kind];
}
