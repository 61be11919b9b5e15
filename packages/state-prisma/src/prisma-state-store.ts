import { InvalidOptionError } from '@batchactions/core';
import {
  resolveAsynchronousCommit,
  resolveBatchPayloads,
  migratePublishedTables,
  quoteTables,
  SqlStateStore,
  type MigrationOutcome,
  type SqlExecutor,
  type SqlFamily,
} from '@batchactions/state-sql';
import { UnsupportedProviderError } from './errors';
import { resolveOptions, type PrismaStateStoreOptions, type TableNames } from './options';
import type { PrismaBatchactionsClient } from './prisma-client';
import { prismaExecutor } from './prisma-executor';

function checkClient(prisma: unknown): asserts prisma is PrismaBatchactionsClient {
  const candidate = prisma as Partial<PrismaBatchactionsClient> | null | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.$queryRawUnsafe !== 'function' ||
    typeof candidate.$executeRawUnsafe !== 'function' ||
    typeof candidate.$transaction !== 'function'
  ) {
    throw new InvalidOptionError(
      'prisma',
      prisma,
      'a Prisma client (new PrismaClient({ adapter }))',
    );
  }
}

/**
 * The SQL family of the client's database: `options.provider`, else the provider the client
 * was generated for (Prisma 6 and 7 clients keep it as `_activeProvider`).
 */
function familyOf(prisma: PrismaBatchactionsClient, provider: string | undefined): SqlFamily {
  const active = (prisma as unknown as { _activeProvider?: unknown })._activeProvider;
  const name = provider ?? (typeof active === 'string' ? active : undefined);
  if (name === 'postgresql' || name === 'postgres') return 'postgres';
  if (name === 'mysql') return 'mysql';
  if (name === 'sqlite') return 'sqlite';
  throw new UnsupportedProviderError(name);
}

/** The statement that takes SQLite's write lock first in each transaction (see the executor). */
function sqliteWriteLock(names: TableNames): string {
  return `UPDATE "${names.schemaVersion}" SET "version" = "version" WHERE 0`;
}

/**
 * The tables' set-up. SQLite first switches the file to WAL (readers and the writer no longer
 * block each other), waits up to 10 s for a lock, and creates the schema-version table (with
 * the definition the migration gives it) so that the write-lock statement of every transaction,
 * the migration's included, has its table.
 */
async function setUpTables(executor: SqlExecutor, names: TableNames): Promise<MigrationOutcome> {
  if (executor.family === 'sqlite') {
    await executor.query('PRAGMA journal_mode = WAL', []);
    await executor.query('PRAGMA busy_timeout = 10000', []);
    await executor.execute(
      `CREATE TABLE IF NOT EXISTS "${names.schemaVersion}" (
         "version" INTEGER NOT NULL PRIMARY KEY,
         "name" VARCHAR(100) NOT NULL,
         "appliedAt" BIGINT NOT NULL)`,
      [],
    );
  }
  return migratePublishedTables(executor, names);
}

/**
 * A `StateStore` and `DistributedStateStore` on the database of your Prisma client (Prisma 6
 * or 7, through a driver adapter): PostgreSQL, MariaDB (>= 10.6) / MySQL (>= 8) or SQLite. The
 * shared SQL store (`@batchactions/state-sql`) over `$queryRawUnsafe`, `$executeRawUnsafe` and
 * interactive `$transaction`.
 *
 * The store creates and migrates its tables itself, with its own SQL (no `prisma migrate`, no
 * schema engine): `batchactions_jobs`, `batchactions_batches`, `batchactions_records` (the
 * published models' tables; those made from the published models are upgraded in place), plus
 * `batchactions_unique_values` and `batchactions_schema_version`. The first call of any method
 * does it, once per store; `initialize()` does it up front.
 *
 * ```ts
 * const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
 * const store = new PrismaStateStore(prisma);
 * // new DistributedImport({ stateStore: store, ... })
 * ```
 */
export class PrismaStateStore extends SqlStateStore {
  /** The store's table names. */
  readonly tables: TableNames;

  /**
   * Keeps the client; performs no I/O.
   * @throws InvalidOptionError when `prisma` is not a Prisma client or an option is bad.
   * @throws UnsupportedProviderError for providers other than postgresql, mysql and sqlite.
   */
  constructor(prisma: PrismaBatchactionsClient, options?: PrismaStateStoreOptions) {
    checkClient(prisma);
    const resolved = resolveOptions(options);
    const family = familyOf(prisma, resolved.provider);
    const { tables } = resolved;
    super({
      executor: prismaExecutor(prisma, {
        family,
        transactionTimeoutMs: resolved.transactionTimeoutMs,
        transactionMaxWaitMs: resolved.transactionMaxWaitMs,
        ...(family === 'sqlite' ? { sqliteWriteLock: sqliteWriteLock(tables) } : {}),
      }),
      tables: quoteTables(tables),
      setUpSchema: (executor) => setUpTables(executor, tables),
      batchPayloads: resolveBatchPayloads(options),
      asynchronousCommit: resolveAsynchronousCommit(options, family),
    });
    this.tables = tables;
  }

  /**
   * Creates the tables, or migrates tables of an earlier version (those made from the
   * published 0.0.3 models included) to this one. Idempotent, and safe when many processes
   * call it at once. Optional: every other method runs it first if it has not run yet.
   * @throws SchemaVersionError when a newer version of this package migrated the tables further.
   */
  async initialize(): Promise<void> {
    await this.migrate();
  }

  /**
   * `initialize()`, resolving what it did: the schema versions before and after and the
   * migrations applied. Runs once per store: later calls resolve the first run's outcome.
   * @throws SchemaVersionError when a newer version of this package migrated the tables further.
   */
  migrate(): Promise<MigrationOutcome> {
    return this.setUpTables() as Promise<MigrationOutcome>;
  }
}
