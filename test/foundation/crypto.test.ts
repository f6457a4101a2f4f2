import { SecretBox, DecryptionError, keyId, fingerprint } from '../../src/vault/crypto';

const k1 = Buffer.alloc(32, 1);
const k2 = Buffer.alloc(32, 2);

describe('SecretBox', () => {
  it('round-trips and never contains the plaintext', () => {
    const box = new SecretBox([k1]);
    const secret = 'EAAGtoken-very-secret-value';
    const sealed = box.seal(secret, 'token:t1');
    expect(sealed.box).not.toContain(secret);
    expect(sealed.keyId).toBe(keyId(k1));
    expect(box.open(sealed, 'token:t1')).toBe(secret);
  });

  it('uses a fresh IV every time', () => {
    const box = new SecretBox([k1]);
    expect(box.seal('same', 'a').box).not.toBe(box.seal('same', 'a').box);
  });

  it('refuses another row\'s context (AAD) and tampering', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('x', 'token:t1');
    expect(() => box.open(sealed, 'token:t2')).toThrow(DecryptionError);
    const parts = sealed.box.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open({ ...sealed, box: parts.join('.') }, 'token:t1')).toThrow(DecryptionError);
  });

  it('opens rows sealed with an older key after rotation, and seals new rows with the new key', () => {
    const old = new SecretBox([k1]).seal('v', 'ctx');
    const rotated = new SecretBox([k2, k1]);
    expect(rotated.open(old, 'ctx')).toBe('v');
    expect(rotated.seal('w', 'ctx').keyId).toBe(keyId(k2));
  });

  it('fails loudly, naming the key id, when the key is missing', () => {
    const sealed = new SecretBox([k1]).seal('v', 'ctx');
    expect(() => new SecretBox([k2]).open(sealed, 'ctx')).toThrow(new RegExp(keyId(k1)));
  });

  it('fingerprints are 8 hex chars and stable', () => {
    expect(fingerprint('abc')).toBe('ba7816bf');
  });
});
