import {
  toQuestionMarks,
  type SqlConnection,
  type SqlExecutor,
  type SqlFamily,
  type SqlTransactionOptions,
} from '@batchactions/state-sql';
import { inTurn } from './sqlite-turns';
import type {
  PrismaBatchactionsClient,
  PrismaRawClient,
  PrismaTransactionOptions,
} from './prisma-client';

/** How the executor runs transactions; see {@link prismaExecutor}. */
export interface PrismaExecutorOptions {
  /** The SQL family of the client's database. */
  readonly family: SqlFamily;
  /** Prisma's `timeout` for each interactive transaction (ms). */
  readonly transactionTimeoutMs: number;
  /** Prisma's `maxWait` for each interactive transaction (ms). */
  readonly transactionMaxWaitMs: number;
  /**
   * SQLite: a write that changes nothing, run first in every transaction so that the
   * transaction holds the write lock before it reads (see {@link prismaExecutor}).
   */
  readonly sqliteWriteLock?: string;
}

/** Statements through `$queryRawUnsafe` / `$executeRawUnsafe` of `client` (or of a transaction). */
function connection(client: PrismaRawClient, family: SqlFamily): SqlConnection {
  // PostgreSQL reads `$1`..`$n` itself; MySQL/MariaDB and SQLite take `?` in order.
  const bind =
    family === 'postgres'
      ? (sql: string, values: readonly unknown[]) => ({ sql, values: [...values] })
      : toQuestionMarks;
  return {
    query: async <Row extends object>(sql: string, values: readonly unknown[]) => {
      const statement = bind(sql, values);
      return client.$queryRawUnsafe<Row[]>(statement.sql, ...statement.values);
    },
    execute: async (sql: string, values: readonly unknown[]) => {
      const statement = bind(sql, values);
      return client.$executeRawUnsafe(statement.sql, ...statement.values);
    },
  };
}

/**
 * The executor of a Prisma client: statements through `$queryRawUnsafe` and
 * `$executeRawUnsafe`, transactions through interactive `$transaction` with the store's timeout
 * and connection wait (Prisma's defaults, 5 s and 2 s, are too short for a transaction waiting
 * for a lock).
 *
 * - MySQL/MariaDB: a transaction that takes locking reads runs READ COMMITTED (a locking read
 *   then locks only the rows it returns; no gap locks between claimers).
 * - SQLite: Prisma's adapters begin a deferred transaction (plain `BEGIN`), which reads before it
 *   writes; another process's commit in between makes its first write fail with `SQLITE_BUSY`
 *   (version 0.0.3's failure with two workers). The executor's first statement in every
 *   transaction is a write that changes nothing (`UPDATE ... WHERE 0`): it takes the write lock
 *   before anything is read, waiting for it up to the connection's busy timeout, as
 *   `BEGIN IMMEDIATE` would. The process's SQLite statements and transactions take turns
 *   (`sqlite-turns.ts`): a synchronous driver waiting for the lock would otherwise block the
 *   connection that holds it.
 */
export function prismaExecutor(
  prisma: PrismaBatchactionsClient,
  options: PrismaExecutorOptions,
): SqlExecutor {
  const { family } = options;
  const base: PrismaTransactionOptions = {
    timeout: options.transactionTimeoutMs,
    maxWait: options.transactionMaxWaitMs,
  };
  const top = connection(prisma, family);
  const runTransaction = <T>(
    work: (c: SqlConnection) => Promise<T>,
    transactionOptions: SqlTransactionOptions,
  ): Promise<T> => {
    const settings: PrismaTransactionOptions =
      family === 'mysql' && transactionOptions.lockingReads === true
        ? { ...base, isolationLevel: 'ReadCommitted' }
        : base;
    return prisma.$transaction(async (tx) => {
      const c = connection(tx, family);
      if (family === 'sqlite' && options.sqliteWriteLock !== undefined) {
        await c.execute(options.sqliteWriteLock, []);
      }
      return work(c);
    }, settings);
  };
  if (family !== 'sqlite') {
    return {
      family,
      ...top,
      transaction: (work, transactionOptions = {}) => runTransaction(work, transactionOptions),
    };
  }
  // SQLite: statements and transactions outside one take turns in the process (sqlite-turns.ts).
  return {
    family,
    query: (sql, values) => inTurn(() => top.query(sql, values)),
    execute: (sql, values) => inTurn(() => top.execute(sql, values)),
    transaction: (work, transactionOptions = {}) =>
      inTurn(() => runTransaction(work, transactionOptions)),
  };
}
