import { InvalidOptionError } from '@batchactions/core';
import {
  migratePublishedTables,
  quoteTables,
  resolveTableNames,
  SqlStateStore,
  type MigrationOutcome,
  type TableNames,
  type TablePrefixOptions,
} from '@batchactions/state-sql';
import type { Sql } from 'postgres';
import { postgresJsExecutor } from './postgres-js-executor.js';

/** Options of {@link PostgresJsStateStore}: the table prefix (default `'batchactions_'`). */
export type PostgresJsStateStoreOptions = TablePrefixOptions;

function checkSql(sql: unknown): asserts sql is Sql {
  const candidate = sql as { unsafe?: unknown; begin?: unknown; typed?: unknown };
  if (
    typeof sql !== 'function' ||
    typeof candidate.unsafe !== 'function' ||
    typeof candidate.begin !== 'function' ||
    typeof candidate.typed !== 'function'
  ) {
    throw new InvalidOptionError('sql', sql, 'a postgres.js instance (postgres(url))');
  }
}

/**
 * A `DistributedStateStore` on PostgreSQL through postgres.js: the shared SQL store
 * (`@batchactions/state-sql`) over {@link postgresJsExecutor}, with the published table layout
 * (`batchactions_jobs`, `batchactions_batches`, `batchactions_records`, ...), created in the
 * first schema of the connection's `search_path`.
 *
 * The store does not own `sql`: end it yourself (`await sql.end()`) when the store is done.
 */
export class PostgresJsStateStore extends SqlStateStore {
  /** The store's table names. */
  readonly tables: TableNames;

  /**
   * Performs no I/O: the first call of any method creates or migrates the tables.
   * @throws InvalidOptionError when `sql` is not a postgres.js instance or `tablePrefix` is bad.
   */
  constructor(sql: Sql, options?: PostgresJsStateStoreOptions) {
    checkSql(sql);
    const tables = resolveTableNames(options);
    super({
      executor: postgresJsExecutor(sql),
      tables: quoteTables(tables),
      setUpSchema: (executor) => migratePublishedTables(executor, tables),
    });
    this.tables = tables;
  }

  /**
   * Creates the tables, or migrates them to this version; idempotent, and safe when many
   * processes call it at once. Optional: every other method runs it first. Resolves what it
   * did (the schema versions before and after, the migrations applied); later calls resolve the
   * first call's outcome.
   * @throws SchemaVersionError when a newer version migrated the tables further.
   */
  initialize(): Promise<MigrationOutcome> {
    return this.setUpTables() as Promise<MigrationOutcome>;
  }
}
