// The one outbound HTTP transport: one JSON request on Node's own http/https client with
// keep-alive agents, for the Graph client and every giosg call. The hot paths are the sender
// (one request per outgoing message, up to 1,000 a second) and the relay (one per customer
// message), both on the event loop that acknowledges webhooks. Not axios, not undici. Measured on
// the bench machine (client and a local server in one process, `npm run bench -- --only=client`):
// axios 220–430 µs of CPU per request, node:http 59–97 µs. undici costs about the same CPU
// as node:http but ~15–20 MB more memory (its WebAssembly HTTP parser), against a 200 MB
// target. Retries are the callers' (the outbox and relay queues, giosg/client.ts), not the transport's.
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  /** The body parsed as JSON, or the text when it is not JSON (a proxy's error page), or undefined when empty. */
  data: unknown;
  headers: IncomingHttpHeaders;
}

/** A transport failure: no HTTP answer. `timedOut` when the deadline passed. */
export class HttpTransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'HttpTransportError';
  }
}

/** A larger answer is cut off as a transport failure: Graph's and UMI's answers are a few hundred bytes. */
const MAX_ANSWER_BYTES = 1024 * 1024;

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** `form` sends the body as application/x-www-form-urlencoded (OAuth token requests) instead of JSON. */
export function requestJson(o: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body?: unknown; form?: Record<string, string>; timeoutMs: number }): Promise<HttpAnswer> {
  const url = new URL(o.url);
  const client = url.protocol === 'https:' ? https : http;
  const payload =
    o.form !== undefined ? Buffer.from(new URLSearchParams(o.form).toString())
    : o.body === undefined ? undefined
    : Buffer.from(JSON.stringify(o.body));
  const headers: Record<string, string | number> = { ...o.headers, Accept: 'application/json' };
  if (payload) {
    headers['Content-Type'] = o.form !== undefined ? 'application/x-www-form-urlencoded' : 'application/json';
    headers['Content-Length'] = payload.length;
  }
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (err: HttpTransportError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      reject(err);
    };
    // One deadline for the whole exchange (connect, send, answer), not per socket inactivity.
    const deadline = setTimeout(() => fail(new HttpTransportError('request timed out', 'ETIMEDOUT', true)), o.timeoutMs);
    const req = client.request(url, { method: o.method, headers, agent: url.protocol === 'https:' ? agents.https : agents.http }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) fail(new HttpTransportError('answer too large', 'E_TOO_LARGE', false));
        else chunks.push(c);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, data: parseBody(Buffer.concat(chunks, size).toString('utf8')), headers: res.headers });
      });
      res.on('error', (err: NodeJS.ErrnoException) => fail(new HttpTransportError('answer interrupted', err.code, false)));
      res.on('aborted', () => fail(new HttpTransportError('answer interrupted', 'ECONNRESET', false)));
    });
    // Only the code travels on: the request (with its Authorization header) is never attached.
    req.on('error', (err: NodeJS.ErrnoException) => fail(new HttpTransportError('request failed', err.code, false)));
    req.end(payload);
  });
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
