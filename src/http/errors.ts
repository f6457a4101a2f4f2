// Coded HTTP errors and the one error handler. Responses carry a code and a message
// written for the caller; stacks and internal messages stay in the log.
import { discardRest } from './drain';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../log';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: 'No such route' } });
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    // body-parser errors carry a status and a type.
    const e = err as { status?: number; type?: string; message?: string };
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
      return;
    }
    if (e?.type === 'entity.too.large' || e?.status === 413) {
      const limit = (err as { limit?: number }).limit;
      // body-parser stopped reading; a client still sending could not read the answer (http/drain.ts).
      discardRest(req, () => {
        if (!res.headersSent) res.status(413).json({ error: { code: 'payload_too_large', message: limit ? `Request body is larger than ${limit} bytes` : 'Request body is too large' } });
      });
      return;
    }
    if (e?.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'malformed_json', message: 'Request body is not valid JSON' } });
      return;
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: { code: 'bad_request', message: 'Bad request' } });
      return;
    }
    logger.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack }, route: req.route?.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'Internal error' } });
  };
}
