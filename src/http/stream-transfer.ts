// Files over HTTP without holding them in memory: a download streamed into a spool file
// (with a byte cap enforced while it streams, and the hashes giosg and Meta ask for computed
// on the way), and a multipart/form-data upload streamed from such a file. A transfer holds
// at most a few stream buffers (64 KB each) of the file in memory, whatever its size.
// json-request.ts stays the transport for JSON calls; this is its sibling for bodies that
// are files. Headers (with their tokens) are never attached to an error.
import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createHash, randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpTransportError, type HttpAnswer } from './json-request';

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
};
/** An error answer's body is read for its JSON (Meta's error object); more is not needed. */
const MAX_ERROR_BODY = 64 * 1024;

/** The file is bigger than the cap (said so in Content-Length, or found while streaming). */
export class TooLargeError extends Error {
  constructor(readonly maxBytes: number, readonly sizeBytes: number | undefined) {
    super(`file is larger than ${maxBytes} bytes`);
    this.name = 'TooLargeError';
  }
}

export interface Downloaded {
  bytes: number;
  contentType: string | undefined;
  /** Base64 digests of what was written. */
  md5: string;
  sha256: string;
}

export type DownloadAnswer = { ok: true; file: Downloaded } | { ok: false; status: number; data: unknown; headers: IncomingMessage['headers'] };

function send(url: URL, method: string, headers: Record<string, string | number>, idleTimeoutMs: number): { req: http.ClientRequest; answer: Promise<IncomingMessage> } {
  const client = url.protocol === 'https:' ? https : http;
  const req = client.request(url, { method, headers, agent: url.protocol === 'https:' ? agents.https : agents.http });
  const answer = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', (err: NodeJS.ErrnoException) => reject(new HttpTransportError('request failed', err.code, false)));
    // Inactivity, not a deadline for the whole transfer: a 100 MB document may take a while.
    req.setTimeout(idleTimeoutMs, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
  });
  return { req, answer };
}

async function readSmall(res: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_ERROR_BODY) {
      res.destroy();
      break;
    }
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * GETs `url` into the file `dest`. A 2xx answer is streamed to disk; any other answer is
 * returned with its (small) body for the caller to classify, and nothing is written.
 */
export async function downloadToFile(o: { url: string; headers: Record<string, string>; dest: string; maxBytes: number; idleTimeoutMs: number }): Promise<DownloadAnswer> {
  const { req, answer } = send(new URL(o.url), 'GET', { ...o.headers }, o.idleTimeoutMs);
  req.end();
  const res = await answer;
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) return { ok: false, status, data: await readSmall(res), headers: res.headers };
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > o.maxBytes) {
    res.destroy();
    throw new TooLargeError(o.maxBytes, declared);
  }
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > o.maxBytes) return cb(new TooLargeError(o.maxBytes, undefined));
      md5.update(chunk);
      sha256.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res, meter, fs.createWriteStream(o.dest, { mode: 0o600 }));
  } catch (err) {
    if (err instanceof TooLargeError) throw err;
    const code = (err as NodeJS.ErrnoException)?.code;
    throw new HttpTransportError('download interrupted', code ?? 'ECONNRESET', code === 'ETIMEDOUT');
  }
  return { ok: true, file: { bytes, contentType: res.headers['content-type'], md5: md5.digest('base64'), sha256: sha256.digest('base64') } };
}

export interface FilePart {
  field: string;
  path: string;
  filename: string;
  contentType: string;
  size: number;
}

const quote = (s: string) => s.replace(/[\r\n"]/g, (c) => (c === '"' ? '%22' : ' '));

/** POSTs `fields` and the file as multipart/form-data, streaming the file from disk. Answers are JSON (small). */
export async function postMultipartFile(o: { url: string; headers: Record<string, string>; fields: Array<[string, string]>; file: FilePart; idleTimeoutMs: number }): Promise<HttpAnswer> {
  const boundary = `----wa-media-${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    o.fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quote(k)}"\r\n\r\n${v}\r\n`).join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="${quote(o.file.field)}"; filename="${quote(o.file.filename)}"\r\nContent-Type: ${o.file.contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const headers = { ...o.headers, Accept: 'application/json', 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': head.length + o.file.size + tail.length };
  const { req, answer } = send(new URL(o.url), 'POST', headers, o.idleTimeoutMs);
  // An answer may come before the body is sent (a refusal); it wins over a write error.
  const sending = (async () => {
    req.write(head);
    await pipeline(fs.createReadStream(o.file.path), req, { end: false });
    req.end(tail);
  })();
  sending.catch(() => undefined);
  const res = await answer;
  return { status: res.statusCode ?? 0, data: await readSmall(res), headers: res.headers };
}
