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

/** Strips secrets that may hide inside URLs (query strings) before a URL is logged. */
export function safeUrl(url: string): string {
  return url.replace(/([?&](?:secret|access_token|input_token|appsecret_proof|token|hub\.verify_token)=)[^&#]*/gi, '$1[redacted]');
}
