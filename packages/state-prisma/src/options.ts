import { InvalidOptionError } from '@batchactions/core';
import {
  resolveTableNames,
  type TableNames,
  type AsynchronousCommitOption,
  type BatchPayloadsOption,
  type TablePrefixOptions,
} from '@batchactions/state-sql';

export { DEFAULT_TABLE_PREFIX, type TableNames } from '@batchactions/state-sql';

/** The Prisma providers (datasource `provider`) the store has SQL for. */
export type PrismaProvider = 'postgresql' | 'mysql' | 'sqlite';

/** Default of {@link PrismaStateStoreOptions.transactionTimeoutMs}. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 120_000;
/** Default of {@link PrismaStateStoreOptions.transactionMaxWaitMs}. */
export const DEFAULT_TRANSACTION_MAX_WAIT_MS = 30_000;

/**
 * Options of `PrismaStateStore`. Every option is optional; `new PrismaStateStore(prisma)` is
 * the published usage.
 */
export interface PrismaStateStoreOptions
  extends TablePrefixOptions, BatchPayloadsOption, AsynchronousCommitOption {
  /**
   * The database behind the client, as the datasource's `provider` names it (`mysql` also for
   * MariaDB). Default: the provider the client was generated for (every Prisma 6 and 7 client
   * carries it); give it only for a client that does not.
   */
  readonly provider?: PrismaProvider;
  /**
   * Milliseconds one of the store's transactions may stay open before Prisma rolls it back
   * (Prisma's own default is 5 s). A transaction can wait for a migration lock held by another
   * process (up to 120 s on MySQL/MariaDB) or for SQLite's write lock.
   * Default: {@link DEFAULT_TRANSACTION_TIMEOUT_MS} (120 s).
   */
  readonly transactionTimeoutMs?: number;
  /**
   * Milliseconds a transaction waits for a connection of the client's pool before Prisma gives
   * up (Prisma's own default is 2 s). Default: {@link DEFAULT_TRANSACTION_MAX_WAIT_MS} (30 s).
   */
  readonly transactionMaxWaitMs?: number;
}

/** The checked options. */
export interface ResolvedOptions {
  readonly tables: TableNames;
  readonly provider: PrismaProvider | undefined;
  readonly transactionTimeoutMs: number;
  readonly transactionMaxWaitMs: number;
}

const PROVIDERS: ReadonlySet<string> = new Set(['postgresql', 'mysql', 'sqlite']);

function positiveMs(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidOptionError(name, value, 'a positive integer (milliseconds)');
  }
  return value;
}

/** Checks the options. @throws InvalidOptionError naming the bad option. */
export function resolveOptions(options: PrismaStateStoreOptions | undefined): ResolvedOptions {
  const tables = resolveTableNames(options);
  const provider = options?.provider;
  if (provider !== undefined && !PROVIDERS.has(provider)) {
    throw new InvalidOptionError('provider', provider, '"postgresql", "mysql" or "sqlite"');
  }
  return {
    tables,
    provider,
    transactionTimeoutMs: positiveMs(
      'transactionTimeoutMs',
      options?.transactionTimeoutMs,
      DEFAULT_TRANSACTION_TIMEOUT_MS,
    ),
    transactionMaxWaitMs: positiveMs(
      'transactionMaxWaitMs',
      options?.transactionMaxWaitMs,
      DEFAULT_TRANSACTION_MAX_WAIT_MS,
    ),
  };
}
