import type { EventBus } from '../events/event-bus';
import {
  markRecordFailed,
  markRecordInvalid,
  markRecordValid,
  type ParsedRecord,
  type ProcessedRecord,
  type RawRecord,
} from '../model/record';
import {
  getWarnings,
  hasErrors,
  type ValidationError,
  type ValidationResult,
} from '../model/validation';
import type { JobHooks, ProcessingContext, RecordProcessorFn } from '../ports/processing';
import { runWithRetries } from './backoff';
import { errorMessage } from './error-message';

/**
 * The per-record steps shared by `BatchEngine`, `BulkImport` and the distributed worker, in the
 * published order: `beforeValidate` → validate → `afterValidate` → (invalid: stop) →
 * `beforeProcess` → processor with retries and backoff → `afterProcess`. Each caller plugs in
 * what is its own through these settings; the pipeline emits the record events and hands every
 * final record to `save`.
 */
export interface RecordPipeline {
  /** Lifecycle hooks; `null`/absent for none. */
  readonly hooks?: JobHooks | null;
  /**
   * The validation step, given the working data (after `beforeValidate`). Findings whose
   * severity is `error` (or unset) make the record invalid; a `parsed` in the result becomes the
   * working data. Absent: records go straight to `beforeProcess` and the validation hooks never
   * run (`BatchEngine` without `validate`).
   */
  readonly validate?: (
    working: RawRecord,
    context: ProcessingContext,
  ) => ValidationResult | Promise<ValidationResult>;
  /**
   * What `beforeValidate` receives, from the raw record. Default: the raw record itself
   * (`BatchEngine`, `BulkImport`); the distributed worker resolves column aliases first.
   */
  readonly hookInput?: (raw: RawRecord) => RawRecord;
  /** Retries of the processor after its first attempt. Validation and hook failures are never retried. */
  readonly maxRetries: number;
  /** Backoff base: the wait after attempt n failed is `retryDelayMs × 2^(n − 1)`. */
  readonly retryDelayMs: number;
  /** Receives `record:processed`, `record:failed`, `record:retried`. */
  readonly events: EventBus;
  /**
   * Keeps a record's final state (`invalid`, `processed` or `failed`); awaited before the
   * record's event. An `afterProcess` failure saves the record a second time, as `failed`.
   */
  readonly save: (batchId: string, record: ProcessedRecord) => Promise<void> | void;
  /**
   * Told of each change to the processed / failed counts, at the moment the published engine
   * changes its counters (before the save). Default: nothing.
   */
  readonly count?: (processedDelta: number, failedDelta: number) => void;
}

/** How one record ended. */
export type RecordResult =
  | { readonly status: 'processed'; readonly record: ProcessedRecord }
  | {
      readonly status: 'invalid' | 'failed';
      readonly record: ProcessedRecord;
      /**
       * The message to stop the run with when `continueOnError` is false: `Validation failed
       * for record ${index}`, the processor's last message, or a hook's unprefixed message.
       */
      readonly stopMessage: string;
      /** The thrown value behind a processor or hook failure. */
      readonly cause?: unknown;
    };

class HookFailure {
  /** The record to save as failed; default the record the pipeline started with. */
  record: ProcessedRecord | undefined;
  constructor(
    readonly hook: string,
    readonly error: unknown,
  ) {}
  get message(): string {
    return errorMessage(this.error);
  }
}

async function callHook<T>(hook: string, call: () => T | Promise<T>): Promise<T | HookFailure> {
  try {
    return await call();
  } catch (error) {
    return new HookFailure(hook, error);
  }
}

function emitFailed(
  steps: RecordPipeline,
  context: ProcessingContext,
  record: ProcessedRecord,
  error: string,
): void {
  if (!steps.events.hasListeners('record:failed')) return;
  steps.events.emit({
    type: 'record:failed',
    jobId: context.jobId,
    timestamp: Date.now(),
    batchId: context.batchId,
    recordIndex: record.index,
    error,
    record,
  });
}

/** A hook threw: the record fails with `${hook} hook failed: ${msg}`; nothing is retried. */
async function failByHook(
  steps: RecordPipeline,
  context: ProcessingContext,
  record: ProcessedRecord,
  failure: HookFailure,
): Promise<RecordResult> {
  const message = `${failure.hook} hook failed: ${failure.message}`;
  const failed = markRecordFailed(failure.record ?? record, message);
  steps.count?.(0, 1);
  await steps.save(context.batchId, failed);
  emitFailed(steps, context, failed, message);
  return { status: 'failed', record: failed, stopMessage: failure.message, cause: failure.error };
}

interface Validated {
  readonly working: ParsedRecord;
  readonly errors: readonly ValidationError[];
}

/** Steps 3a–3c: `beforeValidate`, the validation call, `afterValidate`. */
async function validateStep(
  steps: RecordPipeline,
  validate: NonNullable<RecordPipeline['validate']>,
  context: ProcessingContext,
  record: ProcessedRecord,
): Promise<Validated | HookFailure> {
  const { hooks } = steps;
  let working: RawRecord = steps.hookInput ? steps.hookInput(record.raw) : record.raw;
  if (hooks?.beforeValidate) {
    const before = hooks.beforeValidate;
    const input = working;
    const result = await callHook('beforeValidate', () => before(input, context));
    if (result instanceof HookFailure) return result;
    working = result;
  }
  const result = await validate(working, context);
  let errors = result.errors;
  if (result.parsed) working = result.parsed;
  if (hooks?.afterValidate) {
    const after = hooks.afterValidate;
    const temp =
      errors.length > 0 ? markRecordInvalid(record, errors) : markRecordValid(record, working);
    const returned = await callHook('afterValidate', () => after(temp, context));
    if (returned instanceof HookFailure) {
      // Published: the saved record lost the validated data and findings; keep them.
      returned.record = { ...record, parsed: working, errors };
      return returned;
    }
    errors = returned.errors;
    // The published engine ignored every edit but `errors`; a `parsed` the hook replaced is used.
    if (returned.parsed !== temp.parsed) working = returned.parsed;
  }
  return { working, errors };
}

/**
 * Runs one record through the pipeline and returns how it ended. Never throws for record-level
 * failures (invalid data, a failing processor or hook): the caller decides whether a failure
 * stops its run. Errors of `save` (the store) and of `validate` itself propagate.
 */
export async function runRecordPipeline(
  steps: RecordPipeline,
  context: ProcessingContext,
  pending: ProcessedRecord,
  processor: RecordProcessorFn,
): Promise<RecordResult> {
  const { hooks } = steps;
  let valid: ProcessedRecord;
  if (steps.validate) {
    const validated = await validateStep(steps, steps.validate, context, pending);
    if (validated instanceof HookFailure) return failByHook(steps, context, pending, validated);
    const { working, errors } = validated;
    if (hasErrors(errors)) {
      const invalid = markRecordInvalid(pending, errors);
      steps.count?.(0, 1);
      await steps.save(context.batchId, invalid);
      emitFailed(steps, context, invalid, errors.map((e) => e.message).join('; '));
      return {
        status: 'invalid',
        record: invalid,
        stopMessage: `Validation failed for record ${pending.index}`,
      };
    }
    valid = markRecordValid(pending, working, getWarnings(errors));
  } else {
    valid = markRecordValid(pending, pending.raw, []);
  }

  let input = valid.parsed;
  if (hooks?.beforeProcess) {
    const before = hooks.beforeProcess;
    const result = await callHook('beforeProcess', () => before(valid.parsed, context));
    if (result instanceof HookFailure) return failByHook(steps, context, valid, result);
    input = result;
  }

  const outcome = await runWithRetries(() => processor(input, context), {
    maxRetries: steps.maxRetries,
    retryDelayMs: steps.retryDelayMs,
    signal: context.signal,
    onRetry: (attempt, delayMs, error) => {
      steps.events.emit({
        type: 'record:retried',
        jobId: context.jobId,
        timestamp: Date.now(),
        batchId: context.batchId,
        recordIndex: pending.index,
        attempt,
        maxRetries: steps.maxRetries,
        delayMs,
        error: errorMessage(error),
      });
    },
  });
  const retryCount = outcome.attempts - 1;
  if (!outcome.ok) {
    const failed: ProcessedRecord = { ...markRecordFailed(valid, outcome.message), retryCount };
    steps.count?.(0, 1);
    await steps.save(context.batchId, failed);
    emitFailed(steps, context, failed, outcome.message);
    return { status: 'failed', record: failed, stopMessage: outcome.message, cause: outcome.error };
  }

  const processed: ProcessedRecord = { ...valid, parsed: input, status: 'processed', retryCount };
  steps.count?.(1, 0);
  await steps.save(context.batchId, processed);
  if (steps.events.hasListeners('record:processed')) {
    steps.events.emit({
      type: 'record:processed',
      jobId: context.jobId,
      timestamp: Date.now(),
      batchId: context.batchId,
      recordIndex: pending.index,
    });
  }
  if (hooks?.afterProcess) {
    const after = hooks.afterProcess;
    const result = await callHook('afterProcess', () => after(processed, context));
    if (result instanceof HookFailure) {
      const message = `afterProcess hook failed: ${result.message}`;
      const failed = markRecordFailed(processed, message);
      steps.count?.(-1, 1);
      await steps.save(context.batchId, failed);
      // The event carries the same prefixed message as `processingError` (published: bare message).
      emitFailed(steps, context, failed, message);
      return { status: 'failed', record: failed, stopMessage: result.message, cause: result.error };
    }
  }
  return { status: 'processed', record: processed };
}
