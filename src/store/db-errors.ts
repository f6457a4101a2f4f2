// Errors that say the database is unavailable (connection lost or refused, server shutting
// down, disk full or I/O failing), as opposed to a problem with one row. Callers that isolate
// failing rows must not blame rows for these: every row would be "failed" by a restart.
const CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN']);
// PostgreSQL SQLSTATE classes 08 (connection exception), 53 (insufficient resources),
// 57P (operator intervention: shutdown, crash), 58 (system error).
const SQLSTATE = /^(08|53|57P|58)/;
const MESSAGES = /connection terminated|not queryable|connection error|timeout exceeded when trying to connect/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && (CODES.has(e.code) || e.code.startsWith('SQLITE_IOERR') || SQLSTATE.test(e.code))) return true;
  return typeof e?.message === 'string' && MESSAGES.test(e.message);
}
