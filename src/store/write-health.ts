// Whether the database is taking writes, as seen by the webhook receiver. `select 1`
// answers on a full disk or a read-only file, while every acknowledgement fails: /readyz
// must say unready then, so a load balancer sends Meta's retries to an instance that can
// store them. Unready lasts a few seconds after the last failure and no longer, so an
// instance that gets no traffic while unready cannot stay unready forever.
export const UNREADY_AFTER_WRITE_FAILURE_MS = 5_000;

export class WriteHealth {
  private lastFailureAt = 0;
  private lastSuccessAt = 0;
  private lastError: string | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  noteSuccess(): void {
    this.lastSuccessAt = this.now();
  }

  noteFailure(err: unknown): void {
    this.lastFailureAt = this.now();
    const e = err as { code?: unknown; name?: string };
    this.lastError = typeof e?.code === 'string' ? e.code : (e?.name ?? 'Error');
  }

  /** The most recent write failed, recently: the error's code (e.g. SQLITE_FULL), else undefined. */
  failing(): string | undefined {
    if (this.lastFailureAt <= this.lastSuccessAt) return undefined;
    return this.now() - this.lastFailureAt < UNREADY_AFTER_WRITE_FAILURE_MS ? this.lastError : undefined;
  }
}
