import {
  commitFailure,
  decideRecordNow,
  processReadyRecordNow,
  type PendingFailure,
  type ProcessedRecord,
  type RecordProcessorFn,
  type RecordResult,
  type ValidatedRecord,
  type ValidationError,
} from '@batchactions/core';
import { contextFor, type BatchRun } from './batch-run';
import {
  SKIP,
  addDuplicateFindings,
  distributedPipeline,
  isPendingFailure,
  validateStored,
} from './record-steps';
import { SKIPPED, type RecordTally } from './record-outcomes';

/** Validation done for the whole batch before its first record is processed (opt-in features). */
export interface Prechecked {
  /** Each record's validation stage, by position; failures are committed in order later. */
  readonly checked: readonly (typeof SKIP | ValidatedRecord | PendingFailure)[];
  /** Job-wide `DUPLICATE_VALUE` findings by record position. */
  readonly uniqueness: ReadonlyMap<number, readonly ValidationError[]>;
}

const PROCESSED: RecordTally = { processed: 1, failed: 0, stop: false };
const FAILED: RecordTally = { processed: 0, failed: 1, stop: false };
const FAILED_STOP: RecordTally = { processed: 0, failed: 1, stop: true };

function tallyOf(run: BatchRun, result: RecordResult): RecordTally {
  if (result.status === 'processed') return PROCESSED;
  return run.config.continueOnError ? FAILED : FAILED_STOP;
}

/**
 * The published per-record pipeline (distributed 5.1) for one stored record, on core's shared
 * stages: validation (or its result from the batch precheck), duplicate findings, the verdict
 * and `beforeProcess`, then the processor with retries and `afterProcess`.
 */
async function processRecord(
  run: BatchRun,
  pipeline: ReturnType<typeof distributedPipeline>,
  processor: RecordProcessorFn,
  record: ProcessedRecord,
  checked: typeof SKIP | ValidatedRecord | PendingFailure | undefined,
  uniqueness: readonly ValidationError[] | undefined,
): Promise<RecordTally> {
  const context = contextFor(run, record.index);
  // Each stage is awaited only when it returned a promise (a hook, an asynchronous processor or
  // save): a record that needs none goes through without a promise per stage.
  const validating = checked ?? validateStored(run, pipeline, record, context);
  const validated = validating instanceof Promise ? await validating : validating;
  if (validated === SKIP) return SKIPPED;
  if (isPendingFailure(validated)) {
    return tallyOf(run, await commitFailure(pipeline, context, validated));
  }
  const withDuplicates =
    uniqueness === undefined && run.duplicateChecker === undefined
      ? validated
      : await addDuplicateFindings(run, validated, context, uniqueness);
  const deciding = decideRecordNow(pipeline, context, record, withDuplicates);
  const ready = deciding instanceof Promise ? await deciding : deciding;
  if (isPendingFailure(ready)) return tallyOf(run, await commitFailure(pipeline, context, ready));
  // The processor gets a context object of its own (same fields), as published: the rate
  // gate's wrapper (`gateRecordProcessor`) builds it for each call.
  const result = processReadyRecordNow(pipeline, context, ready, processor);
  return tallyOf(run, result instanceof Promise ? await result : result);
}

/** Counts of one batch and whether it stopped early (`continueOnError: false`). */
export interface BatchCounts {
  readonly processedCount: number;
  readonly failedCount: number;
  readonly stopped: boolean;
}

/**
 * Runs the batch's records through the pipeline in index order, `recordConcurrency` at a time
 * (default 1: strictly one after the other, as published). After a failure with
 * `continueOnError: false`, or once the batch's signal aborted, no further record starts;
 * records not reached are left exactly as `prepare` stored them.
 */
export async function processRecords(
  run: BatchRun,
  records: readonly ProcessedRecord[],
  processor: RecordProcessorFn,
  prechecked?: Prechecked,
): Promise<BatchCounts> {
  const pipeline = distributedPipeline(run);
  let processedCount = 0;
  let failedCount = 0;
  let stopped = false;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (!stopped && !run.signal.aborted && next < records.length) {
      const position = next;
      next += 1;
      const tally = await processRecord(
        run,
        pipeline,
        processor,
        records[position] as ProcessedRecord,
        prechecked?.checked[position],
        prechecked?.uniqueness.get(position),
      );
      processedCount += tally.processed;
      failedCount += tally.failed;
      if (tally.stop) stopped = true;
    }
  };
  const lanes = Math.min(run.config.recordConcurrency, Math.max(1, records.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return { processedCount, failedCount, stopped };
}
