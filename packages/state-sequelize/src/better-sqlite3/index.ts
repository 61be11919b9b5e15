import { InvalidOptionError } from '@batchactions/core';
import {
  OPEN_CREATE,
  OPEN_FULLMUTEX,
  OPEN_READONLY,
  OPEN_READWRITE,
  sqlite3DatabaseClass,
} from './sqlite3-database';
import type { BetterSqlite3Constructor, Sqlite3DatabaseConstructor } from './types';

export { SqliteDatabaseClosedError } from './sqlite3-database';
export type {
  BetterSqlite3Connection,
  BetterSqlite3Constructor,
  BetterSqlite3OpenOptions,
  BetterSqlite3Statement,
  Sqlite3Database,
  Sqlite3DatabaseConstructor,
  Sqlite3DoneCallback,
  Sqlite3StatementResult,
} from './types';

/** Options of {@link betterSqlite3Dialect}. */
export interface BetterSqlite3DialectOptions {
  /**
   * How long a statement waits for a database another connection has locked before it fails
   * with `SQLITE_BUSY` (Sequelize's `TimeoutError`), in milliseconds. The wait does not block
   * the event loop. Default: `5000`, better-sqlite3's own default (the `sqlite3` driver waits
   * 1000 ms).
   */
  readonly busyTimeoutMs?: number;
}

/** The default of {@link BetterSqlite3DialectOptions.busyTimeoutMs}. */
export const DEFAULT_BETTER_SQLITE3_BUSY_TIMEOUT_MS = 5000;

/** What {@link betterSqlite3Dialect} returns: the part of the `sqlite3` module Sequelize uses. */
export interface Sqlite3DialectModule {
  readonly Database: Sqlite3DatabaseConstructor;
  readonly OPEN_READONLY: number;
  readonly OPEN_READWRITE: number;
  readonly OPEN_CREATE: number;
  readonly OPEN_FULLMUTEX: number;
}

/**
 * A Sequelize `dialectModule` for the `sqlite` dialect that runs on better-sqlite3 instead of
 * the `sqlite3` driver, for applications that already use better-sqlite3 and want one native
 * SQLite module:
 *
 * ```ts
 * import Database from 'better-sqlite3';
 * new Sequelize({ dialect: 'sqlite', storage: 'jobs.sqlite', dialectModule: betterSqlite3Dialect(Database) });
 * ```
 *
 * It implements the part of `sqlite3`'s API that Sequelize 6 calls (`Database` with open flags
 * and callback, `serialize`, `run`/`all`/`get`/`exec`, `close`, `this.lastID`/`this.changes`).
 * Each connection runs its statements one at a time in call order, calling back in a later turn
 * of the event loop. Differences from `sqlite3`: an SQL string holding several statements is
 * refused by `run`/`all`/`get` (use `exec`), where `sqlite3` ran the first one silently; an
 * array of values binds `?` placeholders only (named ones such as `$1` take an object, which is
 * what Sequelize passes); errors
 * are better-sqlite3's `SqliteError` (extended codes such as `SQLITE_CONSTRAINT_UNIQUE`, which
 * Sequelize maps to the same errors).
 *
 * @param Database better-sqlite3's `Database` class (tested with better-sqlite3 12.x).
 * @throws InvalidOptionError when `Database` is not a constructor or `busyTimeoutMs` is not an
 * integer >= 0.
 */
export function betterSqlite3Dialect(
  Database: BetterSqlite3Constructor,
  options: BetterSqlite3DialectOptions = {},
): Sqlite3DialectModule {
  if (typeof Database !== 'function') {
    throw new InvalidOptionError(
      'Database',
      Database,
      "better-sqlite3's Database class (import Database from 'better-sqlite3')",
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BETTER_SQLITE3_BUSY_TIMEOUT_MS;
  if (typeof busyTimeoutMs !== 'number' || !Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new InvalidOptionError('busyTimeoutMs', busyTimeoutMs, 'an integer >= 0 (milliseconds)');
  }
  return {
    Database: sqlite3DatabaseClass(Database, busyTimeoutMs),
    OPEN_READONLY,
    OPEN_READWRITE,
    OPEN_CREATE,
    OPEN_FULLMUTEX,
  };
}
