// A background loop that runs `tick` again at once while it finds work, otherwise after
// an idle pause; kick() wakes it early. stop() waits for the running tick to finish.
import type { Logger } from '../log';
import type { Worker } from '../worker';

export class PollingLoop implements Worker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  private stopped = true;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    private readonly idleMs: number,
    private readonly tick: () => Promise<boolean>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.schedule(0);
  }

  /** Runs a tick now and resolves after the first one that finds nothing to do (at once when stopped). */
  whenIdle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.kick();
    return idle;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.idleWaiters.splice(0).forEach((resolve) => resolve());
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
      });
    }, ms);
  }

  private async runOnce(): Promise<void> {
    let more = false;
    let failed = false;
    this.rerun = false;
    try {
      more = await this.tick();
    } catch (err) {
      failed = true;
      const e = err as Error;
      this.logger.error({ worker: this.name, err: { name: e?.name, message: e?.message } }, 'worker tick failed');
    }
    if (this.stopped) return;
    if (!failed && !more && !this.rerun) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    this.schedule(!failed && (more || this.rerun) ? 0 : this.idleMs);
  }
}
