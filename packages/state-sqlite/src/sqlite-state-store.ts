import {
  quoteTables,
  resolveBatchPayloads,
  SqlStateStore,
  type TableNames,
} from '@batchactions/state-sql';
import { retryWhileBusy } from './busy-retry';
import { configureConnection, openConnection, type Connection } from './connection';
import { SqliteStoreNotReadyError } from './errors';
import { fileKeyOf, inTurn } from './file-turns';
import {
  readSqliteSchemaVersion,
  reclaimSpace,
  type ReclaimSpaceOptions,
  type ReclaimSpaceResult,
} from './maintenance';
import { migrate } from './migrate';
import {
  resolveSqliteOptions,
  type ResolvedSqliteOptions,
  type SqliteStateStoreOptions,
} from './options';
import { SCHEMA_VERSION, SCHEMA_VERSION_TABLE, SELECT_SCHEMA_VERSION } from './sql/schema';
import { SqliteExecutor } from './sqlite-executor';

/** The store's tables (schema version 8 gives them the columns the shared SQL reads). */
const TABLES: TableNames = {
  jobs: 'batchactions_jobs',
  batches: 'batchactions_batches',
  records: 'batchactions_records',
  uniqueValues: 'batchactions_unique_values',
  schemaVersion: SCHEMA_VERSION_TABLE,
};

/**
 * The port's methods, each refused with {@link SqliteStoreNotReadyError} (naming it) before
 * `initialize()` resolved and after `close()`.
 */
const PORT_METHODS = [
  'saveJobState',
  'createJobIfAbsent',
  'getJobState',
  'updateBatchState',
  'saveProcessedRecord',
  'getFailedRecords',
  'getPendingRecords',
  'getProcessedRecords',
  'getProgress',
  'getJobProgress',
  'claimBatch',
  'releaseBatch',
  'reclaimStaleBatches',
  'saveBatchRecords',
  'getBatchRecords',
  'getDistributedStatus',
  'tryFinalizeJob',
  'heartbeatPrepare',
  'openEarly',
  'finishPrepare',
  'takeOverPrepare',
  'stopPrepare',
  'failPrepare',
  'listPreparedBatches',
  'getJobDetails',
  'claimJobCompletion',
  'acknowledgeJobCompletion',
  'registerBatch',
  'completeBatch',
  'heartbeatBatch',
  'updateJobStatus',
  'listBatchesInFlight',
  'getJobStatus',
  'claimUniqueValues',
  'deleteJob',
  'listJobs',
  'setJobLimits',
  'getJobLimits',
  'leaseRateTokens',
  'returnRateTokens',
  'throttleJob',
] as const satisfies readonly (keyof SqlStateStore)[];

/**
 * A `DistributedStateStore` in one SQLite file, shared by any number of processes on the same
 * host (WAL mode, every write in a `BEGIN IMMEDIATE` transaction): the shared SQL store
 * (`@batchactions/state-sql`) over a better-sqlite3 connection, which prepares each statement
 * once. Implements the optional `registerBatch`, `completeBatch` and `heartbeatBatch`, prepare
 * liveness, early open and resumable prepare.
 *
 * Call `await store.initialize()` before use and `await store.close()` at the end. Statements
 * run synchronously on better-sqlite3, one call of the store at a time; a statement waiting for
 * another process's write lock blocks this thread for up to `busyTimeoutMs`.
 */
export class SqliteStateStore extends SqlStateStore {
  private readonly options: ResolvedSqliteOptions;
  private readonly sqlite: SqliteExecutor;
  private connection: Connection | undefined;
  private initializing: Promise<void> | undefined;
  private closed = false;

  static {
    for (const name of PORT_METHODS) {
      const inherited = Reflect.get(SqlStateStore.prototype, name) as (
        this: SqlStateStore,
        ...args: unknown[]
      ) => Promise<unknown>;
      Object.defineProperty(SqliteStateStore.prototype, name, {
        configurable: true,
        writable: true,
        value: function guarded(this: SqliteStateStore, ...args: unknown[]): Promise<unknown> {
          if (this.connection === undefined) {
            return Promise.reject(new SqliteStoreNotReadyError(name, this.closed));
          }
          return inherited.apply(this, args);
        },
      });
    }
  }

  /** @throws InvalidOptionError when an option is missing or has a bad value. */
  constructor(options: SqliteStateStoreOptions) {
    const resolved = resolveSqliteOptions(options);
    const executor = new SqliteExecutor();
    super({
      executor,
      tables: quoteTables(TABLES),
      // `initialize()` migrates the tables; the methods are refused until it did.
      setUpSchema: () => Promise.resolve(),
      batchPayloads: resolveBatchPayloads(options),
    });
    this.options = resolved;
    this.sqlite = executor;
  }

  /**
   * Opens the database, sets WAL mode, `synchronous = NORMAL` and `busy_timeout`, and creates
   * or upgrades the schema. Idempotent, and safe when several processes initialise the same
   * file at once.
   * @throws SqliteSchemaVersionError when the file was written by a newer version of this package.
   */
  initialize(): Promise<void> {
    if (this.closed) return Promise.reject(new SqliteStoreNotReadyError('initialize', true));
    if (this.connection) return Promise.resolve();
    // Concurrent calls on one store share one run.
    this.initializing ??= this.open().finally(() => {
      this.initializing = undefined;
    });
    return this.initializing;
  }

  private async open(): Promise<void> {
    const connection = openConnection(this.options);
    try {
      // In the file's turn: a migration waiting for the write lock that a store of this
      // process holds across an await would block the thread that has to release it.
      await inTurn(fileKeyOf(connection.db), async () => {
        await configureConnection(
          connection,
          this.options.busyTimeoutMs,
          this.options.cacheSizeKiB,
        );
        await retryWhileBusy(
          () => migrate(connection.db, connection.location),
          this.options.busyTimeoutMs,
        );
      });
      if (this.closed) throw new SqliteStoreNotReadyError('initialize', true);
      this.sqlite.attach(connection.db);
      this.connection = connection;
    } catch (error) {
      if (connection.owned) connection.db.close();
      throw error;
    }
  }

  /**
   * Closes the database if this store opened it (a handle passed as `database` stays open),
   * once the calls in flight are done.
   */
  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    if (connection === undefined) return;
    // After the calls made before this one (each first awaits the schema, then takes its turn).
    await this.setUpTables();
    await this.exclusive(() => {
      this.sqlite.detach();
      if (connection.owned && connection.db.open) connection.db.close();
      return Promise.resolve();
    });
  }

  /**
   * Gives the pages freed by `deleteJob` back to the file system, and empties the WAL file.
   * Incremental by default (files created by this version: see {@link ReclaimSpaceOptions});
   * `{ full: true }` rewrites the file (`VACUUM`), which also turns incremental auto-vacuum on
   * for older files. Needs `initialize()`; runs between the store's other calls (outside their
   * transactions).
   */
  reclaimSpace(options: ReclaimSpaceOptions = {}): Promise<ReclaimSpaceResult> {
    if (this.connection === undefined) {
      return Promise.reject(new SqliteStoreNotReadyError('reclaimSpace', this.closed));
    }
    return this.exclusive(() =>
      this.sqlite.exclusive((db) => reclaimSpace(db, options.full === true)),
    );
  }

  /**
   * The schema version the database holds (the highest migration applied; `0` without this
   * package's tables) and the one this package writes. Before `initialize()` it reads the file
   * read-only, so it never creates nor migrates anything (for health checks).
   */
  async readSchemaVersion(): Promise<{ readonly current: number; readonly expected: number }> {
    let current: number;
    if (this.connection) {
      const rows = await this.exclusive(() =>
        this.sqlite.query<{ version: number | null }>(SELECT_SCHEMA_VERSION, []),
      );
      current = rows[0]?.version ?? 0;
    } else if (this.options.filename !== undefined) {
      current = readSqliteSchemaVersion(this.options.filename);
    } else {
      throw new SqliteStoreNotReadyError('readSchemaVersion', this.closed);
    }
    return { current, expected: SCHEMA_VERSION };
  }
}
