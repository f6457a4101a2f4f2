// Errors raised by the Graph client. They carry Meta's code and our class but never the
// request (HTTP client errors can embed the request's headers, Authorization included, and
// would leak the token if logged).
import { classifyMetaError, ErrorClass } from './error-classes';

export class GraphError extends Error {
  readonly errorClass: ErrorClass;
  constructor(
    message: string,
    readonly httpStatus: number | undefined,
    readonly code: number | undefined,
    readonly subcode: number | undefined,
    readonly details: string | undefined,
    readonly fbtraceId: string | undefined,
  ) {
    super(message);
    this.name = 'GraphError';
    this.errorClass = classifyMetaError(code, httpStatus, message);
  }

  /** A one-line reason fit for an admin or agent: Meta's words, never ours with secrets. */
  get reason(): string {
    const sub = this.subcode !== undefined ? `/${this.subcode}` : '';
    const code = this.code !== undefined ? ` (code ${this.code}${sub})` : '';
    return `${this.details ?? this.message}${code}`;
  }
}
