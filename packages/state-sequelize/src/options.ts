import type {
  AsynchronousCommitOption,
  BatchPayloadsOption,
  TablePrefixOptions,
} from '@batchactions/state-sql';

export { DEFAULT_TABLE_PREFIX, resolveTableNames, type TableNames } from '@batchactions/state-sql';

/**
 * Options of `SequelizeStateStore`. Every option is optional; `new SequelizeStateStore(sequelize)`
 * is the published usage. `tablePrefix` (default `'batchactions_'`) names the tables;
 * `batchPayloads` (default `false`) stores each prepared batch as one row (issue 28);
 * `asynchronousCommit` (default `false`, PostgreSQL only) commits batch registrations and
 * completions without waiting for the WAL flush.
 */
export type SequelizeStateStoreOptions = TablePrefixOptions &
  BatchPayloadsOption &
  AsynchronousCommitOption;
