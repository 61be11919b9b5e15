import type { JobProgress } from '@batchactions/core';
import { resolveBatchPayloads, SqlStateStore } from '@batchactions/state-sql';
import pg from 'pg';
import { ConnectingClient } from './connecting-client';
import { migrateSchema, type MigrationOutcome } from './migrate';
import { LATEST_SCHEMA_VERSION } from './migrations';
import {
  resolvePostgresOptions,
  type PostgresStateStoreOptions,
  type ResolvedPostgresOptions,
} from './options';
import { pgExecutor, translateErrors } from './pg-executor';
import type { PgPoolLike } from './pg-types';
import { SchemaNotInitializedError } from './errors';
import { schemaTables, type SchemaTables } from './tables';

/** The pool the store opens from `connectionString` (its own; `close()` ends it). */
function openPool(options: Extract<ResolvedPostgresOptions, { kind: 'connection' }>): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    Client: ConnectingClient,
  });
  pool.on('error', options.onPoolError);
  return pool;
}

/**
 * A `DistributedStateStore` in PostgreSQL, for workers on many machines: the shared SQL store
 * (`@batchactions/state-sql`) over a `pg` pool.
 *
 * Jobs, batches and records live in tables of one schema (`batchactions` by default), created
 * and migrated by `initialize()` (no other method creates anything). Claims use `FOR UPDATE
 * SKIP LOCKED`, records travel as array parameters (`unnest`), a finished batch is written in
 * one fenced statement, and the database clock times claims and staleness.
 *
 * ```ts
 * const store = new PostgresStateStore({ connectionString: process.env.DATABASE_URL! });
 * await store.initialize(); // creates or migrates the schema; safe to call from every process
 * // ... new DistributedImport({ stateStore: store, ... })
 * await store.close();
 * ```
 */
export class PostgresStateStore extends SqlStateStore {
  /** The schema holding the store's tables. */
  readonly schema: string;
  private readonly pool: PgPoolLike;
  private readonly ownedPool: pg.Pool | undefined;
  private readonly tables: SchemaTables;
  private closed = false;

  /** @throws InvalidOptionError naming a bad option. Opens no connection. */
  constructor(options: PostgresStateStoreOptions) {
    const resolved = resolvePostgresOptions(options);
    const ownedPool = resolved.kind === 'connection' ? openPool(resolved) : undefined;
    const pool = ownedPool ?? (resolved as { pool: PgPoolLike }).pool;
    const tables = schemaTables(resolved.schema);
    super({
      executor: pgExecutor(pool, resolved.schema, resolved.preparedStatements),
      tables: tables.store,
      // The schema is created and migrated by initialize() only; a store used before gets
      // SchemaNotInitializedError from its first statement.
      setUpSchema: () => Promise.resolve(),
      // Its own tables: config and `distributed` as given, NULL for absent record JSON.
      layout: 'own',
      batchPayloads: resolveBatchPayloads(options),
      asynchronousCommit: resolved.asynchronousCommit,
    });
    this.schema = resolved.schema;
    this.pool = pool;
    this.ownedPool = ownedPool;
    this.tables = tables;
  }

  /**
   * Creates the schema and its tables, or migrates them to this version. Idempotent and safe
   * when many processes call it at once.
   * @throws SchemaVersionError when a newer version of this package already migrated the
   * schema further.
   */
  async initialize(): Promise<MigrationOutcome> {
    // A schema already at this version (every start after the first) is told by one read,
    // without the migration's advisory lock: a fleet starting at once does not queue on it.
    const { current } = await this.readSchemaVersion();
    if (current === LATEST_SCHEMA_VERSION) {
      return { fromVersion: current, toVersion: current, applied: [] };
    }
    return migrateSchema(this.pool, this.tables);
  }

  /**
   * The schema version the database holds (the highest migration applied; `0` when the schema
   * or its migrations table does not exist) and the one this package writes. Needs no
   * `initialize()` and never creates nor migrates anything (for health checks).
   */
  async readSchemaVersion(): Promise<{ readonly current: number; readonly expected: number }> {
    let current = 0;
    try {
      const { rows } = await translateErrors(this.schema, () =>
        this.pool.query(`SELECT max(version) AS version FROM ${this.tables.migrations}`, []),
      );
      current = (rows[0] as { version: number | null } | undefined)?.version ?? 0;
    } catch (error) {
      if (!(error instanceof SchemaNotInitializedError)) throw error;
    }
    return { current, expected: LATEST_SCHEMA_VERSION };
  }

  /** Ends the pool the store opened from `connectionString`; a pool you passed stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ownedPool?.end();
  }

  /**
   * Progress from the batches' counters, the same as `getJobProgress` (this store has no
   * published record-count formula to keep): a finished job's `elapsedMs` stops at its end.
   */
  override getProgress(jobId: string): Promise<JobProgress> {
    return this.getJobProgress(jobId);
  }
}
