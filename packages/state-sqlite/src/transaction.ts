import type { SqliteDatabase, SqliteStatement } from './database-handle';
import { SqliteRollbackError } from './errors';

/** The three statements a write transaction needs. */
export interface TransactionStatements {
  readonly begin: SqliteStatement;
  readonly commit: SqliteStatement;
  readonly rollback: SqliteStatement;
}

/**
 * Runs `work` between `begin` and `COMMIT`; a throw rolls back. Every write uses
 * `BEGIN IMMEDIATE`, which takes the write lock up front (waiting up to busy_timeout): a deferred
 * transaction that reads and then writes would instead fail with SQLITE_BUSY at once when another
 * process wrote in between. Read-only work may use `BEGIN DEFERRED` (one consistent snapshot).
 */
export function inTransaction<T>(
  db: SqliteDatabase,
  statements: TransactionStatements,
  work: () => T,
): T {
  statements.begin.run();
  try {
    const result = work();
    statements.commit.run();
    return result;
  } catch (error) {
    // SQLite rolls back by itself on some errors (e.g. SQLITE_FULL); only roll back what is open.
    if (db.inTransaction) {
      try {
        statements.rollback.run();
      } catch (rollbackError) {
        throw new SqliteRollbackError(error, rollbackError);
      }
    }
    throw error;
  }
}
