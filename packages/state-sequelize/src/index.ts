/**
 * `SequelizeStateStore`: PostgreSQL, MariaDB/MySQL or SQLite through your Sequelize v6 instance.
 *
 * @module @batchactions/state-sequelize
 */
export { SequelizeStateStore } from './sequelize-state-store';
export { DEFAULT_TABLE_PREFIX, type SequelizeStateStoreOptions, type TableNames } from './options';
export { UnsupportedDialectError } from './errors';
export {
  LATEST_SCHEMA_VERSION,
  SchemaVersionError,
  type MigrationOutcome,
} from '@batchactions/state-sql';
export { sequelizeExecutor } from './sequelize-executor';
export {
  betterSqlite3Dialect,
  DEFAULT_BETTER_SQLITE3_BUSY_TIMEOUT_MS,
  SqliteDatabaseClosedError,
  type BetterSqlite3Connection,
  type BetterSqlite3Constructor,
  type BetterSqlite3DialectOptions,
  type BetterSqlite3OpenOptions,
  type BetterSqlite3Statement,
  type Sqlite3Database,
  type Sqlite3DatabaseConstructor,
  type Sqlite3DialectModule,
  type Sqlite3DoneCallback,
  type Sqlite3StatementResult,
} from './better-sqlite3';
