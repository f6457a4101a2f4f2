// Opens the database named by DATABASE_URL: SQLite (embedded default) or PostgreSQL.
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { ImmediateSqliteDialect } from './sqlite-dialect';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './schema';
import { WriteHealth } from './write-health';
import { WalCheckpointer, type CheckpointOptions } from './wal-checkpoint';

// int8 (COUNT, BIGINT) arrives as a string by default; our values are epoch ms and ids,
// all far below 2^53, so numbers are safe and keep both engines' rows identical.
pg.types.setTypeParser(20, (v) => Number(v));

export type Engine = 'sqlite' | 'postgres';

/** How long a statement waits for another connection's write lock before SQLITE_BUSY (on timers, see sqlite-dialect.ts). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  /** PostgreSQL only: a pool for LISTEN/NOTIFY and advisory locks. */
  pgPool?: pg.Pool;
  /** SQLite only: the file path (tests read the raw file to prove nothing is in clear). */
  sqlitePath?: string;
  /** SQLite only: the connection itself, for the webhook group commit (store/webhook-batch-writer.ts). */
  sqliteDb?: SqliteDatabase.Database;
  /** SQLite file, when opened for the service: the thread that checkpoints the WAL (wal-checkpoint.ts). */
  checkpointer?: WalCheckpointer;
  ping(): Promise<boolean>;
  /** Outcome of the webhook receiver's writes (see write-health.ts). */
  writes: WriteHealth;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** SQLite file: checkpoint the WAL in a thread of its own, not inside the service's commits (options: tests). */
  backgroundCheckpoints?: boolean | CheckpointOptions;
}

export function openStore(databaseUrl: string, o: StoreOptions = {}): Store {
  if (databaseUrl.startsWith('sqlite:')) return openSqlite(databaseUrl.slice('sqlite:'.length), o);
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgres(databaseUrl);
  throw new Error('DATABASE_URL: expected sqlite:… or postgres://…');
}

function openSqlite(file: string, o: StoreOptions): Store {
  const resolved = file === ':memory:' ? file : path.resolve(file);
  if (resolved !== ':memory:') fs.mkdirSync(path.dirname(resolved), { recursive: true });
  const raw = new SqliteDatabase(resolved);
  // Must come before the first table: a new file is then created in incremental auto-vacuum
  // mode and the pruner can give freed pages back (retention-repo.ts). On an existing file in
  // the default mode this changes nothing until a one-off VACUUM (README, data retention).
  raw.pragma('auto_vacuum = INCREMENTAL');
  raw.pragma('journal_mode = WAL');
  // The WAL file keeps its high-water mark; whenever the WAL starts over, SQLite truncates
  // it back to this (twice the checkpoint thread's RESTART threshold, wal-checkpoint.ts), so
  // a burst does not leave a large file behind for good.
  raw.pragma(`journal_size_limit = ${32 * 1024 * 1024}`);
  // NORMAL in WAL mode keeps every commit durable against process crashes (kill -9);
  // only an OS crash can lose the last transactions, which Meta then re-delivers.
  raw.pragma('synchronous = NORMAL');
  // No waiting inside SQLite: its busy handler sleeps the thread. Kysely's statements wait
  // for another connection's lock on timers instead (sqlite-dialect.ts), and the webhook
  // group commit retries around it (webhook-batch-writer.ts).
  raw.pragma('busy_timeout = 0');
  raw.pragma('foreign_keys = ON');
  cachePreparedStatements(raw);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: raw }, SQLITE_BUSY_TIMEOUT_MS) });
  const checkpointer = o.backgroundCheckpoints && resolved !== ':memory:' ? WalCheckpointer.start(raw, resolved, o.backgroundCheckpoints === true ? {} : o.backgroundCheckpoints) : undefined;
  let closed = false;
  return {
    db,
    engine: 'sqlite',
    sqlitePath: resolved,
    sqliteDb: raw,
    checkpointer,
    writes: new WriteHealth(),
    async ping() {
      if (closed) return false;
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // A client losing its server (PostgreSQL restart, failover) must not crash the process.
  // The pool listens on idle clients only; a checked-out client between two queries (in a
  // transaction, or LISTENing) emits 'error' with no listener, an uncaught exception. The
  // failed query rejects anyway, and the pool drops a client that is no longer queryable
  // when it comes back (found by test/fault/postgres-restart.test.ts).
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    engine: 'postgres',
    pgPool: pool,
    writes: new WriteHealth(),
    async ping() {
      if (closed) return false;
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/**
 * Kysely's SQLite driver prepares every query anew; compiling the same SQL again and again
 * was a visible share of the webhook path's CPU. Statements are reused by SQL text (safe:
 * better-sqlite3 runs them synchronously). Only short ones: multi-row inserts vary in
 * length with the batch, a 500-row one holds a large compiled program in SQLite's memory,
 * and caching every variant grew the server by ~6 MB a second under ingest (bench/README.md).
 * Preparing those anew costs little next to running them.
 */
const CACHED_STATEMENT_MAX_CHARS = 2000;
/**
 * Nor those with many bound values: an `in (?, ?, …)` list has one variant per length, and
 * the processor's batches made hundreds of them (measured: 400 such variants hold 16 MB of
 * SQLite's memory; the server's RSS climbed ~35 MB while it worked off a burst). Prepared
 * anew, they die young and are finalized at the next minor GC.
 */
const CACHED_STATEMENT_MAX_PARAMS = 32;

function placeholders(source: string): number {
  let n = 0;
  for (let i = source.indexOf('?'); i >= 0; i = source.indexOf('?', i + 1)) n++;
  return n;
}

function cachePreparedStatements(raw: SqliteDatabase.Database, max = 500): void {
  const prepare = raw.prepare.bind(raw);
  const cache = new Map<string, SqliteDatabase.Statement>();
  (raw as { prepare: typeof raw.prepare }).prepare = ((source: string) => {
    if (source.length > CACHED_STATEMENT_MAX_CHARS) return prepare(source);
    const hit = cache.get(source);
    if (hit) return hit;
    const stmt = prepare(source);
    if (cache.size < max && placeholders(source) <= CACHED_STATEMENT_MAX_PARAMS) cache.set(source, stmt);
    return stmt;
  }) as typeof raw.prepare;
}
