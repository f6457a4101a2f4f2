// How many media transfers (download + upload) one process runs at once, both directions
// together. The relay claims up to a batch (100) of customers' messages at once; with all
// 100 transfers in flight the bench measured a peak RSS of 170 MB (1 MB images) and 52
// images/s; with 16 at once 155 MB, 53/s; with 8, 152 MB and 70/s (4: 152 MB, 65/s) on
// 2 cores: past a few transfers the CPU (hashing, HTTP) is the limit, and more in flight
// only adds garbage. The rest wait their turn in order of arrival.
export const MEDIA_TRANSFERS_AT_ONCE = 8;

export class TransferSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size = MEDIA_TRANSFERS_AT_ONCE) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
