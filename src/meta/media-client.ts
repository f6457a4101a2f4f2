// Meta's media endpoints (Cloud API "Media"): look a media id up (GET /{media-id} →
// a signed URL that lives about 5 minutes), download that URL with the same Bearer token,
// upload a file (POST /{phone-number-id}/media, multipart) and send a media message by the
// uploaded id. Tokens come in per call from the vault and are never kept; the signed URL
// is never logged or stored (it is returned to the caller and used at once).
import { recipientFields } from './customer-address';
import { z } from 'zod';
import { requestJson } from '../http/json-request';
import { downloadToFile, postMultipartFile, type Downloaded, type FilePart } from '../http/stream-transfer';
import { appSecretProof, fromErrorBody, transportError } from './graph-client';
import { GraphError } from './graph-errors';
import { CAPTIONED, type MediaKind } from './media-limits';

const mediaInfo = z.looseObject({
  url: z.url(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  file_size: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
  id: z.string().optional(),
});

const uploadAnswer = z.looseObject({ id: z.string().min(1) });
const sendAnswer = z.looseObject({ messages: z.array(z.looseObject({ id: z.string() })).min(1) });

export interface MediaInfo {
  url: string;
  mimeType: string | undefined;
  fileSize: number | undefined;
}

interface Auth {
  token: string;
  appSecret: string;
}

/** The download URL answered 404/410: it lived out its ~5 minutes; a new lookup gives a fresh one. */
export class MediaUrlExpired extends Error {
  constructor() {
    super('media URL no longer valid');
    this.name = 'MediaUrlExpired';
  }
}

export class MetaMediaClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(o: { baseUrl: string; version: string; timeoutMs?: number }) {
    this.base = `${o.baseUrl.replace(/\/+$/, '')}/${o.version}`;
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  async lookup(p: Auth & { mediaId: string; phoneNumberId: string }): Promise<MediaInfo> {
    const q = new URLSearchParams({ phone_number_id: p.phoneNumberId, appsecret_proof: appSecretProof(p.token, p.appSecret) });
    let res;
    try {
      res = await requestJson({ method: 'GET', url: `${this.base}/${encodeURIComponent(p.mediaId)}?${q}`, headers: { Authorization: `Bearer ${p.token}` }, timeoutMs: this.timeoutMs });
    } catch (err) {
      throw transportError(err);
    }
    if (res.status >= 400 || (res.data && typeof res.data === 'object' && 'error' in res.data)) throw fromErrorBody(res.status, res.data);
    const parsed = mediaInfo.safeParse(res.data);
    if (!parsed.success) throw new GraphError('unexpected media lookup response from Graph API', res.status, undefined, undefined, undefined, undefined);
    const size = parsed.data.file_size === undefined ? undefined : Number(parsed.data.file_size);
    return { url: parsed.data.url, mimeType: parsed.data.mime_type, fileSize: size };
  }

  /** Downloads the looked-up URL into `dest` (Meta wants the same Bearer token on it). */
  async download(p: { url: string; token: string; dest: string; maxBytes: number }): Promise<Downloaded> {
    let answer;
    try {
      answer = await downloadToFile({ url: p.url, headers: { Authorization: `Bearer ${p.token}` }, dest: p.dest, maxBytes: p.maxBytes, idleTimeoutMs: this.timeoutMs });
    } catch (err) {
      if ((err as Error)?.name === 'TooLargeError') throw err;
      throw transportError(err);
    }
    if (answer.ok) return answer.file;
    if (answer.status === 404 || answer.status === 410) throw new MediaUrlExpired();
    throw fromErrorBody(answer.status, answer.data);
  }

  async upload(p: Auth & { phoneNumberId: string; file: Omit<FilePart, 'field'> }): Promise<string> {
    const q = new URLSearchParams({ appsecret_proof: appSecretProof(p.token, p.appSecret) });
    let res;
    try {
      res = await postMultipartFile({
        url: `${this.base}/${encodeURIComponent(p.phoneNumberId)}/media?${q}`,
        headers: { Authorization: `Bearer ${p.token}` },
        fields: [
          ['messaging_product', 'whatsapp'],
          ['type', p.file.contentType],
        ],
        file: { ...p.file, field: 'file' },
        idleTimeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw transportError(err);
    }
    if (res.status >= 400 || (res.data && typeof res.data === 'object' && 'error' in res.data)) throw fromErrorBody(res.status, res.data);
    const parsed = uploadAnswer.safeParse(res.data);
    if (!parsed.success) throw new GraphError('unexpected media upload response from Graph API', res.status, undefined, undefined, undefined, undefined);
    return parsed.data.id;
  }

  /** Sends an uploaded media by id: `{type: kind, [kind]: {id, caption?, filename?}}`. */
  async sendMedia(p: Auth & { phoneNumberId: string; to: string; kind: MediaKind; mediaId: string; caption?: string; filename?: string }): Promise<{ wamid: string }> {
    const media: Record<string, string> = { id: p.mediaId };
    if (p.caption && CAPTIONED.has(p.kind)) media.caption = p.caption;
    if (p.filename && p.kind === 'document') media.filename = p.filename;
    const q = new URLSearchParams({ appsecret_proof: appSecretProof(p.token, p.appSecret) });
    let res;
    try {
      res = await requestJson({
        method: 'POST',
        url: `${this.base}/${encodeURIComponent(p.phoneNumberId)}/messages?${q}`,
        headers: { Authorization: `Bearer ${p.token}` },
        body: { messaging_product: 'whatsapp', recipient_type: 'individual', ...recipientFields(p.to), type: p.kind, [p.kind]: media },
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw transportError(err);
    }
    if (res.status >= 400 || (res.data && typeof res.data === 'object' && 'error' in res.data)) throw fromErrorBody(res.status, res.data);
    const parsed = sendAnswer.safeParse(res.data);
    if (!parsed.success) throw new GraphError('unexpected send response from Graph API', 200, undefined, undefined, undefined, undefined);
    return { wamid: parsed.data.messages[0].id };
  }
}
