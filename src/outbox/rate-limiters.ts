// One token bucket per WhatsApp phone number (Meta's throughput is per number, 80/s by
// default), shared by every tenant row sent from this process.
import Bottleneck from 'bottleneck';

export class PhoneRateLimiters {
  private readonly limiters = new Map<string, Bottleneck>();

  constructor(private readonly perSecond: number) {}

  for(phoneNumberId: string): Bottleneck {
    let l = this.limiters.get(phoneNumberId);
    if (!l) {
      l = new Bottleneck({
        reservoir: this.perSecond,
        reservoirRefreshAmount: this.perSecond,
        reservoirRefreshInterval: 1000,
        maxConcurrent: Math.min(this.perSecond, 64),
      });
      this.limiters.set(phoneNumberId, l);
    }
    return l;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.limiters.values()].map((l) => l.stop({ dropWaitingJobs: false })));
    this.limiters.clear();
  }
}
