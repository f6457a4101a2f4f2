// Meta's supported media types and size limits for the Cloud API ("Supported media types":
// audio 16 MB, document 100 MB, image 5 MB, sticker 100 KB static / 500 KB animated,
// video 16 MB). Inbound media is checked against them before it is downloaded (from the
// file_size Meta reports) and while it streams (a file bigger than it said is cut off);
// an agent's attachment is checked before it is uploaded to Meta.
export const MEDIA_KINDS = ['image', 'audio', 'video', 'document', 'sticker'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

const MB = 1024 * 1024;

export const MAX_MEDIA_BYTES: Record<MediaKind, number> = {
  image: 5 * MB,
  audio: 16 * MB,
  video: 16 * MB,
  document: 100 * MB,
  // The animated sticker's limit; a static one is at most 100 KB.
  sticker: 500 * 1024,
};

/** Longest caption Meta accepts on an image, video or document. */
export const MAX_CAPTION = 1024;

/** Kinds whose send body takes a caption (audio and sticker do not). */
export const CAPTIONED: ReadonlySet<MediaKind> = new Set(['image', 'video', 'document']);

const BY_MIME: Record<string, MediaKind> = {
  'image/jpeg': 'image',
  'image/png': 'image',
  'image/webp': 'sticker',
  'audio/aac': 'audio',
  'audio/amr': 'audio',
  'audio/mpeg': 'audio',
  'audio/mp4': 'audio',
  'audio/ogg': 'audio',
  'video/mp4': 'video',
  'video/3gpp': 'video',
  'video/3gp': 'video',
  'text/plain': 'document',
  'application/pdf': 'document',
  'application/msword': 'document',
  'application/vnd.ms-excel': 'document',
  'application/vnd.ms-powerpoint': 'document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'document',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'document',
};

/** The base MIME type, lower case, without parameters ("audio/ogg; codecs=opus" → "audio/ogg"). */
export function baseMime(mime: string): string {
  return mime.split(';')[0].trim().toLowerCase();
}

/** The WhatsApp message type an outgoing file of this MIME type is sent as, or null when Meta does not take it. */
export function outboundKindFor(mime: string): MediaKind | null {
  return BY_MIME[baseMime(mime)] ?? null;
}
