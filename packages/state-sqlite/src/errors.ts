import { BatchActionsError } from '@batchactions/core';

/** The database holds a schema written by a newer version of this package. */
export class SqliteSchemaVersionError extends BatchActionsError {
  /** Version found in the database. */
  readonly foundVersion: number;
  /** Newest version this package knows. */
  readonly supportedVersion: number;

  constructor(location: string, foundVersion: number, supportedVersion: number) {
    super(
      'SQLITE_SCHEMA_TOO_NEW',
      `SQLite state store "${location}" has schema version ${foundVersion}, but this version of @batchactions/state-sqlite supports up to ${supportedVersion}; upgrade @batchactions/state-sqlite`,
    );
    this.foundVersion = foundVersion;
    this.supportedVersion = supportedVersion;
  }
}

/** A store method was called before `initialize()` resolved, or after `close()`. */
export class SqliteStoreNotReadyError extends BatchActionsError {
  constructor(method: string, closed: boolean) {
    super(
      'SQLITE_STORE_NOT_READY',
      closed
        ? `SqliteStateStore.${method}() was called after close(); create a new store`
        : `SqliteStateStore.${method}() was called before initialize(); call await store.initialize() first`,
    );
  }
}

/** Rolling back a failed transaction failed too; `cause` is the error that started it. */
export class SqliteRollbackError extends BatchActionsError {
  /** The error raised by `ROLLBACK`. */
  readonly rollbackError: unknown;

  constructor(cause: unknown, rollbackError: unknown) {
    super(
      'SQLITE_ROLLBACK_FAILED',
      `SQLite state store could not roll back a failed transaction: ${String(rollbackError)}`,
      { cause },
    );
    this.rollbackError = rollbackError;
  }
}

/** The database could not be switched to WAL mode (required for many processes on one file). */
export class SqliteJournalModeError extends BatchActionsError {
  constructor(location: string, mode: string) {
    super(
      'SQLITE_JOURNAL_MODE',
      `SQLite state store "${location}" could not switch to journal_mode=WAL (it reports "${mode}"); use a file on a local filesystem`,
    );
  }
}

/** The database file could not be opened; `cause` is better-sqlite3's error. */
export class SqliteOpenError extends BatchActionsError {
  readonly filename: string;

  constructor(filename: string, cause: unknown) {
    super(
      'SQLITE_OPEN_FAILED',
      `SQLite state store could not open "${filename}": ${cause instanceof Error ? cause.message : String(cause)} (does its directory exist and is it writable?)`,
      { cause },
    );
    this.filename = filename;
  }
}
