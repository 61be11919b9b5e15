import {
  BatchActionsError,
  InvalidOptionError,
  UnsupportedByStoreError,
  type DistributedStateStore,
  isDistributedStateStore,
  missingDistributedMethods,
  supportsFencedWrites,
  type HandlerErrorReporter,
  type JobHooks,
  type StateStore,
} from '@batchactions/core';
import type { DuplicateChecker, SchemaDefinition } from '@batchactions/import';
import { checkFailureThreshold, type FailureThreshold } from './control/failure-threshold';
import type { OpenTelemetryOptions } from '@batchactions/core';
import { resolveOpenTelemetry, type ResolvedOpenTelemetry } from '@batchactions/core/telemetry';
import {
  booleanOption,
  integerAtLeast,
  optionalFunction,
  optionalIntegerAtLeast,
  optionalObject,
} from './option-checks';

/**
 * Options of `DistributedImport`. The first nine are the published options, with the published
 * defaults; the rest are additions, each off (or neutral) by default so that code written for the
 * published package gets the published results.
 */
export interface DistributedImportConfig {
  /** Field definitions and validation rules applied by workers to every record. Required. */
  readonly schema: SchemaDefinition;
  /** Records per batch, the unit a worker claims. Default `100`. */
  readonly batchSize?: number;
  /**
   * Keep going when a record is invalid or its processing fails. When `false`, the first such
   * record stops its batch (records after it stay `pending`), which is marked FAILED; other
   * batches still run. Default `true` (unlike `BulkImport`).
   */
  readonly continueOnError?: boolean;
  /**
   * Where jobs, batches and records live. Must implement `DistributedStateStore`
   * (`SqliteStateStore`, `PostgresStateStore`, `InMemoryDistributedStateStore`, or a store
   * written for the published port). Required.
   */
  readonly stateStore: StateStore;
  /** Retries of a failing processor call per record, with exponential backoff. Default `0`. */
  readonly maxRetries?: number;
  /** Delay before the first retry; doubles on each further retry. Default `1000` ms. */
  readonly retryDelayMs?: number;
  /** Lifecycle hooks run around validation and processing of each record. Default: none. */
  readonly hooks?: JobHooks;
  /**
   * External duplicate detection: `check(record, context)` per record whose validation found
   * nothing (no errors, no warnings). Default: none.
   */
  readonly duplicateChecker?: DuplicateChecker;
  /**
   * A PROCESSING batch claimed longer ago than this (and not heartbeated since) is considered
   * abandoned and is reclaimed by the next worker. Default `900000` ms (15 minutes).
   */
  readonly staleBatchTimeoutMs?: number;

  /**
   * Addition. Convert valid values to their field's type before the processor sees them:
   * `number` fields become numbers, `boolean` fields booleans (`'yes'`/`'1'`/`'true'`...),
   * `date` fields `Date`s. Default `false`: as published, the processor gets the values as the
   * parser produced them (strings from CSV and XML, JSON values as parsed, arrays split).
   */
  readonly coerceValues?: boolean;
  /**
   * Addition. Enforce `schema.uniqueFields` across the whole job, whichever worker runs each
   * batch: the first record (in source order within a batch, in claim order across batches) to
   * hold a value keeps it, later ones are invalid with a `DUPLICATE_VALUE` error naming the row
   * that holds it. Needs a store with `claimUniqueValues` (every store in this repository).
   * With it on, a batch is validated in full before its first record is processed. Default
   * `false`: as published, `uniqueFields` is ignored in distributed mode.
   */
  readonly jobWideUniqueFields?: boolean;
  /**
   * Addition. A batch abandoned this many times (worker crashes, timeouts) is quarantined as
   * FAILED instead of being handed out again. Needs a store with fenced writes. Default `5`.
   */
  readonly maxBatchAttempts?: number;
  /**
   * Addition. How often a worker renews its claim on the batch it is processing, on stores
   * with fenced writes. Default `5000` ms, or less: at most a third of `leaseTimeoutMs` (when
   * given) and of `staleBatchTimeoutMs`. Given on a store without heartbeats (only the published
   * port), the constructor throws `UnsupportedByStoreError` naming it.
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * Addition. On stores with fenced writes (every store in this repository), a PROCESSING batch
   * whose claim no heartbeat renewed for this long is taken as abandoned (its worker died or
   * hangs without an event loop) and the next worker reclaims it, without waiting for
   * `staleBatchTimeoutMs` (the smaller of the two applies). Must be greater than
   * `heartbeatIntervalMs`. A store with only the published port has no heartbeats and keeps
   * `staleBatchTimeoutMs`: given there, the constructor throws `UnsupportedByStoreError`. Default: three heartbeat intervals (`15000` ms with the defaults).
   */
  readonly leaseTimeoutMs?: number;
  /**
   * Addition. Time limit of one processor call, in ms. When it passes, the signal handed to the
   * processor aborts, the worker stops waiting for the call, and the attempt fails with
   * `RecordTimeoutError` (retried like any failure while `maxRetries` allows; each attempt has
   * the whole limit). A processor should honour its signal: the worker cannot stop code that
   * ignores it. In bulk mode (`{ processBatch }`) one call may take `recordTimeoutMs` times the
   * number of records handed to it. Default: no limit.
   */
  readonly recordTimeoutMs?: number;
  /**
   * Addition. Records of one batch processed at the same time. Default `1` (in order, one at a
   * time, as published).
   */
  readonly recordConcurrency?: number;
  /**
   * Addition. Fails the whole job early (status FAILED, `job:completed` with a `reason`) once
   * this many records, or this share of all records, are invalid or failed. Needs a store with
   * `updateJobStatus` (on one without it the constructor throws `UnsupportedByStoreError`). Default: none (the job runs to the end).
   */
  readonly failureThreshold?: FailureThreshold;
  /**
   * Addition. How often a worker checks whether the job of the batch it runs was cancelled, so
   * that its processor's signal aborts. Needs a store with `getJobStatus`. Default `2000` ms.
   */
  readonly cancelCheckIntervalMs?: number;
  /**
   * Addition. How often `prepare` renews its job's prepare heartbeat, so that `getStatus` (and the
   * CLI's `status` and `list`) can tell a prepare that is running from one whose process died.
   * Stores with prepare liveness only (every store in this repository). Default `5000` ms.
   */
  readonly prepareHeartbeatIntervalMs?: number;
  /**
   * Addition. How long a claim to report a job's completion may stay unacknowledged before
   * another worker takes it over and emits `job:completed` itself: the claimant died, or its
   * store stayed unreachable after the claim committed and its answer was lost. A worker that
   * emitted the event acknowledges it in the store, after which nobody takes it over. Keep it
   * well above the time between a claim and its acknowledgement (a few store round trips), or a
   * live claimant's event may be emitted twice. Stores with `acknowledgeJobCompletion` only
   * (every store in this repository). An integer >= 0; default `60000` ms.
   */
  readonly completionTakeOverAfterMs?: number;
  /**
   * Addition. A job being prepared whose heartbeat is older than this is reported as an
   * abandoned prepare by `getStatus` (its process died: purge it and prepare again). Keep it well
   * above the preparing process's `prepareHeartbeatIntervalMs`. Default `30000` ms.
   */
  readonly prepareTimeoutMs?: number;
  /**
   * Addition. Receives failures of a worker's background work, which is retried on its next
   * tick: a heartbeat or a cancellation check that failed (a dropped connection, say). The
   * batch's fenced write still decides whether its results count. A callback that throws does
   * not stop the worker: its error is emitted as a `BackgroundErrorHandlerWarning`
   * (`process.emitWarning`) and the worker goes on. Default: `console.warn`.
   */
  readonly onBackgroundError?: (error: unknown) => void;
  /**
   * Addition. Receives errors thrown by event handlers (the published bus drops them
   * silently). Default: `console.error`.
   */
  readonly onHandlerError?: HandlerErrorReporter;
  /**
   * Addition (issue 29). OpenTelemetry spans and metrics through `@opentelemetry/api`, an
   * optional peer dependency: spans `prepare {job}`, `process {job}` (one per claimed batch),
   * `finalize {job}` and the control calls; record, batch, lease, reclaim and quarantine
   * counters, durations and the pending records per job. See docs/opentelemetry.md. Default
   * `{ enabled: true, propagateContext: false }`: nothing is recorded until the application
   * installs the API and registers an SDK, and each worker's spans start in its own context.
   */
  readonly openTelemetry?: OpenTelemetryOptions;
}

/**
 * The published processing-settings type, exported as published (no public API accepts it; see
 * docs/compatibility.md).
 */
export interface DistributedBatchConfig {
  readonly schema: SchemaDefinition;
  readonly stateStore: StateStore;
  /** Default `true`. */
  readonly continueOnError?: boolean;
  /** Default `0`. */
  readonly maxRetries?: number;
  /** Default `1000` ms. */
  readonly retryDelayMs?: number;
  readonly hooks?: JobHooks;
  readonly duplicateChecker?: DuplicateChecker;
}

/** The processing settings a worker applies to each batch (the options with defaults filled in). */
export interface DistributedSettings {
  readonly batchSize: number;
  readonly continueOnError: boolean;
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly staleBatchTimeoutMs: number;
  readonly coerceValues: boolean;
  readonly jobWideUniqueFields: boolean;
  readonly maxBatchAttempts: number;
  readonly heartbeatIntervalMs: number;
  readonly leaseTimeoutMs: number;
  readonly recordTimeoutMs: number | undefined;
  readonly recordConcurrency: number;
  readonly cancelCheckIntervalMs: number;
  readonly prepareHeartbeatIntervalMs: number;
  readonly prepareTimeoutMs: number;
  readonly failureThreshold: FailureThreshold | undefined;
  readonly completionTakeOverAfterMs: number;
}

/** The published constructor message, kept verbatim at the start of ours. */
const PUBLISHED_STORE_MESSAGE =
  'DistributedImport requires a DistributedStateStore implementation (e.g. SequelizeStateStore). ' +
  'The InMemoryStateStore does not support distributed batch claiming.';

/**
 * The store is not a `DistributedStateStore` (for example `InMemoryStateStore`), or lacks a
 * method of the port that `DistributedImport` calls. The message starts with the published one
 * and names the missing methods.
 */
export class DistributedStoreRequiredError extends BatchActionsError {
  readonly missingMethods: readonly string[];
  constructor(store: unknown, missing: readonly string[]) {
    const name =
      typeof store === 'object' && store !== null ? store.constructor.name : typeof store;
    super(
      'DISTRIBUTED_STORE_REQUIRED',
      `${PUBLISHED_STORE_MESSAGE} The stateStore given (${name}) lacks ${missing.join(', ')}. ` +
        'Use SqliteStateStore (@batchactions/state-sqlite), PostgresStateStore (@batchactions/state-postgres) ' +
        'or InMemoryDistributedStateStore (@batchactions/core).',
    );
    this.missingMethods = missing;
  }
}

/** The heartbeat default: often enough for a lease well under a minute. */
const DEFAULT_HEARTBEAT_MS = 5000;

/**
 * `heartbeatIntervalMs` and `leaseTimeoutMs` with their defaults: each defaults from the other
 * (a lease is three heartbeats), and a lease must outlast a heartbeat interval.
 */
function resolveLease(
  config: DistributedImportConfig,
  staleBatchTimeoutMs: number,
): { heartbeatIntervalMs: number; leaseTimeoutMs: number } {
  const givenLease = optionalIntegerAtLeast('leaseTimeoutMs', config.leaseTimeoutMs, 2);
  const defaultHeartbeat = Math.max(
    1,
    Math.min(
      DEFAULT_HEARTBEAT_MS,
      Math.floor(staleBatchTimeoutMs / 3),
      givenLease === undefined ? Number.POSITIVE_INFINITY : Math.floor(givenLease / 3),
    ),
  );
  const heartbeatIntervalMs = integerAtLeast(
    'heartbeatIntervalMs',
    config.heartbeatIntervalMs,
    1,
    defaultHeartbeat,
  );
  const leaseTimeoutMs = givenLease ?? 3 * heartbeatIntervalMs;
  if (leaseTimeoutMs <= heartbeatIntervalMs) {
    throw new InvalidOptionError(
      'leaseTimeoutMs',
      leaseTimeoutMs,
      `an integer greater than heartbeatIntervalMs (${heartbeatIntervalMs}), or a live worker's batch would be reclaimed between two heartbeats`,
    );
  }
  return { heartbeatIntervalMs, leaseTimeoutMs };
}

/** Checks every option (naming the one that is wrong) and fills in the defaults. */
export function resolveConfig(config: DistributedImportConfig): {
  batch: DistributedSettings;
  store: DistributedStateStore;
  telemetry: ResolvedOpenTelemetry;
} {
  if (typeof config !== 'object' || (config as unknown) === null) {
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
  if (typeof store !== 'object' || store === null) {
    throw new InvalidOptionError('stateStore', store, 'a DistributedStateStore');
  }
  // The published guard first (same verdict as published), then every method the facade calls.
  const missing = missingDistributedMethods(store);
  if (!isDistributedStateStore(store) || missing.length > 0) {
    throw new DistributedStoreRequiredError(store, missing);
  }
  const continueOnError = booleanOption('continueOnError', config.continueOnError, true);
  const coerceValues = booleanOption('coerceValues', config.coerceValues, false);
  const jobWideUniqueFields = booleanOption(
    'jobWideUniqueFields',
    config.jobWideUniqueFields,
    false,
  );
  if (jobWideUniqueFields && typeof store.claimUniqueValues !== 'function') {
    throw new UnsupportedByStoreError('jobWideUniqueFields', 'claimUniqueValues');
  }
  const staleBatchTimeoutMs = integerAtLeast(
    'staleBatchTimeoutMs',
    config.staleBatchTimeoutMs,
    0,
    900_000,
  );
  const lease = resolveLease(config, staleBatchTimeoutMs);
  // Options whose effect needs an optional store method: refused on a store without it, rather
  // than silently doing nothing.
  if (!supportsFencedWrites(store)) {
    for (const option of ['heartbeatIntervalMs', 'leaseTimeoutMs'] as const) {
      if (config[option] !== undefined) {
        throw new UnsupportedByStoreError(option, 'heartbeatBatch');
      }
    }
  }
  const failureThreshold = checkFailureThreshold(config.failureThreshold);
  if (failureThreshold !== undefined && typeof store.updateJobStatus !== 'function') {
    throw new UnsupportedByStoreError('failureThreshold', 'updateJobStatus');
  }
  optionalObject('hooks', config.hooks);
  optionalObject('duplicateChecker', config.duplicateChecker);
  optionalFunction('onBackgroundError', config.onBackgroundError);
  optionalFunction('onHandlerError', config.onHandlerError);
  const telemetry = resolveOpenTelemetry(config.openTelemetry);
  return {
    store,
    telemetry,
    batch: {
      batchSize: batchSizeOption(config.batchSize),
      continueOnError,
      coerceValues,
      jobWideUniqueFields,
      maxRetries: integerAtLeast('maxRetries', config.maxRetries, 0, 0),
      retryDelayMs: integerAtLeast('retryDelayMs', config.retryDelayMs, 0, 1000),
      staleBatchTimeoutMs,
      maxBatchAttempts: integerAtLeast('maxBatchAttempts', config.maxBatchAttempts, 1, 5),
      ...lease,
      recordTimeoutMs: optionalIntegerAtLeast('recordTimeoutMs', config.recordTimeoutMs, 1),
      recordConcurrency: integerAtLeast('recordConcurrency', config.recordConcurrency, 1, 1),
      cancelCheckIntervalMs: integerAtLeast(
        'cancelCheckIntervalMs',
        config.cancelCheckIntervalMs,
        1,
        2000,
      ),
      prepareHeartbeatIntervalMs: integerAtLeast(
        'prepareHeartbeatIntervalMs',
        config.prepareHeartbeatIntervalMs,
        1,
        5000,
      ),
      prepareTimeoutMs: integerAtLeast('prepareTimeoutMs', config.prepareTimeoutMs, 1, 30_000),
      failureThreshold,
      completionTakeOverAfterMs: integerAtLeast(
        'completionTakeOverAfterMs',
        config.completionTakeOverAfterMs,
        0,
        60_000,
      ),
    },
  };
}

/**
 * `batchSize`: an integer >= 1, default 100. The error ends with the published message
 * (`Batch size must be at least 1`), which the published `prepare` rejected with.
 */
function batchSizeOption(value: unknown): number {
  if (value === undefined) return 100;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError('batchSize', value, 'an integer >= 1', {
      publishedMessage: 'Batch size must be at least 1',
    });
  }
  return value;
}
