/**
 * `@batchactions/state-sql`: the one SQL implementation of the state store port, shared by the
 * PostgreSQL, SQLite, Sequelize and Prisma stores, and the executor port a new SQL client
 * implements to get a store.
 *
 * @module @batchactions/state-sql
 */
export { SqlStateStore, type SqlStateStoreParts } from './sql-state-store';
export { resolveBatchPayloads, type BatchPayloadsOption } from './batch-payloads-option';
export {
  resolveAsynchronousCommit,
  type AsynchronousCommitOption,
} from './asynchronous-commit-option';
export {
  isDeadlock,
  isUniqueViolation,
  PLAN_EACH_TIME,
  toQuestionMarks,
  type SqlConnection,
  type SqlExecutor,
  type SqlFamily,
  type SqlTransactionOptions,
} from './executor';
export {
  batchOutcomesTableName,
  batchPayloadsTableName,
  jobLimitsTableName,
  quoteTables,
  type QuotedTables,
} from './sql/tables';
export { addClaimSeqColumnSql, createJobLimitsTableSql } from './sql/limits-table-sql';
export {
  createBatchOutcomesTableSql,
  createBatchPayloadsTableSql,
  createRecordStartIndexSql,
  moveOutcomesSql,
  outcomeCompressionSql,
  payloadCompressionSql,
} from './sql/payload-sql';
export {
  DEFAULT_TABLE_PREFIX,
  resolveTableNames,
  type TableNames,
  type TablePrefixOptions,
} from './tables';
export { migratePublishedTables, migrateTables, type MigrationOutcome } from './migrate';
export { LATEST_SCHEMA_VERSION } from './migrations';
export { SchemaVersionError } from './errors';
