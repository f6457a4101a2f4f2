export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  readStdin(): Promise<string>;
}

/** An expected failure: its message is the whole story, printed without a stack. */
export class CliFailure extends Error {}
