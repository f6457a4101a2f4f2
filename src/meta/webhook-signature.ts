// X-Hub-Signature-256 verification: HMAC-SHA256 of the exact raw bytes with the app
// secret, compared in constant time. Nothing about the body is trusted before this.
import { createHmac, createHash, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';
const HEX_64 = /^[0-9a-f]{64}$/i;

export type SignatureFailure = 'missing' | 'malformed' | 'mismatch';

export function verifySignature(raw: Buffer, header: string | undefined, appSecret: string): { ok: true } | { ok: false; why: SignatureFailure } {
  if (!header) return { ok: false, why: 'missing' };
  if (!header.startsWith(PREFIX)) return { ok: false, why: 'malformed' };
  const hex = header.slice(PREFIX.length);
  if (!HEX_64.test(hex)) return { ok: false, why: 'malformed' };
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  const given = Buffer.from(hex, 'hex');
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, why: 'mismatch' };
}

/** Constant-time equality for secrets of any length (hashing first evens the lengths). */
export function secretEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
