// One pino logger for the service. Redaction is the last line of defence: code must
// still never pass a token to the logger, and tests grep the log output to prove it.
import pino, { Logger, DestinationStream } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'input_token',
  '*.input_token',
  'appsecret_proof',
  '*.appsecret_proof',
  'secret',
  '*.secret',
  '*.*.secret',
  'apiToken',
  '*.apiToken',
  'appSecret',
  '*.appSecret',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-webhook-secret"]',
  'config.headers.Authorization',
  '*.headers.Authorization',
  'hub.verify_token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'giosg-whatsapp' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** What of an error may be logged: never the request, config or headers an error may carry. */
export function errorSummary(err: unknown): { name?: string; message?: string; code?: unknown } {
  const e = err as { name?: string; message?: string; code?: unknown };
  return { name: e?.name, message: e?.message, code: e?.code };
}
