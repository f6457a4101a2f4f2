// Outbound webhook POST used by both simulators. A fresh connection per call (agent:false)
// so no keep-alive socket outlives a simulator or a test, and the exact bytes sent are the
// bytes signed.
import http from 'node:http';

export interface PostResult {
  status: number;
  body: string;
}

export function postJson(
  url: string,
  raw: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(raw)),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`webhook POST timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(raw);
  });
}
