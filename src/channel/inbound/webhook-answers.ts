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

function headersFor(body: Buffer, contentType: string, close: boolean): string[] {
  const headers = [...SECURITY_HEADERS, 'Content-Type', contentType, 'Content-Length', String(body.length)];
  if (close) headers.push('Connection', 'close');
  return headers;
}

/** `close` ends the connection after the answer (used when the request body was not read). */
export function sendFast(res: ServerResponse, status: number, body: Buffer, contentType: string, close = false): void {
  res.writeHead(status, headersFor(body, contentType, close));
  res.end(body);
}

/**
 * A fixed answer with its header list built once: the acknowledgement goes out for every
 * accepted webhook, and building the list was a measurable part of the request.
 */
export function fixedAnswer(status: number, body: Buffer, contentType: string): (res: ServerResponse) => void {
  const headers = headersFor(body, contentType, false);
  return (res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}
