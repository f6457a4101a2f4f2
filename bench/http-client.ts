// CPU per HTTP request of the two clients the service uses: axios (giosg) and the Graph
// client's transport on node:http (src/http/json-request.ts, one request per outgoing message or relayed customer message). A local node:http server answers a Graph-like send;
// client and server share this process, so the figure is an upper bound for the client's
// own share. 50 requests in flight, keep-alive, the same body and query for both.
import http from 'node:http';
import axios from 'axios';
import { requestJson } from '../src/http/json-request';

export interface ClientCost {
  client: 'axios' | 'node:http';
  requests: number;
  cpuUsPerRequest: number;
  wallMs: number;
}

const BODY = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '358401234567', type: 'text', text: { body: 'hello there', preview_url: false } };
const ANSWER = '{"messaging_product":"whatsapp","messages":[{"id":"wamid.bench"}]}';

async function measure(client: ClientCost['client'], n: number, send: () => Promise<unknown>): Promise<ClientCost> {
  const cpu = process.cpuUsage();
  const started = Date.now();
  let inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    inFlight.push(send());
    if (inFlight.length >= 50) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  const used = process.cpuUsage(cpu);
  return { client, requests: n, cpuUsPerRequest: Math.round(((used.user + used.system) / n) * 10) / 10, wallMs: Date.now() - started };
}

export async function httpClientCost(n: number, rounds: number): Promise<ClientCost[]> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(ANSWER);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/v25.0`;
  const proof = 'ab'.repeat(32);
  const ax = axios.create({ baseURL: base, timeout: 10_000, httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }), validateStatus: () => true });
  const out: ClientCost[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      out.push(
        await measure('axios', n, () =>
          ax.request({ method: 'post', url: '/123/messages', data: BODY, params: { appsecret_proof: proof }, headers: { Authorization: 'Bearer bench', 'Content-Type': 'application/json' } }),
        ),
      );
      out.push(
        await measure('node:http', n, () =>
          requestJson({ method: 'POST', url: `${base}/123/messages?appsecret_proof=${proof}`, headers: { Authorization: 'Bearer bench' }, body: BODY, timeoutMs: 10_000 }),
        ),
      );
    }
  } finally {
    server.close();
  }
  return out;
}
