// giosg Uploads API in the simulator: POST an Upload resource (documented attributes),
// then POST the file as form data to its signed upload_url (checked against the declared
// size and MD5, as a CDN policy would), and fetch it from its download_url. Files are
// kept for the playground to show, within a memory budget (oldest bytes dropped first;
// their hashes stay, so tests can still compare).
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import busboy from 'busboy';
import { z } from 'zod';
import { parseDrf } from './giosg-validation';
import { nonBlank } from './giosg-fields';

const KEEP_BYTES = 64 * 1024 * 1024;
const MAX_FILE = 200 * 1024 * 1024;

export interface SimUpload {
  id: string;
  original_file_name: string;
  file_size: number;
  content_type: string;
  file_hash: string;
  uploaded: boolean;
  sha256?: string;
  data?: Buffer;
  created_at: string;
}

const createBody = z.object({
  original_file_name: nonBlank(),
  file_size: z.number().int().nonnegative(),
  content_type: nonBlank(),
  file_hash: nonBlank(),
});

export class UploadStore {
  readonly uploads = new Map<string, SimUpload>();
  private kept: string[] = [];
  private keptBytes = 0;
  private readonly key = randomBytes(32);

  constructor(
    private readonly orgId: string,
    private readonly keepBytes = KEEP_BYTES,
  ) {}

  sig(id: string): string {
    return createHmac('sha256', this.key).update(id).digest('hex').slice(0, 32);
  }

  sigOk(id: string, given: unknown): boolean {
    const a = Buffer.from(String(given ?? ''));
    const b = Buffer.from(this.sig(id));
    return a.length === b.length && timingSafeEqual(a, b);
  }

  create(b: z.infer<typeof createBody>): SimUpload {
    const u: SimUpload = { id: randomUUID(), ...b, uploaded: false, created_at: new Date().toISOString() };
    this.uploads.set(u.id, u);
    return u;
  }

  /** An agent's file in the simulator (the playground, tests): created and uploaded at once. */
  put(fileName: string, contentType: string, data: Buffer): SimUpload {
    const u = this.create({ original_file_name: fileName, file_size: data.length, content_type: contentType, file_hash: createHash('md5').update(data).digest('base64') });
    this.stored(u, data, createHash('sha256').update(data).digest('base64'));
    return u;
  }

  stored(u: SimUpload, data: Buffer | undefined, sha256: string): void {
    u.uploaded = true;
    u.sha256 = sha256;
    if (!data || data.length > this.keepBytes) return;
    u.data = data;
    this.kept.push(u.id);
    this.keptBytes += data.length;
    while (this.keptBytes > this.keepBytes && this.kept.length > 0) {
      const old = this.uploads.get(this.kept.shift()!);
      if (old?.data) {
        this.keptBytes -= old.data.length;
        old.data = undefined;
      }
    }
  }

  resource(u: SimUpload, baseUrl: string): object {
    return {
      ...{ id: u.id, original_file_name: u.original_file_name, file_size: u.file_size, content_type: u.content_type, file_hash: u.file_hash },
      upload_url: { url: `${baseUrl}/_cdn/upload/${u.id}`, fields: { key: u.id, policy: this.sig(u.id) } },
      download_url: this.downloadUrl(u, baseUrl),
      organization_id: this.orgId,
      created_at: u.created_at,
      updated_at: u.created_at,
    };
  }

  downloadUrl(u: SimUpload, baseUrl: string): string {
    return `${baseUrl}/_cdn/files/${u.id}?sig=${this.sig(u.id)}`;
  }

  reset(): void {
    this.uploads.clear();
    this.kept = [];
    this.keptBytes = 0;
  }
}

/** POST /api/v5/orgs/:org/uploads (behind giosg auth). */
export function uploadsApiRouter(store: UploadStore, orgId: string, baseUrl: () => string): Router {
  const r = Router({ mergeParams: true });
  r.post('/', (req: Request<{ org: string }>, res: Response) => {
    if (req.params.org !== orgId) return void res.status(403).json({ detail: 'You do not have permission to perform this action.' });
    const b = parseDrf(createBody, req.body, res);
    if (!b) return;
    res.status(201).json(store.resource(store.create(b), baseUrl()));
  });
  return r;
}

/** The CDN side: the signed upload target and the download URL (no giosg token needed). */
export function uploadsCdnRouter(store: UploadStore): Router {
  const r = Router();
  r.post('/upload/:id', (req: Request<{ id: string }>, res: Response) => {
    const u = store.uploads.get(req.params.id);
    const refuse = (status: number, detail: string) => {
      if (!res.headersSent) res.status(status).json({ detail });
      req.resume();
    };
    if (!u || u.uploaded) return refuse(403, 'Upload link is not valid.');
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: MAX_FILE, files: 1 } });
    } catch {
      return refuse(400, 'Expected multipart/form-data.');
    }
    const fields: Record<string, string> = {};
    let done: Promise<{ size: number; md5: string; sha256: string; data: Buffer | undefined }> | undefined;
    bb.on('field', (k, v) => void (fields[k] = v));
    bb.on('file', (_n, stream) => {
      done = new Promise((resolve) => {
        const md5 = createHash('md5');
        const sha = createHash('sha256');
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (c: Buffer) => {
          size += c.length;
          md5.update(c);
          sha.update(c);
          if (size <= KEEP_BYTES) chunks.push(c);
        });
        stream.on('close', () => resolve({ size, md5: md5.digest('base64'), sha256: sha.digest('base64'), data: size <= KEEP_BYTES ? Buffer.concat(chunks) : undefined }));
      });
    });
    bb.on('error', () => refuse(400, 'Malformed form data.'));
    bb.on('close', () => {
      void (async () => {
        if (fields.key !== u.id || !store.sigOk(u.id, fields.policy)) return refuse(403, 'Upload policy does not match.');
        if (!done) return refuse(400, 'No file in the form.');
        const f = await done;
        if (f.size !== u.file_size || f.md5 !== u.file_hash) return refuse(400, 'File does not match the declared size and hash.');
        store.stored(u, f.data, f.sha256);
        res.status(204).end();
      })();
    });
    req.pipe(bb);
  });
  r.get('/files/:id', (req: Request<{ id: string }>, res: Response) => {
    const u = store.uploads.get(req.params.id);
    if (!u || !u.uploaded || !store.sigOk(u.id, req.query.sig)) return void res.status(404).json({ detail: 'Not found.' });
    if (!u.data) return void res.status(410).json({ detail: 'The simulator no longer keeps this file.' });
    res.setHeader('Content-Type', u.content_type);
    res.setHeader('Content-Disposition', `inline; filename="${u.original_file_name.replace(/["\r\n]/g, '_')}"`);
    res.end(u.data);
  });
  return r;
}
