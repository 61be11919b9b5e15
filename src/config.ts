import {
  BatchActionsError,
  InvalidOptionError,
  isDistributedStateStore,
  missingDistributedMethods,
  type DistributedStateStore,
  type HandlerErrorReporter,
  type JobHooks,
  type StateStore,
} from '@batchactions/core';
import type { DuplicateChecker, SchemaDefinition } from '@batchactions/import';
import { checkFailureThreshold, type FailureThreshold } from './control/failure-threshold';

/** Options of `DistributedImport`. */
export interface DistributedImportConfig {
  /** Field definitions and validation rules applied by workers to every record. Required. */
  readonly schema: SchemaDefinition;
  /** Records per batch, the unit a worker claims. Default `100`. */
  readonly batchSize?: number;
  /**
   * Keep going when a record is invalid or its processing fails. When `false`, the first such
   * record stops its batch, which is marked FAILED (and so is the job). Default `true`.
   */
  readonly continueOnError?: boolean;
  /**
   * Where jobs, batches and records live. Must implement `DistributedStateStore`
   * (`SqliteStateStore`, `PostgresStateStore`, `InMemoryDistributedStateStore`...). Required.
   */
  readonly stateStore: StateStore;
  /** Retries of a failing processor call per record, with exponential backoff. Default `0`. */
  readonly maxRetries?: number;
  /** Delay before the first retry; doubles on each further retry. Default `1000` ms. */
  readonly retryDelayMs?: number;
  /** Lifecycle hooks run around validation and processing of each record. Default: none. */
  readonly hooks?: JobHooks;
  /** External duplicate detection, run on valid records. Default: none. */
  readonly duplicateChecker?: DuplicateChecker;
  /**
   * A PROCESSING batch claimed longer ago than this (and not heartbeated since) is considered
   * abandoned and is reclaimed by the next worker. Default `900000` ms (15 minutes).
   */
  readonly staleBatchTimeoutMs?: number;
  /**
   * A batch abandoned this many times (worker crashes, timeouts) is quarantined as FAILED
   * instead of being handed out again. Needs a store with fenced writes. Default `5`.
   */
  readonly maxBatchAttempts?: number;
  /**
   * How often a worker renews its claim on the batch it is processing, on stores with fenced
   * writes. Default: a third of `staleBatchTimeoutMs`, at most `60000` ms.
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * Records of one batch processed at the same time. Default `1` (in order, one at a time).
   */
  readonly recordConcurrency?: number;
  /**
   * Fails the whole job early (status FAILED, `job:completed` with a `reason`) once this many
   * records, or this share of all records, are invalid or failed. Needs a store with
   * `updateJobStatus`. Default: none (the job runs to the end).
   */
  readonly failureThreshold?: FailureThreshold;
  /**
   * How often a worker checks whether the job of the batch it runs was cancelled, so that its
   * processor's signal aborts. Needs a store with `getJobStatus`. Default `2000` ms.
   */
  readonly cancelCheckIntervalMs?: number;
  /**
   * Receives failures of a worker's background work, which is retried on its next tick: a
   * heartbeat or a cancellation check that failed (a dropped connection, say). The batch's
   * fenced write still decides whether its results count. Default: `console.warn`.
   */
  readonly onBackgroundError?: (error: unknown) => void;
  /** Receives errors thrown by event handlers. Default: `console.error`. */
  readonly onHandlerError?: HandlerErrorReporter;
}

/** The processing settings a worker applies to each batch (the config with defaults filled in). */
export interface DistributedBatchConfig {
  readonly batchSize: number;
  readonly continueOnError: boolean;
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly staleBatchTimeoutMs: number;
  readonly maxBatchAttempts: number;
  readonly heartbeatIntervalMs: number;
  readonly recordConcurrency: number;
  readonly cancelCheckIntervalMs: number;
  readonly failureThreshold: FailureThreshold | undefined;
}

/** The store is not a `DistributedStateStore` (for example `InMemoryStateStore`). */
export class DistributedStoreRequiredError extends BatchActionsError {
  readonly missingMethods: readonly string[];
  constructor(store: unknown, missing: readonly string[]) {
    const name =
      typeof store === 'object' && store !== null ? store.constructor.name : typeof store;
    super(
      'DISTRIBUTED_STORE_REQUIRED',
      `DistributedImport requires a DistributedStateStore, but the stateStore given (${name}) lacks ${missing.join(', ')}. ` +
        'Use SqliteStateStore (@batchactions/state-sqlite), PostgresStateStore (@batchactions/state-postgres) ' +
        'or InMemoryDistributedStateStore (@batchactions/core).',
    );
    this.missingMethods = missing;
  }
}

function integerAtLeast(option: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(option, value, `an integer >= ${min}`);
  }
  return value;
}

/** Checks every option (naming the one that is wrong) and fills in the defaults. */
export function resolveConfig(config: DistributedImportConfig): {
  batch: DistributedBatchConfig;
  store: DistributedStateStore;
} {
  if (typeof config !== 'object') {
    throw new InvalidOptionError('config', config, 'an options object');
  }
  const schema = config.schema as unknown;
  if (
    typeof schema !== 'object' ||
    schema === null ||
    !Array.isArray((schema as SchemaDefinition).fields)
  ) {
    throw new InvalidOptionError('schema', schema, 'a schema definition with a "fields" array');
  }
  const store = config.stateStore as unknown;
  if (!isDistributedStateStore(store)) {
    if (typeof store !== 'object' || store === null) {
      throw new InvalidOptionError('stateStore', store, 'a DistributedStateStore');
    }
    throw new DistributedStoreRequiredError(store, missingDistributedMethods(store));
  }
  if (config.continueOnError !== undefined && typeof config.continueOnError !== 'boolean') {
    throw new InvalidOptionError('continueOnError', config.continueOnError, 'a boolean');
  }
  const staleBatchTimeoutMs = integerAtLeast(
    'staleBatchTimeoutMs',
    config.staleBatchTimeoutMs,
    0,
    900_000,
  );
  const defaultHeartbeat = Math.max(1, Math.min(60_000, Math.floor(staleBatchTimeoutMs / 3)));
  return {
    store,
    batch: {
      batchSize: integerAtLeast('batchSize', config.batchSize, 1, 100),
      continueOnError: config.continueOnError ?? true,
      maxRetries: integerAtLeast('maxRetries', config.maxRetries, 0, 0),
      retryDelayMs: integerAtLeast('retryDelayMs', config.retryDelayMs, 0, 1000),
      staleBatchTimeoutMs,
      maxBatchAttempts: integerAtLeast('maxBatchAttempts', config.maxBatchAttempts, 1, 5),
      heartbeatIntervalMs: integerAtLeast(
        'heartbeatIntervalMs',
        config.heartbeatIntervalMs,
        1,
        defaultHeartbeat,
      ),
      recordConcurrency: integerAtLeast('recordConcurrency', config.recordConcurrency, 1, 1),
      cancelCheckIntervalMs: integerAtLeast(
        'cancelCheckIntervalMs',
        config.cancelCheckIntervalMs,
        1,
        2000,
      ),
      failureThreshold: checkFailureThreshold(config.failureThreshold),
    },
  };
}
