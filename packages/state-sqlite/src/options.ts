import { InvalidOptionError } from '@batchactions/core';
import type { BatchPayloadsOption } from '@batchactions/state-sql';
import type { SqliteDatabase } from './database-handle';

/** Default of {@link SqliteStateStoreCommonOptions.busyTimeoutMs}. */
export const DEFAULT_BUSY_TIMEOUT_MS = 30_000;

/** Options shared by both ways to build a {@link SqliteStateStore}. */
export interface SqliteStateStoreCommonOptions extends BatchPayloadsOption {
  /**
   * How long a connection waits for another process's write lock before failing with
   * `SQLITE_BUSY`, in milliseconds. SQLite's lock waits are not fair under contention (a waiter
   * may be passed over many times), so keep this well above a few seconds.
   * @default 30000
   */
  readonly busyTimeoutMs?: number;
  /**
   * SQLite's page cache of the connection, in KiB (`PRAGMA cache_size = -n`). better-sqlite3
   * opens connections with 16,000 KiB, which a worker fills within a job: memory outside the
   * JavaScript heap. `2000` (SQLite's own default) keeps a worker process about 14 MB smaller at
   * the same speed on batch payloads (see docs/operations.md, "Worker memory"). Applied to a
   * handle passed as `database` too, when given.
   * @default the connection's own (better-sqlite3: 16000)
   */
  readonly cacheSizeKiB?: number;
}

/** Open (and own) the database file at `filename`. */
export interface SqliteStateStoreFileOptions extends SqliteStateStoreCommonOptions {
  /** Path of the database file; created when absent. Must be on a local filesystem. */
  readonly filename: string;
  readonly database?: undefined;
}

/** Use a better-sqlite3 handle that the caller opened and keeps owning (`close()` leaves it open). */
export interface SqliteStateStoreHandleOptions extends SqliteStateStoreCommonOptions {
  /** An open better-sqlite3 12.x `Database`. */
  readonly database: SqliteDatabase;
  readonly filename?: undefined;
}

/** Options of {@link SqliteStateStore}: either `filename` or `database`, not both. */
export type SqliteStateStoreOptions = SqliteStateStoreFileOptions | SqliteStateStoreHandleOptions;

/** Options after checking, with defaults applied. */
export interface ResolvedSqliteOptions {
  readonly filename: string | undefined;
  readonly database: SqliteDatabase | undefined;
  readonly busyTimeoutMs: number;
  readonly cacheSizeKiB: number | undefined;
}

function isHandle(value: unknown): value is SqliteDatabase {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.prepare === 'function' && typeof candidate.exec === 'function';
}

/** Checks the options; a bad one throws `InvalidOptionError` naming it. */
export function resolveSqliteOptions(options: SqliteStateStoreOptions): ResolvedSqliteOptions {
  const raw = options as Partial<
    Record<'filename' | 'database' | 'busyTimeoutMs' | 'cacheSizeKiB', unknown>
  >;
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new InvalidOptionError('options', options, 'an object with "filename" or "database"');
  }
  const { filename, database, busyTimeoutMs, cacheSizeKiB } = raw;
  if (filename !== undefined && database !== undefined) {
    throw new InvalidOptionError('filename', filename, 'either "filename" or "database", not both');
  }
  if (filename === undefined && database === undefined) {
    throw new InvalidOptionError('filename', filename, 'a database file path (or pass "database")');
  }
  if (filename !== undefined && (typeof filename !== 'string' || filename.trim() === '')) {
    throw new InvalidOptionError('filename', filename, 'a non-empty file path');
  }
  if (database !== undefined && !isHandle(database)) {
    throw new InvalidOptionError('database', database, 'an open better-sqlite3 Database');
  }
  // Only undefined means "not given": null is a wrong value like any other.
  const timeout = busyTimeoutMs === undefined ? DEFAULT_BUSY_TIMEOUT_MS : busyTimeoutMs;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0) {
    throw new InvalidOptionError('busyTimeoutMs', busyTimeoutMs, 'an integer >= 0 (milliseconds)');
  }
  if (
    cacheSizeKiB !== undefined &&
    (typeof cacheSizeKiB !== 'number' || !Number.isInteger(cacheSizeKiB) || cacheSizeKiB < 1)
  ) {
    throw new InvalidOptionError('cacheSizeKiB', cacheSizeKiB, 'an integer >= 1 (KiB)');
  }
  return {
    filename: typeof filename === 'string' ? filename : undefined,
    database: isHandle(database) ? database : undefined,
    busyTimeoutMs: timeout,
    cacheSizeKiB,
  };
}
