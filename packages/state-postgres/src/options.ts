import { InvalidOptionError } from '@batchactions/core';
import {
  resolveAsynchronousCommit,
  type AsynchronousCommitOption,
  type BatchPayloadsOption,
} from '@batchactions/state-sql';
import type { PgPoolLike } from './pg-types';

/** Default of {@link PostgresStateStoreCommonOptions.schema}. */
export const DEFAULT_SCHEMA = 'batchactions';
/** Default of {@link PostgresStateStoreConnectionOptions.connectTimeoutMs}: no limit. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 0;
/** Default of {@link PostgresStateStoreConnectionOptions.poolSize}. */
export const DEFAULT_POOL_SIZE = 10;

/** Options shared by both ways to build a {@link PostgresStateStore}. */
export interface PostgresStateStoreCommonOptions
  extends BatchPayloadsOption, AsynchronousCommitOption {
  /**
   * PostgreSQL schema that holds the store's tables; created by `initialize()`. A lowercase SQL
   * identifier: letters, digits and `_`, starting with a letter or `_`, at most 63 characters.
   * Use one schema per environment (or per test) to keep their jobs apart.
   * @default 'batchactions'
   */
  readonly schema?: string;
  /**
   * Sends the store's statements as named prepared statements: each connection parses a
   * statement once and PostgreSQL may reuse its plan. The store's statements are long (a claim,
   * a fenced completion, a batch's registration), so this saves the server work per batch:
   * measured with `batchPayloads` (`node bench/db-time.mjs --pg-prepared both`), prepare stored
   * 13–40% more records/s and 4 worker processes sharing the server's cores processed 4–18%
   * more. Turn it on for direct connections, or behind a pooler that keeps prepared statements
   * in transaction mode (PgBouncer 1.21 or later with `max_prepared_statements` > 0). Off by
   * default because PgBouncer before 1.21 in transaction mode, which this store has always
   * supported, fails such statements ("prepared statement ... does not exist"); AWS RDS Proxy
   * accepts them but pins each client to one connection.
   * With `pool`, the pool's `query` must also take `pg`'s query object `{ name, text, values }`
   * (`pg.Pool` and its clients do).
   * @default false
   */
  readonly preparedStatements?: boolean;
}

/** The store opens (and owns) a pool to `connectionString`; `close()` ends it. */
export interface PostgresStateStoreConnectionOptions extends PostgresStateStoreCommonOptions {
  /** A libpq connection URI, e.g. `postgres://user:secret@db.internal:5432/app`. */
  readonly connectionString: string;
  /**
   * Maximum connections of the pool the store opens. Each in-flight store call holds one
   * connection for one statement (a few for `saveJobState`), so a worker process rarely needs
   * more than its batch concurrency plus two.
   * @default 10
   */
  readonly poolSize?: number;
  /**
   * How long opening a connection may take, in milliseconds (the driver's
   * `connectionTimeoutMillis`), 0 for no limit. It also bounds a wait for a free pooled connection
   * when all `poolSize` are busy, so keep it well above the longest store call. A connection that
   * fails to open (timeout, refused authentication) is closed at once.
   * @default 0
   */
  readonly connectTimeoutMs?: number;
  /**
   * Called when an idle pooled connection fails (the server restarted, a proxy closed it). The
   * pool drops that connection and opens a new one on the next query.
   * @default reports the error with `console.error`
   */
  readonly onPoolError?: (error: Error) => void;
  readonly pool?: undefined;
}

/** The store uses a pool the caller owns; `close()` leaves it open. */
export interface PostgresStateStorePoolOptions extends PostgresStateStoreCommonOptions {
  /** A `pg.Pool` (or anything with its `query` and `connect`). */
  readonly pool: PgPoolLike;
  readonly connectionString?: undefined;
  readonly poolSize?: undefined;
  readonly connectTimeoutMs?: undefined;
  readonly onPoolError?: undefined;
}

/** Options of {@link PostgresStateStore}: either `connectionString` or `pool`, not both. */
export type PostgresStateStoreOptions =
  PostgresStateStoreConnectionOptions | PostgresStateStorePoolOptions;

/** Options after checking, with defaults applied. */
export type ResolvedPostgresOptions =
  | {
      readonly kind: 'connection';
      readonly schema: string;
      readonly connectionString: string;
      readonly poolSize: number;
      readonly connectTimeoutMs: number;
      readonly onPoolError: (error: Error) => void;
      readonly preparedStatements: boolean;
      readonly asynchronousCommit: boolean;
    }
  | {
      readonly kind: 'pool';
      readonly schema: string;
      readonly pool: PgPoolLike;
      readonly preparedStatements: boolean;
      readonly asynchronousCommit: boolean;
    };

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function reportPoolError(error: Error): void {
  console.error('@batchactions/state-postgres: an idle pooled connection failed:', error);
}

function isPool(value: unknown): value is PgPoolLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.query === 'function' && typeof candidate.connect === 'function';
}

/** Checks the options; a bad one throws `InvalidOptionError` naming it. */
export function resolvePostgresOptions(
  options: PostgresStateStoreOptions,
): ResolvedPostgresOptions {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new InvalidOptionError('options', options, 'an object with "connectionString" or "pool"');
  }
  const raw = options as Partial<Record<keyof PostgresStateStoreConnectionOptions, unknown>> & {
    pool?: unknown;
  };
  // Only undefined means "not given": null is a wrong value like any other.
  const schema = raw.schema === undefined ? DEFAULT_SCHEMA : raw.schema;
  if (typeof schema !== 'string' || !SAFE_IDENTIFIER.test(schema)) {
    throw new InvalidOptionError(
      'schema',
      schema,
      'a lowercase SQL identifier (letters a-z, digits and "_", starting with a letter or "_", at most 63 characters)',
    );
  }
  const preparedStatements = raw.preparedStatements === undefined ? false : raw.preparedStatements;
  if (typeof preparedStatements !== 'boolean') {
    throw new InvalidOptionError('preparedStatements', preparedStatements, 'true or false');
  }
  const asynchronousCommit = resolveAsynchronousCommit(options, 'postgres');
  if (raw.pool !== undefined && raw.connectionString !== undefined) {
    throw new InvalidOptionError('pool', 'both', 'either "pool" or "connectionString", not both');
  }
  if (raw.pool !== undefined) {
    if (!isPool(raw.pool)) {
      throw new InvalidOptionError(
        'pool',
        raw.pool,
        'a pg.Pool (an object with query() and connect())',
      );
    }
    if (raw.poolSize !== undefined) {
      throw new InvalidOptionError(
        'poolSize',
        raw.poolSize,
        'no "poolSize" with "pool" (size your own pool)',
      );
    }
    if (raw.connectTimeoutMs !== undefined) {
      throw new InvalidOptionError(
        'connectTimeoutMs',
        raw.connectTimeoutMs,
        'no "connectTimeoutMs" with "pool" (set connectionTimeoutMillis on your own pool)',
      );
    }
    return { kind: 'pool', schema, pool: raw.pool, preparedStatements, asynchronousCommit };
  }
  const { connectionString } = raw;
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    throw new InvalidOptionError(
      'connectionString',
      connectionString,
      'a PostgreSQL connection URI such as "postgres://user@host:5432/db" (or pass "pool")',
    );
  }
  const poolSize = raw.poolSize === undefined ? DEFAULT_POOL_SIZE : raw.poolSize;
  if (typeof poolSize !== 'number' || !Number.isInteger(poolSize) || poolSize < 1) {
    throw new InvalidOptionError('poolSize', poolSize, 'an integer >= 1');
  }
  const connectTimeoutMs =
    raw.connectTimeoutMs === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : raw.connectTimeoutMs;
  if (
    typeof connectTimeoutMs !== 'number' ||
    !Number.isInteger(connectTimeoutMs) ||
    connectTimeoutMs < 0
  ) {
    throw new InvalidOptionError(
      'connectTimeoutMs',
      connectTimeoutMs,
      'an integer >= 0 (milliseconds; 0 for no limit)',
    );
  }
  const onPoolError = raw.onPoolError === undefined ? reportPoolError : raw.onPoolError;
  if (typeof onPoolError !== 'function') {
    throw new InvalidOptionError('onPoolError', onPoolError, 'a function (error) => void');
  }
  return {
    kind: 'connection',
    schema,
    connectionString,
    poolSize,
    connectTimeoutMs,
    onPoolError: onPoolError as (error: Error) => void,
    preparedStatements,
    asynchronousCommit,
  };
}
