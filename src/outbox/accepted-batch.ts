// Records Meta's acceptances in batches: every send that finished in one event-loop turn
// is written by one statement in one commit, and each caller's promise settles with it.
// This adds at most one turn and one commit to the duplicate window the sender describes
// (Meta accepted, the process dies before the wamid is written), and saves a commit per
// message: at a 1,000/s drain that commit was a tenth of the event loop (bench/README.md).
import type { OutboxRepo } from '../store/outbox-repo';

interface Waiting {
  id: number;
  owner: string;
  wamid: string;
  now: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class AcceptedBatch {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly outbox: Pick<OutboxRepo, 'markAcceptedMany'>) {}

  /** Resolves once the row is recorded as sent; rejects when the write failed (then nothing of its batch is). */
  record(id: number, owner: string, wamid: string, now: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ id, owner, wamid, now, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    try {
      await this.outbox.markAcceptedMany(batch);
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    for (const w of batch) w.resolve();
  }
}
