import type { EventBus } from '../events/event-bus';
import { hasOnlyCoreFields } from '../model/core-fields';
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
import { retryAfterFailure } from './backoff';
import { errorMessage } from './error-message';

/**
 * The per-record steps shared by `BatchEngine`, `BulkImport` and the distributed worker, in the
 * published order: `beforeValidate` → validate → `afterValidate` → (invalid: stop) →
 * `beforeProcess` → processor with retries and backoff → `afterProcess`. Each caller plugs in
 * what is its own through these settings; the pipeline emits the record events and hands every
 * final record to `save`.
 *
 * The settings under "published variants" select where the published packages differ from each
 * other; their defaults are `BatchEngine`'s behaviour (with its fixed defects).
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

  // Published variants.

  /**
   * When `validate` throws: `'propagate'` rethrows (the caller's run fails), `'fail-record'`
   * fails the record with the error's message (the distributed worker; its published version let
   * the exception stop the whole batch). Default: `'propagate'`.
   */
  readonly onValidateError?: 'propagate' | 'fail-record';
  /**
   * Whether a `parsed` that `afterValidate` replaced becomes the working data. Default `true`
   * (a fixed `BatchEngine` defect); the published distributed worker keeps only the returned
   * record's `errors` (`false`).
   */
  readonly afterValidateParsed?: boolean;
  /**
   * What a record failed by a hook (or a throwing `validate`) is saved as: `'reached'` keeps the
   * data it reached (validated data and findings; a fixed `BatchEngine` defect), `'stored'` is
   * the record as it came in (`parsed` = raw, `errors: []`: the published distributed worker).
   * Default: `'reached'`.
   */
  readonly hookFailureRecord?: 'reached' | 'stored';
  /**
   * The `error` of `record:failed` when `afterProcess` throws: `'prefixed'` (`afterProcess hook
   * failed: …`, as saved in `processingError`) or `'bare'` (the hook's message alone: the
   * published distributed worker). Default: `'prefixed'`.
   */
  readonly afterProcessFailureEvent?: 'prefixed' | 'bare';
}

/** How one record ended. */
export type RecordResult =
  { readonly status: 'processed'; readonly record: ProcessedRecord } | RecordFailure;

/** A record that ended `invalid` or `failed`. */
export interface RecordFailure {
  readonly status: 'invalid' | 'failed';
  readonly record: ProcessedRecord;
  /**
   * The message to stop the run with when `continueOnError` is false: `Validation failed
   * for record ${index}`, the processor's last message, or a hook's unprefixed message.
   */
  readonly stopMessage: string;
  /** The thrown value behind a processor or hook failure. */
  readonly cause?: unknown;
}

/**
 * A failure decided but not yet counted, saved or reported: {@link commitFailure} does that.
 * Stages return it so that a caller that runs a stage ahead (the distributed worker validates a
 * whole batch before processing it) reports each record in order.
 */
export interface PendingFailure extends RecordFailure {
  /** The `error` of `record:failed`. */
  readonly eventError: string;
}

/** After validation: the working data and every finding (warnings included). */
export interface ValidatedRecord {
  readonly kind: 'validated';
  readonly working: RawRecord;
  readonly errors: readonly ValidationError[];
}

/** Ready for the processor: the valid record and its processor input (after `beforeProcess`). */
export interface ReadyRecord {
  readonly kind: 'ready';
  readonly valid: ProcessedRecord;
  readonly input: ParsedRecord;
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

class HookFailure {
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

/** Counts, saves and reports a failure a stage decided. */
export async function commitFailure(
  steps: RecordPipeline,
  context: ProcessingContext,
  failure: PendingFailure,
): Promise<RecordFailure> {
  steps.count?.(0, 1);
  const saving = steps.save(context.batchId, failure.record);
  if (saving !== undefined) await saving;
  emitFailed(steps, context, failure.record, failure.eventError);
  const { eventError: _eventError, ...result } = failure;
  return result;
}

/**
 * A hook threw: the record fails with `${hook} hook failed: ${msg}`; nothing is retried.
 * `reached` is what the record had become, saved unless `hookFailureRecord` is `'stored'`.
 */
function hookFailure(
  steps: RecordPipeline,
  pending: ProcessedRecord,
  reached: ProcessedRecord,
  failure: HookFailure,
): PendingFailure {
  const message = `${failure.hook} hook failed: ${failure.message}`;
  const base = steps.hookFailureRecord === 'stored' ? pending : reached;
  return {
    status: 'failed',
    record: markRecordFailed(base, message),
    stopMessage: failure.message,
    cause: failure.error,
    eventError: message,
  };
}

/** A stage's outcome, or a promise of it when some step had to be awaited. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Steps 1–2: `beforeValidate`, then `validate`. Needs `steps.validate`. A failing hook (or a
 * throwing `validate` with `onValidateError: 'fail-record'`) gives a {@link PendingFailure}.
 */
export async function validateRecord(
  steps: RecordPipeline & Required<Pick<RecordPipeline, 'validate'>>,
  context: ProcessingContext,
  pending: ProcessedRecord,
): Promise<ValidatedRecord | PendingFailure> {
  const { hooks } = steps;
  let working: RawRecord = steps.hookInput ? steps.hookInput(pending.raw) : pending.raw;
  if (hooks?.beforeValidate) {
    const before = hooks.beforeValidate;
    const input = working;
    const result = await callHook('beforeValidate', () => before(input, context));
    if (result instanceof HookFailure) return hookFailure(steps, pending, pending, result);
    working = result;
  }
  return validateWorking(steps, context, pending, working);
}

/**
 * {@link validateRecord} without a promise when nothing has to be awaited (no `beforeValidate`,
 * a synchronous `validate`, such as the schema's): same outcome, same errors thrown.
 */
export function validateRecordNow(
  steps: RecordPipeline & Required<Pick<RecordPipeline, 'validate'>>,
  context: ProcessingContext,
  pending: ProcessedRecord,
): MaybePromise<ValidatedRecord | PendingFailure> {
  if (steps.hooks?.beforeValidate) return validateRecord(steps, context, pending);
  const working = steps.hookInput ? steps.hookInput(pending.raw) : pending.raw;
  return validateWorking(steps, context, pending, working);
}

/** Step 2: `validate` on the working data; a promise only when `validate` returned one. */
function validateWorking(
  steps: RecordPipeline & Required<Pick<RecordPipeline, 'validate'>>,
  context: ProcessingContext,
  pending: ProcessedRecord,
  working: RawRecord,
): MaybePromise<ValidatedRecord | PendingFailure> {
  let returned: ValidationResult | Promise<ValidationResult>;
  try {
    returned = steps.validate(working, context);
  } catch (error) {
    return validationThrew(steps, pending, error);
  }
  if (isPromiseLike(returned)) return awaitValidation(steps, pending, working, returned);
  return { kind: 'validated', working: returned.parsed ?? working, errors: returned.errors };
}

async function awaitValidation(
  steps: RecordPipeline,
  pending: ProcessedRecord,
  working: RawRecord,
  returned: PromiseLike<ValidationResult>,
): Promise<ValidatedRecord | PendingFailure> {
  let result: ValidationResult;
  try {
    result = await returned;
  } catch (error) {
    return validationThrew(steps, pending, error);
  }
  return { kind: 'validated', working: result.parsed ?? working, errors: result.errors };
}

/** `validate` threw: rethrown, or the record fails (`onValidateError: 'fail-record'`). */
function validationThrew(
  steps: RecordPipeline,
  pending: ProcessedRecord,
  error: unknown,
): PendingFailure {
  if (steps.onValidateError !== 'fail-record') throw error;
  const message = errorMessage(error);
  return {
    status: 'failed',
    record: markRecordFailed(pending, message),
    stopMessage: message,
    cause: error,
    eventError: message,
  };
}

/**
 * Steps 3–5: `afterValidate`, the verdict by severity (hard errors: `invalid`), then
 * `beforeProcess`. The caller may have added findings to `validated` (the distributed worker's
 * duplicate checks).
 */
export async function decideRecord(
  steps: RecordPipeline,
  context: ProcessingContext,
  pending: ProcessedRecord,
  validated: ValidatedRecord,
): Promise<ReadyRecord | PendingFailure> {
  const { hooks } = steps;
  let { working, errors } = validated;
  if (hooks?.afterValidate) {
    const after = hooks.afterValidate;
    const temp =
      errors.length > 0 ? markRecordInvalid(pending, errors) : markRecordValid(pending, working);
    const returned = await callHook('afterValidate', () => after(temp, context));
    if (returned instanceof HookFailure) {
      // Published engine: the saved record lost the validated data and findings; keep them.
      return hookFailure(steps, pending, { ...pending, parsed: working, errors }, returned);
    }
    errors = returned.errors;
    if (steps.afterValidateParsed !== false && returned.parsed !== temp.parsed) {
      working = returned.parsed;
    }
  }
  const decided = verdict(pending, working, errors);
  if (isPendingFailure(decided) || !steps.hooks?.beforeProcess) return decided;
  return await prepareInput(steps, context, pending, decided.valid);
}

/**
 * {@link decideRecord} without a promise when there is no `afterValidate` or `beforeProcess`
 * hook to await: same outcome.
 */
export function decideRecordNow(
  steps: RecordPipeline,
  context: ProcessingContext,
  pending: ProcessedRecord,
  validated: ValidatedRecord,
): MaybePromise<ReadyRecord | PendingFailure> {
  const { hooks } = steps;
  if (hooks?.afterValidate || hooks?.beforeProcess) {
    return decideRecord(steps, context, pending, validated);
  }
  return verdict(pending, validated.working, validated.errors);
}

/** Step 4: hard errors make the record `invalid`; otherwise it is valid, with its warnings. */
function verdict(
  pending: ProcessedRecord,
  working: RawRecord,
  errors: readonly ValidationError[],
): ReadyRecord | PendingFailure {
  if (hasErrors(errors)) {
    return {
      status: 'invalid',
      record: markRecordInvalid(pending, errors),
      stopMessage: `Validation failed for record ${pending.index}`,
      eventError: errors.map((e) => e.message).join('; '),
    };
  }
  const valid = markRecordValid(pending, working, errors.length === 0 ? [] : getWarnings(errors));
  return { kind: 'ready', valid, input: valid.parsed };
}

/** Step 5: `beforeProcess`, whose result becomes the processor input. */
async function prepareInput(
  steps: RecordPipeline,
  context: ProcessingContext,
  pending: ProcessedRecord,
  valid: ProcessedRecord,
): Promise<ReadyRecord | PendingFailure> {
  const before = steps.hooks?.beforeProcess;
  if (!before) return { kind: 'ready', valid, input: valid.parsed };
  const result = await callHook('beforeProcess', () => before(valid.parsed, context));
  if (result instanceof HookFailure) return hookFailure(steps, pending, valid, result);
  return { kind: 'ready', valid, input: result };
}

/**
 * The processed record: `{ ...valid, parsed, status: 'processed', retryCount }`. A record with
 * exactly the five core fields, in their order (every record the stores return), is built as
 * a literal with the same fields in the same order: V8 copies a spread object to which a field
 * is added (`retryCount`) many times slower than it builds a literal, and this runs per record.
 */
function becomeProcessed(ready: ReadyRecord, retryCount: number): ProcessedRecord {
  const { valid } = ready;
  if (!hasOnlyCoreFields(valid)) {
    return { ...valid, parsed: ready.input, status: 'processed', retryCount };
  }
  return {
    index: valid.index,
    raw: valid.raw,
    parsed: ready.input,
    status: 'processed',
    errors: valid.errors,
    retryCount,
  };
}

/**
 * Steps 6–7 after a successful processor call (or a bulk call's outcome for this record): the
 * processed record is counted, saved and reported, then `afterProcess` runs; its failure turns
 * the record `failed`.
 */
export async function settleProcessed(
  steps: RecordPipeline,
  context: ProcessingContext,
  ready: ReadyRecord,
  retryCount: number,
): Promise<RecordResult> {
  return await settleProcessedNow(steps, context, ready, retryCount);
}

/**
 * {@link settleProcessed} without a promise when nothing has to be awaited (a save that
 * completes at once, no `afterProcess`): same steps in the same order.
 */
export function settleProcessedNow(
  steps: RecordPipeline,
  context: ProcessingContext,
  ready: ReadyRecord,
  retryCount: number,
): MaybePromise<RecordResult> {
  const processed = becomeProcessed(ready, retryCount);
  steps.count?.(1, 0);
  const saving = steps.save(context.batchId, processed);
  if (saving !== undefined) return reportWhenSaved(steps, context, processed, saving);
  return reportProcessed(steps, context, processed);
}

async function reportWhenSaved(
  steps: RecordPipeline,
  context: ProcessingContext,
  processed: ProcessedRecord,
  saving: Promise<void>,
): Promise<RecordResult> {
  await saving;
  return await reportProcessed(steps, context, processed);
}

/** `record:processed`, then `afterProcess` (a promise only when there is one to run). */
function reportProcessed(
  steps: RecordPipeline,
  context: ProcessingContext,
  processed: ProcessedRecord,
): MaybePromise<RecordResult> {
  if (steps.events.hasListeners('record:processed')) {
    steps.events.emit({
      type: 'record:processed',
      jobId: context.jobId,
      timestamp: Date.now(),
      batchId: context.batchId,
      recordIndex: processed.index,
    });
  }
  const after = steps.hooks?.afterProcess;
  if (!after) return { status: 'processed', record: processed };
  return runAfterProcess(steps, context, processed, after);
}

async function runAfterProcess(
  steps: RecordPipeline,
  context: ProcessingContext,
  processed: ProcessedRecord,
  after: NonNullable<JobHooks['afterProcess']>,
): Promise<RecordResult> {
  const result = await callHook('afterProcess', () => after(processed, context));
  if (!(result instanceof HookFailure)) return { status: 'processed', record: processed };
  const message = `afterProcess hook failed: ${result.message}`;
  const failed = markRecordFailed(processed, message);
  steps.count?.(-1, 1);
  await steps.save(context.batchId, failed);
  emitFailed(
    steps,
    context,
    failed,
    steps.afterProcessFailureEvent === 'bare' ? result.message : message,
  );
  return { status: 'failed', record: failed, stopMessage: result.message, cause: result.error };
}

/** A processor (or bulk call) failure of a ready record, after `retryCount` retries. */
export function processorFailure(
  ready: ReadyRecord,
  message: string,
  retryCount: number,
  cause?: unknown,
): PendingFailure {
  return {
    status: 'failed',
    record: { ...markRecordFailed(ready.valid, message), retryCount },
    stopMessage: message,
    cause,
    eventError: message,
  };
}

/** Steps 6–7: the processor with retries and backoff, then {@link settleProcessed}. */
export async function processReadyRecord(
  steps: RecordPipeline,
  context: ProcessingContext,
  ready: ReadyRecord,
  processor: RecordProcessorFn,
  processorContext: ProcessingContext = context,
): Promise<RecordResult> {
  return await processReadyRecordNow(steps, context, ready, processor, processorContext);
}

/**
 * {@link processReadyRecord} without a promise when nothing has to be awaited (a processor that
 * returns without a promise and succeeds, a save that completes at once, no `afterProcess`).
 * The first call is made here: a record whose processor succeeds at once needs no retry
 * policy, closures or outcome object.
 */
export function processReadyRecordNow(
  steps: RecordPipeline,
  context: ProcessingContext,
  ready: ReadyRecord,
  processor: RecordProcessorFn,
  processorContext: ProcessingContext = context,
): MaybePromise<RecordResult> {
  let returned: Promise<void> | void;
  try {
    returned = processor(ready.input, processorContext);
  } catch (firstError) {
    return retryProcessor(steps, context, ready, processor, processorContext, firstError);
  }
  if (isPromiseLike(returned)) {
    return settleFirstCall(steps, context, ready, processor, processorContext, returned);
  }
  return settleProcessedNow(steps, context, ready, 0);
}

async function settleFirstCall(
  steps: RecordPipeline,
  context: ProcessingContext,
  ready: ReadyRecord,
  processor: RecordProcessorFn,
  processorContext: ProcessingContext,
  call: PromiseLike<void>,
): Promise<RecordResult> {
  try {
    await call;
  } catch (firstError) {
    return await retryProcessor(steps, context, ready, processor, processorContext, firstError);
  }
  return await settleProcessedNow(steps, context, ready, 0);
}

/** The first call failed: the retries with backoff, then the record's outcome. */
async function retryProcessor(
  steps: RecordPipeline,
  context: ProcessingContext,
  ready: ReadyRecord,
  processor: RecordProcessorFn,
  processorContext: ProcessingContext,
  firstError: unknown,
): Promise<RecordResult> {
  const outcome = await retryAfterFailure(
    () => processor(ready.input, processorContext),
    {
      maxRetries: steps.maxRetries,
      retryDelayMs: steps.retryDelayMs,
      signal: context.signal,
      onRetry: (attempt, _delayMs, error) => {
        steps.events.emit({
          type: 'record:retried',
          jobId: context.jobId,
          timestamp: Date.now(),
          batchId: context.batchId,
          recordIndex: ready.valid.index,
          attempt,
          maxRetries: steps.maxRetries,
          error: errorMessage(error),
        });
      },
    },
    firstError,
  );
  const retryCount = outcome.attempts - 1;
  if (!outcome.ok) {
    return await commitFailure(
      steps,
      context,
      processorFailure(ready, outcome.message, retryCount, outcome.error),
    );
  }
  return await settleProcessedNow(steps, context, ready, retryCount);
}

/** Whether a stage's outcome is a failure (to commit), not the next stage's input. */
export function isPendingFailure(
  outcome: ValidatedRecord | ReadyRecord | PendingFailure,
): outcome is PendingFailure {
  return !('kind' in outcome);
}

/**
 * Runs one record through the whole pipeline and returns how it ended. Never throws for
 * record-level failures (invalid data, a failing processor or hook): the caller decides whether
 * a failure stops its run. Errors of `save` (the store) and of `validate` itself propagate
 * (unless `onValidateError` is `'fail-record'`).
 */
export async function runRecordPipeline(
  steps: RecordPipeline,
  context: ProcessingContext,
  pending: ProcessedRecord,
  processor: RecordProcessorFn,
): Promise<RecordResult> {
  let ready: ReadyRecord | PendingFailure;
  if (steps.validate) {
    const validated = await validateRecord(
      { ...steps, validate: steps.validate },
      context,
      pending,
    );
    if (isPendingFailure(validated)) return commitFailure(steps, context, validated);
    ready = await decideRecord(steps, context, pending, validated);
  } else {
    ready = await prepareInput(steps, context, pending, markRecordValid(pending, pending.raw, []));
  }
  if (isPendingFailure(ready)) return commitFailure(steps, context, ready);
  return processReadyRecord(steps, context, ready, processor);
}
