/**
 * `PostgresStateStore`: a store for workers on many machines (pg).
 *
 * @module @batchactions/state-postgres
 */
export { PostgresStateStore } from './postgres-state-store';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_POOL_SIZE,
  DEFAULT_SCHEMA,
  type PostgresStateStoreCommonOptions,
  type PostgresStateStoreConnectionOptions,
  type PostgresStateStoreOptions,
  type PostgresStateStorePoolOptions,
} from './options';
export { SchemaNotInitializedError, SchemaVersionError } from './errors';
export type { MigrationOutcome } from './migrate';
export { LATEST_SCHEMA_VERSION } from './migrations';
export type { PgPoolClientLike, PgPoolLike, PgQueryable, PgQueryResultLike } from './pg-types';
