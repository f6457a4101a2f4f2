// Answers for the bare-node webhook path: the same bodies as the Express error handler
// ({error:{code,message,details?}}) and the security headers helmet would set that matter
// for a machine-read answer, written in one writeHead with a precomputed header list.
import type { ServerResponse } from 'node:http';

const SECURITY_HEADERS: readonly string[] = [
  'Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options', 'nosniff',
  'X-Frame-Options', 'DENY',
  'Referrer-Policy', 'no-referrer',
  'Cache-Control', 'no-store',
];

export function errorBody(code: string, message: string, details?: unknown): Buffer {
  return Buffer.from(JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } }));
}

/** `close` ends the connection after the answer (used when the request body was not read). */
export function sendFast(res: ServerResponse, status: number, body: Buffer, contentType: string, close = false): void {
  const headers = [...SECURITY_HEADERS, 'Content-Type', contentType, 'Content-Length', String(body.length)];
  if (close) headers.push('Connection', 'close');
  res.writeHead(status, headers);
  res.end(body);
}
