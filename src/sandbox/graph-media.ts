// The Graph simulator's media: what customers "sent" (served through GET /{media-id} and a
// signed download URL that needs the same Bearer token, like Meta's lookaside URLs), files
// the channel uploads (POST /{phone-number-id}/media, multipart, parsed as a stream) and
// media messages the channel sends by id. Bodies can be synthetic (a size and a seed) so a
// benchmark can relay many large files without the simulator holding them.
import { windowClosed, windowClosedError } from './graph-templates';
import { SIM_BSUID, sentContact } from './graph-send';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import busboy from 'busboy';
import { metaErrors } from './graph-errors';
import { authenticate, type AuthConfig } from './graph-auth';
import { newWamid } from './graph-envelopes';
import { tokenFingerprint } from './fingerprint';
import type { GraphState } from './graph-state';
import type { SentMessage } from './graph-types';

export const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'] as const;
export type SimMediaKind = (typeof MEDIA_TYPES)[number];

/** Meta's upload cap is the document limit; the simulator refuses bigger parts the same way. */
const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
/** Uploads up to this size keep their bytes (the playground's phone shows them); bigger ones only their hash. */
const KEEP_UPLOAD_BYTES = 5 * 1024 * 1024;
const CHUNK = 64 * 1024;

export interface StoredMedia {
  id: string;
  mimeType: string;
  size: number;
  sha256: string;
  /** Real bytes, or a seed for synthetic ones. */
  data?: Buffer;
  seed?: number;
  /** What the lookup says file_size is, when it should differ from the truth (tests of the streaming cap). */
  reportedSize?: number;
  /** Set for files the channel uploaded. */
  filename?: string;
  uploadedBy?: string;
}

export interface SentMedia {
  kind: SimMediaKind;
  mediaId?: string;
  link?: string;
  caption?: string;
  filename?: string;
  /** The uploaded file it names (undefined when the id is unknown). */
  file?: StoredMedia;
}

const mediaId = (): string => String(1000000000000000 + randomBytes(6).readUIntBE(0, 6));

function chunkOf(seed: number, index: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = (seed * 2654435761 + index * 40503) >>> 0;
  for (let i = 0; i < size; i += 4) {
    x = (x * 1664525 + 1013904223) >>> 0;
    b.writeUInt32LE(x, i < size - 3 ? i : size - 4);
  }
  return b;
}

/** The bytes of a synthetic file, chunk by chunk: nothing bigger than one chunk is held. */
export function syntheticStream(seed: number, size: number): Readable {
  let sent = 0;
  let index = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(CHUNK, size - sent);
      sent += n;
      this.push(n >= 4 ? chunkOf(seed, index++, n) : Buffer.alloc(n, 7));
    },
  });
}

export async function syntheticSha256(seed: number, size: number): Promise<string> {
  const h = createHash('sha256');
  for await (const c of syntheticStream(seed, size)) h.update(c as Buffer);
  return h.digest('base64');
}

export class MediaStore {
  readonly byId = new Map<string, StoredMedia>();
  readonly sentMedia: SentMedia[] = [];
  private downloadFailures: { remaining: number; status: number } | undefined;
  private readonly urlKey = randomBytes(32);

  add(m: Omit<StoredMedia, 'id'> & { id?: string }): StoredMedia {
    const stored = { ...m, id: m.id ?? mediaId() };
    this.byId.set(stored.id, stored);
    return stored;
  }

  failDownloads(n: number, status: number): void {
    this.downloadFailures = n > 0 ? { remaining: n, status } : undefined;
  }

  takeDownloadFailure(): number | undefined {
    const f = this.downloadFailures;
    if (!f) return undefined;
    if (--f.remaining <= 0) this.downloadFailures = undefined;
    return f.status;
  }

  signature(id: string): string {
    return createHmac('sha256', this.urlKey).update(id).digest('hex').slice(0, 32);
  }

  signatureOk(id: string, given: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(this.signature(id));
    return a.length === b.length && timingSafeEqual(a, b);
  }

  reset(): void {
    this.byId.clear();
    this.sentMedia.length = 0;
    this.downloadFailures = undefined;
  }
}

/** GET /:version/:id for a known media id (anything else goes on to the phone-number route). */
export function mediaLookupHandler(state: GraphState, media: MediaStore, cfg: AuthConfig, baseUrl: () => string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const m = media.byId.get(String(req.params.mediaId));
    if (!m || m.uploadedBy !== undefined) return next();
    const auth = authenticate(req, state, cfg);
    if (!auth.ok) return void res.status(auth.error.httpStatus).json(auth.error.body);
    res.json({
      messaging_product: 'whatsapp',
      url: `${baseUrl()}/_media/download?mid=${m.id}&hash=${media.signature(m.id)}`,
      mime_type: m.mimeType,
      sha256: m.sha256,
      file_size: m.reportedSize ?? m.size,
      id: m.id,
    });
  };
}

/** The signed URL: the Bearer token must be valid too, as Meta requires. */
export function mediaDownloadHandler(state: GraphState, media: MediaStore, cfg: AuthConfig) {
  return (req: Request, res: Response): void => {
    const id = String(req.query.mid ?? '');
    const m = media.byId.get(id);
    if (!m || !media.signatureOk(id, String(req.query.hash ?? ''))) return void res.status(404).send('Not found');
    const injected = media.takeDownloadFailure();
    if (injected !== undefined) return void res.status(injected).json(metaErrors.unknownToken().body);
    // Meta's media host checks the token but not an appsecret_proof.
    const auth = authenticate(req, state, { ...cfg, requireAppSecretProof: false });
    if (!auth.ok) return void res.status(401).json(auth.error.body);
    res.setHeader('Content-Type', m.mimeType);
    res.setHeader('Content-Length', String(m.size));
    if (m.data) return void res.end(m.data);
    syntheticStream(m.seed ?? 0, m.size).pipe(res);
  };
}

/** POST /:version/:phoneNumberId/media: multipart with messaging_product, type and file. */
export function mediaUploadHandler(state: GraphState, media: MediaStore, cfg: AuthConfig) {
  return (req: Request, res: Response): void => {
    const fail = (e: { httpStatus: number; body: unknown }) => {
      if (!res.headersSent) res.status(e.httpStatus).json(e.body);
      req.resume();
    };
    const phoneId = String(req.params.phoneNumberId);
    const auth = authenticate(req, state, cfg);
    if (!auth.ok) return fail(auth.error);
    if (!state.phones.has(phoneId)) return fail(metaErrors.unknownObject(phoneId, 'POST'));
    if (!auth.token.scopes.includes('whatsapp_business_messaging')) return fail(metaErrors.scope());
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10 } });
    } catch {
      return fail(metaErrors.invalidParam('(#100) Invalid parameter', 'Param file must be a file upload (multipart/form-data).'));
    }
    const fields: Record<string, string> = {};
    let file: { filename: string; mimeType: string; size: number; sha256: string; truncated: boolean; data?: Buffer } | undefined;
    let reading: Promise<void> = Promise.resolve();
    bb.on('field', (name, value) => void (fields[name] = value));
    bb.on('file', (_name, stream, info) => {
      const h = createHash('sha256');
      let size = 0;
      const kept: Buffer[] = [];
      reading = new Promise<void>((resolve) => {
        stream.on('data', (c: Buffer) => {
          size += c.length;
          h.update(c);
          if (size <= KEEP_UPLOAD_BYTES) kept.push(c);
        });
        stream.on('close', () => {
          const data = size <= KEEP_UPLOAD_BYTES ? Buffer.concat(kept) : undefined;
          file = { filename: info.filename, mimeType: info.mimeType, size, sha256: h.digest('base64'), truncated: (stream as { truncated?: boolean }).truncated === true, data };
          resolve();
        });
      });
    });
    bb.on('error', () => fail(metaErrors.invalidParam('(#100) Invalid parameter')));
    bb.on('close', () => {
      void reading.then(() => {
        if (fields.messaging_product !== 'whatsapp') return fail(metaErrors.invalidParam('(#100) The parameter messaging_product is required.'));
        if (!file) return fail(metaErrors.invalidParam('(#100) The parameter file is required.'));
        if (file.truncated) return fail(metaErrors.invalidParam('(#100) Invalid parameter', 'Param file must be at most 100MB.'));
        const stored = media.add({ mimeType: fields.type ?? file.mimeType, size: file.size, sha256: file.sha256, filename: file.filename, uploadedBy: phoneId, data: file.data });
        res.json({ id: stored.id });
      });
    });
    req.pipe(bb);
  };
}

/** A media message (type image|audio|video|document|sticker) by uploaded id or link. */
export function mediaSendHandler(state: GraphState, media: MediaStore, cfg: AuthConfig, onAccepted: (m: SentMessage) => void) {
  return (req: Request, res: Response): void => {
    const fail = (e: { httpStatus: number; body: unknown }): void => void res.status(e.httpStatus).json(e.body);
    const injected = state.takeFailure();
    if (injected) return fail(metaErrors.custom(injected));
    const phoneId = String(req.params.phoneNumberId);
    const auth = authenticate(req, state, cfg);
    if (!auth.ok) return fail(auth.error);
    if (!state.phones.has(phoneId)) return fail(metaErrors.unknownObject(phoneId, 'POST'));
    if (!auth.token.scopes.includes('whatsapp_business_messaging')) return fail(metaErrors.scope());
    const b = req.body as Record<string, unknown>;
    const kind = b.type as SimMediaKind;
    const obj = b[kind] as Record<string, unknown> | undefined;
    const recipient = typeof b.to !== 'string' && typeof b.recipient === 'string' ? b.recipient : undefined;
    const to = typeof b.to === 'string' ? b.to : (recipient ?? '');
    if (b.messaging_product !== 'whatsapp') return fail(metaErrors.invalidParam('(#100) The parameter messaging_product is required.'));
    if (recipient !== undefined ? !SIM_BSUID.test(recipient) : !/^\+?[0-9][0-9 ()-]{3,30}$/.test(to)) return fail(metaErrors.invalidParam('(#100) Invalid parameter', `Param ${recipient !== undefined ? 'recipient' : 'to'} is invalid.`));
    if (!obj || (typeof obj.id !== 'string' && typeof obj.link !== 'string')) return fail(metaErrors.invalidParam(`(#100) The parameter ${kind}['id'] is required.`));
    if (typeof obj.caption === 'string' && (kind === 'audio' || kind === 'sticker')) return fail(metaErrors.invalidParam('(#100) Invalid parameter', `Param ${kind}['caption'] is not allowed for ${kind}.`));
    if (windowClosed(state, to)) return fail(windowClosedError());
    const file = typeof obj.id === 'string' ? media.byId.get(obj.id) : undefined;
    if (typeof obj.id === 'string' && !file) return fail(metaErrors.invalidParam('(#131053) Media upload error', `Media id ${obj.id} was not found.`));
    const caption = typeof obj.caption === 'string' ? obj.caption : undefined;
    const filename = typeof obj.filename === 'string' ? obj.filename : file?.filename;
    const msg: SentMessage = {
      id: newWamid(),
      phoneNumberId: phoneId,
      to,
      ...(recipient !== undefined ? { recipient } : {}),
      body: caption ?? '',
      tokenFingerprint: tokenFingerprint(auth.token.token),
      at: Date.now(),
      media: { kind, ...(file ? { mediaId: file.id, mimeType: file.mimeType } : {}), ...(filename ? { filename } : {}) },
    };
    state.noteSend(msg.at);
    state.sent.push(msg);
    media.sentMedia.push({
      kind,
      mediaId: typeof obj.id === 'string' ? obj.id : undefined,
      link: typeof obj.link === 'string' ? obj.link : undefined,
      caption,
      filename: typeof obj.filename === 'string' ? obj.filename : undefined,
      file,
    });
    res.json({ messaging_product: 'whatsapp', contacts: [sentContact(recipient === undefined ? to : undefined, recipient)], messages: [{ id: msg.id }] });
    onAccepted(msg);
  };
}

/** Routes a messages POST to the media handler when its type is a media type. */
export function byMessageType(mediaHandler: (req: Request, res: Response) => void, textHandler: (req: Request, res: Response) => void) {
  return (req: Request, res: Response): void => {
    const type = (req.body as { type?: unknown } | undefined)?.type;
    if (typeof type === 'string' && (MEDIA_TYPES as readonly string[]).includes(type)) return mediaHandler(req, res);
    textHandler(req, res);
  };
}
