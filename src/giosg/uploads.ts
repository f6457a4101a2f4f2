// giosg's Uploads API (docs.giosg.com): a file becomes an Upload in two steps, the
// resource (name, size, type, base64 MD5) and then the file itself posted as form data to
// the resource's signed upload_url. Also fetches an agent's attachment for media out. The
// API token goes only to giosg's own host: signed CDN URLs get no Authorization header.
import type { Downloaded } from '../http/stream-transfer';
import { downloadToFile, postMultipartFile } from '../http/stream-transfer';
import { requestJson, HttpTransportError } from '../http/json-request';
import { ASSUMED_PATHS, uploadResource, type UploadCreateRequest } from './assumed-shapes';
import { GiosgError, errorForStatus } from './client';

export interface UploadedFile {
  id: string;
  downloadUrl: string;
}

export interface SpooledFile {
  path: string;
  filename: string;
  contentType: string;
  size: number;
  md5: string;
}

export class GiosgUploads {
  private readonly baseUrl: string;
  private readonly origin: string;
  private readonly authHeader: string;

  constructor(o: { baseUrl: string; apiToken: string; timeoutMs?: number }, private readonly timeoutMs = o.timeoutMs ?? 30_000) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.baseUrl).origin;
    this.authHeader = `Token ${o.apiToken}`;
  }

  /** Not retried here: the relay queue retries the whole delivery, and an unused Upload harms nobody. */
  async upload(orgId: string, f: SpooledFile): Promise<UploadedFile> {
    const body: UploadCreateRequest = { original_file_name: f.filename, file_size: f.size, content_type: f.contentType, file_hash: f.md5 };
    let answer;
    try {
      answer = await requestJson({ method: 'POST', url: `${this.baseUrl}${ASSUMED_PATHS.uploads(orgId)}`, headers: { Authorization: this.authHeader }, body, timeoutMs: this.timeoutMs });
    } catch (err) {
      throw networkError(err, 'giosg upload request failed');
    }
    if (answer.status < 200 || answer.status >= 300) throw errorForStatus(answer.status, answer.headers['retry-after'], 'POST');
    const parsed = uploadResource.safeParse(answer.data);
    if (!parsed.success) throw new GiosgError('unexpected upload resource from giosg', 'server');
    const target = parsed.data.upload_url;
    let sent;
    try {
      sent = await postMultipartFile({
        url: target.url,
        headers: this.authFor(target.url),
        fields: Object.entries(target.fields),
        file: { field: 'file', path: f.path, filename: f.filename, contentType: f.contentType, size: f.size },
        idleTimeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw networkError(err, 'giosg file upload failed');
    }
    if (sent.status < 200 || sent.status >= 300) throw errorForStatus(sent.status, sent.headers['retry-after'], 'POST');
    return { id: parsed.data.id, downloadUrl: parsed.data.download_url };
  }

  /** Downloads an agent's attachment into `dest`. */
  async download(url: string, dest: string, maxBytes: number): Promise<Downloaded> {
    let answer;
    try {
      answer = await downloadToFile({ url, headers: this.authFor(url), dest, maxBytes, idleTimeoutMs: this.timeoutMs });
    } catch (err) {
      if ((err as Error)?.name === 'TooLargeError') throw err;
      throw networkError(err, 'giosg attachment download failed');
    }
    if (!answer.ok) throw errorForStatus(answer.status, answer.headers['retry-after'], 'GET');
    return answer.file;
  }

  private authFor(url: string): Record<string, string> {
    return new URL(url).origin === this.origin ? { Authorization: this.authHeader } : {};
  }
}

function networkError(err: unknown, what: string): GiosgError {
  const code = err instanceof HttpTransportError ? err.code : (err as NodeJS.ErrnoException)?.code;
  return new GiosgError(`${what} (${code ?? 'network error'})`, 'network', undefined, undefined, true);
}
