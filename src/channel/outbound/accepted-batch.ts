// Records Meta's acceptances in batches: the sends that finished within a few
// milliseconds of each other are written by one statement in one commit, and each caller's
// promise settles with it. This adds at most GATHER_MS and one commit to the duplicate
// window the sender describes (Meta accepted, the process dies before the wamid is
// written), and saves commits: at a 1,000/s drain one commit per send was a tenth of the
// event loop; one per event-loop turn still made ~6,000 commits of 1.6 rows for 10,000
// sends (bench/README.md).
import type { OutboxRepo } from '../../store/outbox-repo';

/** How long the first acceptance of a batch waits for company. */
export const GATHER_MS = 5;
/** A batch this large is written at once. */
const MAX_BATCH = 200;

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
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly outbox: Pick<OutboxRepo, 'markAcceptedMany'>) {}

  /** Resolves once the row is recorded as sent; rejects when the write failed (then nothing of its batch is). */
  record(id: number, owner: string, wamid: string, now: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ id, owner, wamid, now, resolve, reject });
      if (this.waiting.length >= MAX_BATCH) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        void this.flush();
        return;
      }
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, GATHER_MS);
    });
  }

  private async flush(): Promise<void> {
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
