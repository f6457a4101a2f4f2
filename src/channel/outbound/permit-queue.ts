// The part every send limiter shares: jobs wait in order, at most `maxConcurrent` run at
// once, none is ever dropped, and each start takes a permit. Where permits come from is
// the subclass's policy (a database budget, an in-process sliding window).
export interface SendScheduler {
  schedule<R>(fn: () => PromiseLike<R>): Promise<R>;
}

export abstract class PermitQueue implements SendScheduler {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly maxConcurrent: number) {}

  /** Takes a permit for a job starting now; false when there is none yet (the subclass arranges to pump again). */
  protected abstract takePermit(): boolean;

  /** Called when a job that took a permit has settled (resolved, rejected or thrown), before the next pump. */
  protected finished(): void {}

  /** Called after a pump that left jobs waiting (e.g. to ask for more permits ahead of time). */
  protected waiting(): void {}

  schedule<R>(fn: () => PromiseLike<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push(() => {
        let p: PromiseLike<R>;
        try {
          p = fn();
        } catch (err) {
          p = Promise.reject(err);
        }
        Promise.resolve(p)
          .then(resolve, reject)
          .finally(() => {
            this.active--;
            this.finished();
            this.pump();
          });
      });
      this.pump();
    });
  }

  /** Resolves once every scheduled job has run (jobs are never dropped). */
  stop(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Jobs waiting for a permit or a free slot. */
  protected get waitingCount(): number {
    return this.queue.length;
  }

  protected pump(): void {
    while (this.queue.length > 0 && this.active < this.maxConcurrent && this.takePermit()) {
      this.active++;
      this.queue.shift()!();
    }
    if (this.queue.length > 0) this.waiting();
    if (this.queue.length === 0 && this.active === 0) this.idleWaiters.splice(0).forEach((r) => r());
  }
}
