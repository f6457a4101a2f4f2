// AES-256-GCM sealing for tokens and tenant secrets. Each sealed value names the key
// that sealed it, so a new primary key can be introduced while old rows still open.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

/** Short public id of a key: never the key, only enough to pick the right one. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** First 8 hex chars of SHA-256: lets people tell tokens apart without seeing them. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 8);
}

export interface Sealed {
  keyId: string;
  /** v1.<iv>.<tag>.<ciphertext>, base64url parts */
  box: string;
}

export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  readonly primaryKeyId: string;

  constructor(keys: Buffer[]) {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    for (const k of keys) if (k.length !== 32) throw new Error('encryption keys must be 32 bytes');
    this.keys = new Map(keys.map((k) => [keyId(k), k]));
    this.primaryKeyId = keyId(keys[0]);
  }

  /**
   * A keyed hash (HMAC-SHA256 with the primary key, first 16 hex chars): names a value in
   * the audit log without revealing it. A plain hash of a phone number could be reversed
   * by trying every number; this one only by someone holding the key.
   */
  tag(value: string, purpose: string): string {
    return createHmac('sha256', this.keys.get(this.primaryKeyId)!).update(`${purpose}\u0000${value}`, 'utf8').digest('hex').slice(0, 16);
  }

  /** aad binds the ciphertext to its row (tenant and purpose) so boxes cannot be swapped between rows. */
  seal(plaintext: string, aad: string): Sealed {
    const key = this.keys.get(this.primaryKeyId)!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return {
      keyId: this.primaryKeyId,
      box: ['v1', iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.'),
    };
  }

  open(sealed: Sealed, aad: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) {
      throw new DecryptionError(
        `no encryption key with id ${sealed.keyId} is configured (TOKEN_ENCRYPTION_KEY / TOKEN_ENCRYPTION_OLD_KEYS)`,
      );
    }
    const parts = sealed.box.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') throw new DecryptionError('sealed value has an unknown format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[1], 'base64url'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(parts[2], 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(parts[3], 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError(`sealed value does not open with key ${sealed.keyId} (wrong key or tampered data)`);
    }
  }

  has(keyIdValue: string): boolean {
    return this.keys.has(keyIdValue);
  }
}
