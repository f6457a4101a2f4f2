// Tokens are secrets even in the sandbox: lists, state dumps and logs carry this instead.
import { createHash } from 'node:crypto';

export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 8);
}
