/**
 * `PrismaStateStore`: PostgreSQL, MariaDB/MySQL or SQLite through your Prisma 6 or 7 client.
 *
 * @module @batchactions/state-prisma
 */
export { PrismaStateStore } from './prisma-state-store';
export type {
  PrismaBatchactionsClient,
  PrismaIsolationLevel,
  PrismaRawClient,
  PrismaTransactionOptions,
} from './prisma-client';
export {
  DEFAULT_TABLE_PREFIX,
  DEFAULT_TRANSACTION_MAX_WAIT_MS,
  DEFAULT_TRANSACTION_TIMEOUT_MS,
  type PrismaProvider,
  type PrismaStateStoreOptions,
  type TableNames,
} from './options';
export { UnsupportedProviderError } from './errors';
export type { BatchactionsBatchRow, BatchactionsJobRow, BatchactionsRecordRow } from './rows';
export { prismaExecutor, type PrismaExecutorOptions } from './prisma-executor';
export {
  LATEST_SCHEMA_VERSION,
  SchemaVersionError,
  type MigrationOutcome,
} from '@batchactions/state-sql';
