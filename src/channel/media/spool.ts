// Where media waits on its way through: one file per transfer under MEDIA_SPOOL_DIR
// (private to this process's user), removed as soon as the transfer is over. Media is
// never buffered whole in memory; the spool is what lets a 100 MB document pass through
// with a few 64 KB buffers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const STALE_MS = 3_600_000;

export interface SpoolFile {
  path: string;
  discard(): Promise<void>;
}

export class MediaSpool {
  private ready: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  async file(): Promise<SpoolFile> {
    this.ready ??= fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    await this.ready;
    const p = path.join(this.dir, `m-${randomBytes(12).toString('hex')}`);
    return { path: p, discard: () => fs.promises.rm(p, { force: true }) };
  }

  /**
   * Removes files left by a process that died mid-transfer. Only old ones: several
   * processes (instances, tests) may share the directory, and a live transfer is never
   * an hour without a write (the transfers' idle timeout is 30 s).
   */
  async sweep(now = Date.now()): Promise<void> {
    const names = await fs.promises.readdir(this.dir).catch(() => [] as string[]);
    for (const n of names.filter((x) => x.startsWith('m-'))) {
      const p = path.join(this.dir, n);
      const st = await fs.promises.stat(p).catch(() => null);
      if (st && now - st.mtimeMs > STALE_MS) await fs.promises.rm(p, { force: true });
    }
  }
}

/** "1.4 MB" — sizes in the agent's notices. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function defaultSpoolDir(): string {
  return path.join(os.tmpdir(), 'wa-media-spool');
}
