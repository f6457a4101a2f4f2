// The Graph client's transport on node:http: answers of every kind come back as data, only
// transport failures throw, one deadline covers the whole exchange, and an error never
// carries the request (its Authorization header holds the WhatsApp token).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestJson, HttpTransportError } from '../../src/http/json-request';

const TOKEN = 'EAAG-secret-token-never-in-errors';

describe('json-request', () => {
  let server: http.Server;
  let base: string;
  let seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[];
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
        answer(req, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen = [];
  });

  const call = (o: { method?: 'GET' | 'POST'; body?: unknown; timeoutMs?: number; url?: string } = {}) =>
    requestJson({ method: o.method ?? 'POST', url: o.url ?? `${base}/v25.0/123/messages?appsecret_proof=abc`, headers: { Authorization: `Bearer ${TOKEN}` }, body: o.body, timeoutMs: o.timeoutMs ?? 2_000 });

  test('sends JSON with the headers given and parses a JSON answer', async () => {
    answer = (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"messages":[{"id":"wamid.1"}]}');
    const r = await call({ body: { to: '358401234567', text: { body: 'hyvää päivää' } } });
    expect(r).toMatchObject({ status: 200, data: { messages: [{ id: 'wamid.1' }] } });
    expect(r.headers['content-type']).toBe('application/json');
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe('/v25.0/123/messages?appsecret_proof=abc');
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(seen[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(seen[0].body)).toEqual({ to: '358401234567', text: { body: 'hyvää päivää' } });
    expect(Number(seen[0].headers['content-length'])).toBe(Buffer.byteLength(seen[0].body));
  });

  test('error statuses are answers, not exceptions; a non-JSON body comes back as text, an empty one as undefined', async () => {
    answer = (_q, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
    expect(await call()).toMatchObject({ status: 502, data: '<html>bad gateway</html>' });
    answer = (_q, res) => res.writeHead(401).end();
    expect(await call({ method: 'GET' })).toMatchObject({ status: 401, data: undefined });
    expect(seen[1].method).toBe('GET');
    expect(seen[1].headers['content-type']).toBeUndefined();
  });

  test('one deadline for the whole exchange, even when the server trickles its answer', async () => {
    answer = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"messages":');
      const t = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(t));
    };
    const err = await call({ timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpTransportError);
    expect((err as HttpTransportError).timedOut).toBe(true);
  });

  test('no server: a transport error with the code, and nothing of the request in it', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = (await call({ url: `http://127.0.0.1:${port}/v25.0/123/messages` }).catch((e: unknown) => e)) as HttpTransportError;
    expect(err).toBeInstanceOf(HttpTransportError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.timedOut).toBe(false);
    const everything = JSON.stringify(err, Object.getOwnPropertyNames(err)) + String(err.stack);
    expect(everything).not.toContain(TOKEN);
  });

  test('an answer over 1 MB is cut off', async () => {
    answer = (_q, res) => res.writeHead(200).end('x'.repeat(1024 * 1024 + 10));
    const err = (await call().catch((e: unknown) => e)) as HttpTransportError;
    expect(err).toBeInstanceOf(HttpTransportError);
    expect(err.code).toBe('E_TOO_LARGE');
  });
});
