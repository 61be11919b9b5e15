import { InvalidOptionError } from '@batchactions/core';
import {
  resolveAsynchronousCommit,
  resolveBatchPayloads,
  migratePublishedTables,
  quoteTables,
  SqlStateStore,
  type MigrationOutcome,
  type SqlExecutor,
} from '@batchactions/state-sql';
import type { Sequelize } from 'sequelize';
import { defineModels } from './models';
import { resolveTableNames, type SequelizeStateStoreOptions, type TableNames } from './options';
import { sequelizeExecutor } from './sequelize-executor';

function checkSequelize(sequelize: unknown): asserts sequelize is Sequelize {
  const candidate = sequelize as Partial<Sequelize> | null | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.query !== 'function' ||
    typeof candidate.getDialect !== 'function' ||
    typeof candidate.transaction !== 'function'
  ) {
    throw new InvalidOptionError(
      'sequelize',
      sequelize,
      'a Sequelize instance (new Sequelize(...))',
    );
  }
}

/** The published tables' set-up: SQLite first switches the file to WAL. */
async function setUpTables(executor: SqlExecutor, names: TableNames): Promise<MigrationOutcome> {
  if (executor.family === 'sqlite') {
    // Persistent in the file: readers no longer block the writer, nor the writer readers.
    await executor.query('PRAGMA journal_mode = WAL', []);
    await executor.query('PRAGMA busy_timeout = 10000', []);
  }
  return migratePublishedTables(executor, names);
}

/**
 * A `StateStore` and `DistributedStateStore` on the database of a Sequelize v6 instance:
 * PostgreSQL, MariaDB (>= 10.6) / MySQL (>= 8) or SQLite. The shared SQL store
 * (`@batchactions/state-sql`) over `sequelize.query` and `sequelize.transaction`.
 *
 * The published constructor and tables: `new SequelizeStateStore(sequelize)` uses
 * `batchactions_jobs`, `batchactions_batches` and `batchactions_records`, and upgrades tables
 * created by version 0.0.5 in place. Calling `initialize()` is optional: the first call of any
 * method creates or migrates the tables, once per store.
 *
 * ```ts
 * const sequelize = new Sequelize(process.env.DATABASE_URL!, { logging: false });
 * const store = new SequelizeStateStore(sequelize);
 * // new DistributedImport({ stateStore: store, ... })
 * ```
 */
export class SequelizeStateStore extends SqlStateStore {
  /** The store's table names. */
  readonly tables: TableNames;

  /**
   * Registers the published models (`BatchActionsJob`, `BatchActionsRecord`,
   * `BatchActionsBatch`) on `sequelize`; performs no I/O.
   * @throws InvalidOptionError when `sequelize` is not a Sequelize instance or an option is bad.
   * @throws UnsupportedDialectError for dialects other than postgres, mariadb, mysql, sqlite.
   */
  constructor(sequelize: Sequelize, options?: SequelizeStateStoreOptions) {
    checkSequelize(sequelize);
    const tables = resolveTableNames(options);
    const executor = sequelizeExecutor(sequelize);
    super({
      executor,
      tables: quoteTables(tables),
      setUpSchema: (setUp) => setUpTables(setUp, tables),
      batchPayloads: resolveBatchPayloads(options),
      asynchronousCommit: resolveAsynchronousCommit(options, executor.family),
    });
    this.tables = tables;
    defineModels(sequelize, tables);
  }

  /**
   * Creates the tables, or migrates tables of an earlier version (including those of the
   * published 0.0.5) to this one. Idempotent, and safe when many processes call it at once.
   * Optional: every other method runs it first if it has not run yet. Resolves `undefined`, as
   * published; `migrate()` does the same and resolves what was done.
   * @throws SchemaVersionError when a newer version of this package migrated the tables further.
   */
  async initialize(): Promise<void> {
    await this.migrate();
  }

  /**
   * `initialize()`, resolving what it did: the schema versions before and after, and the
   * migrations applied (none when the tables were current). Runs once per store: later calls
   * (and `initialize()`) resolve the outcome of the first run.
   * @throws SchemaVersionError when a newer version of this package migrated the tables further.
   */
  migrate(): Promise<MigrationOutcome> {
    return this.setUpTables() as Promise<MigrationOutcome>;
  }
}
