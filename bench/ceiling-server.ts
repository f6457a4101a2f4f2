// The ceiling: a bare node:http server that reads the body, checks X-Hub-Signature-256
// with the same function our receiver uses, and answers 200. Nothing is parsed or stored.
// Run as a child process by bench/run.ts; reports its port over IPC.
import http from 'node:http';
import { verifySignature } from '../src/meta/webhook-signature';

const secret = process.env.META_APP_SECRET ?? '';
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const header = req.headers['x-hub-signature-256'];
    const ok = verifySignature(body, typeof header === 'string' ? header : undefined, secret).ok;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' });
    res.end(ok ? 'EVENT_RECEIVED' : 'bad signature');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const port = (server.address() as { port: number }).port;
  if (process.send) process.send({ ready: true, port });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
