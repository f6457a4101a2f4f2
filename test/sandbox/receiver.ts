// A tiny loopback HTTP server standing in for our app's webhook routes: it records the raw
// bytes and headers of every POST and answers with scripted statuses (default 200).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  json: any;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Statuses for the next requests, in order; afterwards 200. */
  script(...statuses: number[]): void;
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const queue: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      received.push({ url: req.url ?? '', headers: req.headers, raw, json });
      res.statusCode = queue.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script: (...s) => void queue.push(...s),
    async waitFor(n, timeoutMs = 3000) {
      const until = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} webhook(s), got ${received.length}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return received;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
