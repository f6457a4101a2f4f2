// Kysely's SQLite dialect, with transactions that take the write lock when they begin.
// Kysely begins with a plain (deferred) BEGIN: the lock is taken at the first write. With
// one connection that never mattered. With two (the processor thread has its own), a
// transaction that read before writing fails at its first write with SQLITE_BUSY if the
// other connection committed in between, and SQLite does not wait or retry in that case.
// BEGIN IMMEDIATE waits for the lock up front (busy_timeout) and then cannot lose it.
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  private readonly cfg: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.cfg = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.cfg);
  }
}
