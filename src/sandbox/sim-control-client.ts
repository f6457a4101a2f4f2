// Talks to a simulator's /_sim control API over loopback, as the playground's same-origin
// proxy (the browser may only connect to us: CSP connect-src 'self'). A fresh connection
// per call so nothing outlives a simulator that is being closed.
import http from 'node:http';

export interface SimAnswer {
  status: number;
  body: unknown;
}

export class SimUnreachableError extends Error {
  constructor(what: string, cause: Error) {
    super(`${what}: ${cause.message}`);
    this.name = 'SimUnreachableError';
  }
}

export class SimControlClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  get(path: string): Promise<SimAnswer> {
    return this.call('GET', path);
  }

  post(path: string, body: object): Promise<SimAnswer> {
    return this.call('POST', path, JSON.stringify(body));
  }

  private call(method: 'GET' | 'POST', path: string, raw?: string): Promise<SimAnswer> {
    const url = `${this.baseUrl}/_sim${path}`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method,
          agent: false,
          timeout: this.timeoutMs,
          headers: raw === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(raw)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new SimUnreachableError(`${method} ${path}`, e)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text === '' ? null : JSON.parse(text);
            } catch {
              // non-JSON answers are passed on as text
            }
            resolve({ status: res.statusCode ?? 0, body });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(new SimUnreachableError(`${method} ${path}`, e)));
      req.end(raw);
    });
  }
}
