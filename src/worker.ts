/** A background loop (outbox sender, relay, scheduler). stop() lets in-flight work finish. */
export interface Worker {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}
