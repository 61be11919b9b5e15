import { InvalidOptionError } from '../errors/invalid-option-error';
import type { Batch } from '../model/batch';
import type { JobProgress, JobStatus } from '../model/job';
import type { RawRecord } from '../model/record';
import type { ValidationResult } from '../model/validation';
import type { JobHooks } from '../ports/processing';
import type { StateStore } from '../ports/state-store';
import {
  resolveOpenTelemetry,
  type OpenTelemetryOptions,
  type ResolvedOpenTelemetry,
} from '../telemetry/otel-options';

/** Synchronous validation of one record for `BatchEngine` (`errors` decide; `parsed` is handed on). */
export type ValidateFn = (record: RawRecord) => ValidationResult;

/** Options of `BatchEngine`. `null` counts as "not given" (defaults apply). */
export interface BatchEngineConfig {
  /** Records per batch (a number ≥ 1; a fractional size rounds up). Default: 100. */
  readonly batchSize?: number;
  /** Batches processed at the same time; values ≤ 1 mean one at a time. Default: 1. */
  readonly maxConcurrentBatches?: number;
  /**
   * Keep going after a record fails. When false the first invalid or failed record fails the
   * run (`job:failed`). Default: false.
   */
  readonly continueOnError?: boolean;
  /** Where the job, batches and records are kept. Default: a new `InMemoryStateStore` per engine. */
  readonly stateStore?: StateStore;
  /** Retries of a failing processor call (an integer ≥ 0); hooks and validation are never retried. Default: 0. */
  readonly maxRetries?: number;
  /** Backoff base in ms: the wait after attempt n failed is `retryDelayMs × 2^(n − 1)`. Default: 1000. */
  readonly retryDelayMs?: number;
  /** Per-record lifecycle hooks. Default: none. */
  readonly hooks?: JobHooks;
  /** Validation of each record; without it records go straight to the processor. Default: none. */
  readonly validate?: ValidateFn;
  /** Skip rows whose values are all `undefined`, `null` or `''` (no event, not counted). Default: false. */
  readonly skipEmptyRows?: boolean;
  /**
   * Addition (issue 29). OpenTelemetry spans (one per run, `run {job}`, and one per batch,
   * `process {job}`; none per record) and metrics (records processed / failed / retried, batch
   * and processor durations) through `@opentelemetry/api`, an optional peer dependency: without
   * it nothing is loaded or recorded, without an SDK registered every span and instrument is a
   * no-op. A processor's own spans nest under its batch's span. `propagateContext` and
   * `propagator` do not apply (one process). See docs/opentelemetry.md. Default
   * `{ enabled: true }` (`null` too): on, recording once the application registers an SDK.
   */
  readonly openTelemetry?: OpenTelemetryOptions;
}

/** Limits of one `processChunk()` call, checked after each batch. Default: none (process everything). */
export interface ChunkOptions {
  /** Stop once this many records were processed or failed during the call. */
  readonly maxRecords?: number;
  /** Stop once this many ms passed since the call started. */
  readonly maxDurationMs?: number;
}

/** What `processChunk()` resolves. */
export interface ChunkResult {
  /** The job is COMPLETED after this call. */
  readonly done: boolean;
  /** Records processed during this call. */
  readonly processedRecords: number;
  /** Records failed during this call. */
  readonly failedRecords: number;
  /** Records processed by the job so far. */
  readonly totalProcessed: number;
  /** Records failed by the job so far. */
  readonly totalFailed: number;
  readonly jobId: string;
  /**
   * The job's status after the call: `COMPLETED`, `PAUSED` (more to do), or `FAILED` / `ABORTED`
   * (stop calling; published results only had `done: false` for these).
   */
  readonly status: JobStatus;
  /** Why the run failed, when `status` is `FAILED`. */
  readonly error?: string;
}

/** What `getStatus()` returns. */
export interface JobStatusResult {
  readonly status: JobStatus;
  /** @deprecated Same as `status`. */
  readonly state: JobStatus;
  readonly progress: JobProgress;
  readonly batches: readonly Batch[];
}

/** The configuration with defaults applied. */
export interface ResolvedEngineConfig {
  readonly batchSize: number;
  readonly maxConcurrentBatches: number;
  readonly continueOnError: boolean;
  readonly stateStore: StateStore | undefined;
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly hooks: JobHooks | null;
  readonly validate: ValidateFn | null;
  readonly skipEmptyRows: boolean;
  readonly telemetry: ResolvedOpenTelemetry;
}

const HOOK_NAMES = ['beforeValidate', 'afterValidate', 'beforeProcess', 'afterProcess'] as const;
const STORE_METHODS = [
  'saveJobState',
  'getJobState',
  'updateBatchState',
  'saveProcessedRecord',
  'getFailedRecords',
] as const;

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && !Number.isNaN(value);
}

function checkBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, value, 'true or false');
  return value;
}

function checkStore(value: unknown): StateStore | undefined {
  if (value === undefined || value === null) return undefined;
  // Callers without types can pass anything: checked at run time.
  const missing =
    typeof value === 'object'
      ? STORE_METHODS.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function')
      : STORE_METHODS;
  if (missing.length > 0) {
    throw new InvalidOptionError(
      'stateStore',
      value,
      `a StateStore (missing ${missing.join(', ')})`,
    );
  }
  return value as unknown as StateStore;
}

function checkHooks(value: unknown): JobHooks | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object')
    throw new InvalidOptionError('hooks', value, 'an object of hook functions');
  for (const name of HOOK_NAMES) {
    const hook = (value as Record<string, unknown>)[name];
    if (hook !== undefined && typeof hook !== 'function') {
      throw new InvalidOptionError(`hooks.${name}`, hook, 'a function');
    }
  }
  return value;
}

/**
 * Applies the published defaults (with `??`) and checks every option, so a bad value fails at
 * construction with an `InvalidOptionError` naming it (the published engine failed later, or
 * never: a negative `maxRetries` silently failed every record).
 */
export function resolveEngineConfig(input: BatchEngineConfig = {}): ResolvedEngineConfig {
  const config: unknown = input;
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError('config', config, 'an object of BatchEngine options');
  }
  const { batchSize: givenBatchSize, maxConcurrentBatches: givenConcurrency } = input;
  const batchSize: unknown = givenBatchSize ?? 100;
  if (!isNumber(batchSize) || batchSize < 1 || batchSize === Infinity) {
    throw new InvalidOptionError('batchSize', batchSize, 'a number >= 1 (records per batch)', {
      publishedMessage: 'Batch size must be at least 1',
    });
  }
  const maxConcurrentBatches: unknown = givenConcurrency ?? 1;
  if (!isNumber(maxConcurrentBatches)) {
    throw new InvalidOptionError(
      'maxConcurrentBatches',
      maxConcurrentBatches,
      'a number (values <= 1 mean one batch at a time)',
    );
  }
  const maxRetries: unknown = input.maxRetries ?? 0;
  if (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new InvalidOptionError('maxRetries', maxRetries, 'an integer >= 0');
  }
  const retryDelayMs: unknown = input.retryDelayMs ?? 1000;
  if (!isNumber(retryDelayMs) || retryDelayMs < 0 || retryDelayMs === Infinity) {
    throw new InvalidOptionError(
      'retryDelayMs',
      retryDelayMs,
      'a finite number of milliseconds >= 0',
    );
  }
  const validate: unknown = input.validate ?? null;
  if (validate !== null && typeof validate !== 'function') {
    throw new InvalidOptionError('validate', validate, 'a function (record) => ValidationResult');
  }
  return {
    batchSize,
    maxConcurrentBatches,
    continueOnError: checkBoolean('continueOnError', input.continueOnError) ?? false,
    stateStore: checkStore(input.stateStore),
    maxRetries,
    retryDelayMs,
    hooks: checkHooks(input.hooks),
    validate: validate as ValidateFn | null,
    skipEmptyRows: checkBoolean('skipEmptyRows', input.skipEmptyRows) ?? false,
    telemetry: resolveOpenTelemetry(input.openTelemetry ?? undefined),
  };
}

/** Checks the limits of one `processChunk()` call. */
export function checkChunkOptions(input: ChunkOptions | undefined): ChunkOptions | null {
  const options: unknown = input;
  if (options === undefined || options === null) return null;
  if (typeof options !== 'object')
    throw new InvalidOptionError('options', options, 'an object { maxRecords?, maxDurationMs? }');
  const { maxRecords, maxDurationMs } = options as Record<string, unknown>;
  if (maxRecords !== undefined && (!isNumber(maxRecords) || maxRecords < 0)) {
    throw new InvalidOptionError('maxRecords', maxRecords, 'a number >= 0');
  }
  if (maxDurationMs !== undefined && (!isNumber(maxDurationMs) || maxDurationMs < 0)) {
    throw new InvalidOptionError('maxDurationMs', maxDurationMs, 'a number of milliseconds >= 0');
  }
  return options;
}
