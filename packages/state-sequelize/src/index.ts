export { SequelizeStateStore } from './sequelize-state-store';
export { DEFAULT_TABLE_PREFIX, type SequelizeStateStoreOptions, type TableNames } from './options';
export { SchemaVersionError, UnsupportedDialectError } from './errors';
export type { MigrationOutcome } from './migrate';
export { LATEST_SCHEMA_VERSION } from './migrations';
