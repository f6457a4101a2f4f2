// The webhook group commit on a SQLite file, with the WAL checkpointed inside commits (SQLite's
// default) and by the checkpoint thread (src/store/wal-checkpoint.ts): cost per stored row and
// how long the event loop is held. Real code: openStore, migrations, WebhookBatchWriter, a
// fresh temporary file each; 1.3 KB bodies handed over 30 at a time, like a burst's batches.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openStore } from '../src/store/db';
import { migrateToLatest } from '../src/store/migrations';
import { WebhookBatchWriter } from '../src/store/webhook-batch-writer';

export interface CommitStallRun {
  checkpoints: 'in commits' | 'thread';
  rows: number;
  usPerRow: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Largest WAL file seen during the run (sampled every 3,000 rows): it must not keep growing. */
  walMaxMb: number;
}

const BODY = JSON.stringify({ object: 'whatsapp_business_account', pad: 'x'.repeat(1250) });

async function once(rows: number, thread: boolean): Promise<CommitStallRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-commit-'));
  const file = path.join(dir, 'bot.sqlite');
  const store = openStore(`sqlite:${file}`, { backgroundCheckpoints: thread });
  let walMax = 0;
  const sampleWal = () => {
    try {
      walMax = Math.max(walMax, fs.statSync(`${file}-wal`).size);
    } catch {
      // no WAL yet
    }
  };
  try {
    await migrateToLatest(store.db, 'sqlite');
    const writer = new WebhookBatchWriter(store);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = process.hrtime.bigint();
    for (let i = 0; i < rows; i += 30) {
      await Promise.all(Array.from({ length: 30 }, () => writer.write('bench', BODY, Date.now())));
      if (i % 3000 === 0) sampleWal();
    }
    const ns = Number(process.hrtime.bigint() - started);
    delay.disable();
    return {
      checkpoints: thread ? 'thread' : 'in commits',
      rows,
      usPerRow: Math.round(ns / rows / 100) / 10,
      loopDelayP99Ms: Math.round(delay.percentile(99) / 1e4) / 100,
      loopDelayMaxMs: Math.round(delay.max / 1e4) / 100,
      walMaxMb: Math.round(walMax / 1e5) / 10,
    };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Alternates the two setups (in commits, thread, in commits, thread…) so drift hits both alike. */
export async function commitStalls(rows: number, rounds: number): Promise<CommitStallRun[]> {
  const out: CommitStallRun[] = [];
  for (let r = 0; r < rounds; r++) {
    out.push(await once(rows, false));
    out.push(await once(rows, true));
  }
  return out;
}
