// Link ids: 256 random bits, base64url in the URL; the database only ever sees the hash,
// so a database leak cannot be turned into working links.
import { createHash, randomBytes } from 'node:crypto';

const ID_BYTES = 32;
/** base64url of 32 bytes, unpadded. */
export const LINK_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newLinkId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

export function hashLinkId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** What the audit log shows to tie a swap to a link without making the link usable. */
export function linkRef(idHash: string): string {
  return idHash.slice(0, 8);
}
