export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  readStdin(): Promise<string>;
  /** Asks a yes/no question; absent when nobody is at a terminal to answer (scripts, pipes). */
  confirm?(question: string): Promise<boolean>;
}

/** An expected failure: its message is the whole story, printed without a stack. */
export class CliFailure extends Error {}
