// The sandbox needs an encryption key but no operator: generate one once and keep it in
// ./data so the sandbox database stays readable across restarts.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from './config';

export function ensureSandboxKey(config: Config, dir = './data'): Config {
  if (config.encryptionKeys.length > 0) return config;
  const file = path.resolve(dir, 'sandbox-encryption.key');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  return { ...config, encryptionKeys: [key] };
}
