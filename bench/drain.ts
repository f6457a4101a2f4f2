// Outbox drain: 10,000 replies queued at once (one transaction, into the running server's
// SQLite file), sent to the Graph simulator under SEND_RATE_PER_SECOND. Rate is
// taken from the simulator's accept timestamps; the limit is checked in 1-second windows
// from the first send, and also over every sliding second (for information).
import { queuedOutboxRow } from '../src/store/outbox-repo';
import { TENANT, waitFor } from '../testkit/harness';
import type { OurService } from './service';

export interface DrainResult {
  queued: number;
  sent: number;
  distinctSent: number;
  messagesPerSec: number;
  limitPerSec: number;
  maxInAlignedSecond: number;
  maxInSlidingSecond: number;
  /** The longest pause between two consecutive accepts: a stall of the simulator (or of us) bunches the accepts after it. */
  maxGapMs: number;
  /** How many sends came before that pause. */
  maxGapAfterSend: number;
  /** The simulator's own event-loop delay during the drain (its stalls delay the stamps). */
  simulatorLoopDelay: { maxMs: number; p99Ms: number };
  limitRespected: boolean;
  durationMs: number;
}

export async function drain(svc: OurService, queued: number, limitPerSec: number): Promise<DrainResult> {
  const now = Date.now();
  const rows = Array.from({ length: queued }, (_, i) => ({
    tenantId: TENANT.id,
    sourceId: `bench-drain-${i}`,
    // Distinct customers: each recipient's queue head is sendable at once, as with many chats.
    recipient: `3584${String(10_000_000 + i)}`,
    body: `Reply ${i}: thanks for your message, we will get back to you shortly.`,
    giosgChatId: null,
  }));
  await svc.sims.call('loopDelayReset');
  // One transaction of multi-row inserts, so the queue is complete when the first claim
  // sees it. OutboxRepo.enqueue (one awaited insert per row, as replies arrive one by one)
  // in ten transactions of 1,000 kept the write lock for ~0.7 s at a time on a slow
  // machine while the server was already sending: its claims waited in SQLite's busy
  // handler, a stall of the bench's own making.
  await svc.store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 500) {
      await trx.insertInto('outbox').values(rows.slice(i, i + 500).map((r) => queuedOutboxRow(r, now))).execute();
    }
  });
  await waitFor(async () => ((await svc.sims.call('counts')) as { sent: number }).sent >= queued, `${queued} replies sent`, 120_000, 200);
  const simulatorLoopDelay = (await svc.sims.call('loopDelay')) as { maxMs: number; p99Ms: number };
  // Anything sent twice would show up shortly after.
  await new Promise((r) => setTimeout(r, 500));
  const sent = await svc.sent();
  const at = sent.map((m) => m.at).sort((a, b) => a - b);
  const first = at[0];
  const last = at[at.length - 1];
  const aligned = new Map<number, number>();
  for (const t of at) {
    const w = Math.floor((t - first) / 1000);
    aligned.set(w, (aligned.get(w) ?? 0) + 1);
  }
  let sliding = 0;
  for (let lo = 0, hi = 0; hi < at.length; hi++) {
    while (at[hi] - at[lo] >= 1000) lo++;
    sliding = Math.max(sliding, hi - lo + 1);
  }
  const maxAligned = Math.max(...aligned.values());
  let maxGap = 0;
  let maxGapAt = 0;
  for (let i = 1; i < at.length; i++) {
    if (at[i] - at[i - 1] > maxGap) [maxGap, maxGapAt] = [at[i] - at[i - 1], i];
  }
  return {
    queued,
    sent: sent.length,
    distinctSent: new Set(sent.map((m) => m.body)).size,
    messagesPerSec: Math.round(((at.length - 1) / Math.max(1, last - first)) * 1000),
    limitPerSec,
    maxInAlignedSecond: maxAligned,
    maxInSlidingSecond: sliding,
    maxGapMs: maxGap,
    maxGapAfterSend: maxGapAt,
    simulatorLoopDelay,
    limitRespected: maxAligned <= limitPerSec,
    durationMs: last - first,
  };
}
