// Kysely's SQLite dialect, with two changes.
//
// Transactions take the write lock when they begin. Kysely begins with a plain (deferred)
// BEGIN: the lock is taken at the first write. A transaction that read before writing
// then fails at its first write with SQLITE_BUSY if another connection (the CLI, the
// checkpoint thread's RESTART) committed in between, and SQLite does not wait or retry in
// that case. BEGIN IMMEDIATE waits for the lock up front and then cannot lose it.
//
// Waiting for another connection's lock happens on the event loop, not in SQLite. The
// connection's busy_timeout is 0; a statement refused with SQLITE_BUSY is tried again
// after a short timer, for up to `lockWaitMs`. SQLite's own busy handler sleeps the whole
// thread (1, 2, 5, 10… ms at a time): acknowledgements, health checks and all. It also
// let the webhook group commit, which must never sleep, toggle busy_timeout around every
// commit: two compiled pragmas per commit, ~20 µs of a commit's ~70–90 µs on a slow
// machine (bench/README.md).
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type QueryResult, type SqliteDialectConfig } from 'kysely';

/** Delays between tries, then the last one repeated: short first, since a commit elsewhere usually ends within a millisecond. */
const RETRY_DELAYS_MS = [1, 1, 2, 4, 8, 16, 25];

export const isSqliteBusy = (err: unknown) => String((err as { code?: unknown })?.code ?? '').startsWith('SQLITE_BUSY');

class LockWaitingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly lockWaitMs: number,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (err) {
        // A refused statement changed nothing; inside a transaction we hold the lock
        // already (BEGIN IMMEDIATE), so only a BEGIN or a statement on its own gets here.
        if (!isSqliteBusy(err) || Date.now() - started >= this.lockWaitMs) throw err;
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]));
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  /** SQLite has one connection (Kysely's driver hands out the same one each time), so one wrapper. */
  private waiting: DatabaseConnection | undefined;

  constructor(
    config: SqliteDialectConfig,
    private readonly lockWaitMs: number,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.waiting ??= new LockWaitingConnection(inner, this.lockWaitMs);
    return this.waiting;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  private readonly cfg: SqliteDialectConfig;

  /** `lockWaitMs`: how long a statement waits for another connection's write lock before SQLITE_BUSY. */
  constructor(
    config: SqliteDialectConfig,
    private readonly lockWaitMs: number,
  ) {
    super(config);
    this.cfg = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.cfg, this.lockWaitMs);
  }
}
