// The bot's durable inbox. The receiver stores each event (giosg_events, scrubbed) before
// answering 200, then kicks processing; turns of one chat run one after another in this
// process. If the process dies after the 200, the row stays unprocessed and the sweep
// (any instance) runs it later, so giosg never has to redeliver. A turn that fails (giosg
// down while the bot answers) is retried with backoff, up to maxAttempts.
import type { BotEventRepo } from '../store/bot-events';
import { storedBotEvent, type StoredBotEvent } from '../giosg/bot-event-schema';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Worker } from '../worker';
import { errorSummary } from '../log';

export interface InboxOptions {
  /** How long one attempt holds an event before another process may take it. */
  leaseMs: number;
  maxAttempts: number;
  /** Events younger than this are left to the process that received them. */
  graceMs: number;
  /** How long processed ids are kept for dedupe. */
  keepMs: number;
}

const DEFAULTS: InboxOptions = { leaseMs: 60_000, maxAttempts: 5, graceMs: 10_000, keepMs: 7 * 86_400_000 };

export type TurnRunner = (tenantId: string, event: StoredBotEvent) => Promise<void>;

export class BotInbox {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly o: InboxOptions;

  constructor(
    private readonly repo: BotEventRepo,
    private readonly run: TurnRunner,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: Partial<InboxOptions> = {},
  ) {
    this.o = { ...DEFAULTS, ...options };
  }

  /** Stores the event; false for a redelivery of one we already have. */
  accept(tenantId: string, e: StoredBotEvent): Promise<boolean> {
    return this.repo.insertIfNew({ tenantId, resourceId: e.id, chatId: e.chatId, payload: JSON.stringify(e), receivedAt: this.clock.now() });
  }

  recordIgnored(tenantId: string, resourceId: string): Promise<void> {
    return this.repo.recordIgnored(tenantId, resourceId, this.clock.now());
  }

  /** Processes the event after the ones before it in the same chat. */
  kick(tenantId: string, resourceId: string, chatId: string | null): Promise<void> {
    const key = `${tenantId}/${chatId ?? ''}`;
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(async () => void (await this.processOne(tenantId, resourceId))).catch((err) => this.logger.error({ tenant: tenantId, err: errorSummary(err) }, 'bot inbox failed'));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  /** Resolves when every kicked turn has finished. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  async processOne(tenantId: string, resourceId: string): Promise<'done' | 'retry' | 'gave_up' | 'not_claimed'> {
    const now = this.clock.now();
    const row = await this.repo.claim(tenantId, resourceId, now, this.o.leaseMs);
    if (!row) return 'not_claimed';
    const parsed = storedBotEvent.safeParse(JSON.parse(row.payload));
    if (!parsed.success) {
      await this.repo.markProcessed(tenantId, resourceId, this.clock.now(), 'unreadable stored event');
      this.logger.error({ tenant: tenantId, resourceId }, 'stored giosg event unreadable; dropped');
      return 'gave_up';
    }
    try {
      await this.run(tenantId, parsed.data);
      await this.repo.markProcessed(tenantId, resourceId, this.clock.now());
      return 'done';
    } catch (err) {
      const summary = errorSummary(err);
      const error = `${summary.name ?? 'Error'}: ${summary.message ?? ''}`.slice(0, 500);
      if (row.attempts >= this.o.maxAttempts) {
        await this.repo.markProcessed(tenantId, resourceId, this.clock.now(), error);
        this.logger.error({ tenant: tenantId, resourceId, attempts: row.attempts, err: summary }, 'bot turn failed for good; giving up on this admin message');
        return 'gave_up';
      }
      const backoff = Math.min(5 * 60_000, 2_000 * 4 ** (row.attempts - 1));
      await this.repo.markRetry(tenantId, resourceId, this.clock.now() + backoff, error);
      this.logger.warn({ tenant: tenantId, resourceId, attempts: row.attempts, err: summary }, 'bot turn failed; will retry');
      return 'retry';
    }
  }

  /** Picks up events left behind (crash after 200, failed turns whose backoff ran out). */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    const due = await this.repo.due(now, now - this.o.graceMs, 50);
    await Promise.all(due.map((d) => this.kick(d.tenantId, d.resourceId, d.chatId)));
    await this.repo.prune(now - this.o.keepMs);
    return due.length;
  }

  worker(everyMs: number): Worker {
    let timer: NodeJS.Timeout | undefined;
    let sweeping: Promise<unknown> = Promise.resolve();
    return {
      name: 'bot-inbox',
      start: () => {
        const run = () => {
          sweeping = sweeping.then(() => this.sweep()).catch((err) => this.logger.error({ err: errorSummary(err) }, 'bot inbox sweep failed'));
        };
        if (!timer) {
          run();
          timer = setInterval(run, everyMs);
          timer.unref();
        }
      },
      stop: async () => {
        if (timer) clearInterval(timer);
        timer = undefined;
        await sweeping;
        await this.idle();
      },
    };
  }
}
