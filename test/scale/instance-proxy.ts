// A loopback pass-through in front of the Graph simulator, one per instance, so a test can
// tell which instance made which send and with which token (by fingerprint only: the
// token itself is never kept).
import http from 'node:http';
import { tokenFingerprint } from '../../src/sandbox/fingerprint';

export interface ProxiedSend {
  instance: string;
  to: string;
  body: string;
  fingerprint: string;
  /** When the request reached the proxy (before the simulator answered). */
  at: number;
  status?: number;
}

export interface InstanceProxy {
  url: string;
  sends: ProxiedSend[];
  close(): Promise<void>;
}

export async function startInstanceProxy(instance: string, target: string): Promise<InstanceProxy> {
  const sends: ProxiedSend[] = [];
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let rec: ProxiedSend | undefined;
      if (req.method === 'POST' && /\/messages(\?|$)/.test(req.url ?? '')) {
        const auth = String(req.headers.authorization ?? '');
        const b = JSON.parse(raw.toString('utf8') || '{}') as { to?: string; text?: { body?: string } };
        rec = { instance, to: String(b.to ?? ''), body: String(b.text?.body ?? ''), fingerprint: tokenFingerprint(auth.replace(/^Bearer /, '')), at: Date.now() };
        sends.push(rec);
      }
      const headers = { ...req.headers, host: to.host };
      const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers }, (r) => {
        if (rec) rec.status = r.statusCode;
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      up.end(raw);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    sends,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
