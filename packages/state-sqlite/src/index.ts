/**
 * `SqliteStateStore`: an embedded store for many processes on one host (better-sqlite3).
 *
 * @module @batchactions/state-sqlite
 */
export { SqliteStateStore } from './sqlite-state-store';
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  type SqliteStateStoreCommonOptions,
  type SqliteStateStoreFileOptions,
  type SqliteStateStoreHandleOptions,
  type SqliteStateStoreOptions,
} from './options';
export type { SqliteDatabase, SqliteStatement } from './database-handle';
export {
  SqliteJournalModeError,
  SqliteOpenError,
  SqliteRollbackError,
  SqliteSchemaVersionError,
  SqliteStoreNotReadyError,
} from './errors';
export { SCHEMA_VERSION, SCHEMA_VERSION_TABLE } from './sql/schema';
export {
  readSqliteSchemaVersion,
  type ReclaimSpaceOptions,
  type ReclaimSpaceResult,
} from './maintenance';
