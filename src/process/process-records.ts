import {
  markRecordFailed,
  type HookContext,
  type ProcessedRecord,
  type RecordProcessorFn,
  type ValidationError,
  errorMessage,
  runWithRetries,
} from '@batchactions/core';
import { contextFor, type BatchRun } from './batch-run';
import { checkRecord, decideRecord, type CheckedRecord } from './record-checks';
import {
  SKIPPED,
  emitRetried,
  failedTally,
  recordFailed,
  recordProcessed,
  type RecordTally,
} from './record-outcomes';

/** Checks done for the whole batch before its first record is processed (opt-in features). */
export interface Prechecked {
  readonly checked: readonly CheckedRecord[];
  /** Job-wide `DUPLICATE_VALUE` findings by record position. */
  readonly uniqueness: ReadonlyMap<number, readonly ValidationError[]>;
}

/**
 * Steps 11–14 for a valid record: `beforeProcess`, the processor with retries and backoff, the
 * write and event, then `afterProcess` (whose failure turns the processed record into a failed
 * one, after both events, as published).
 */
async function processValid(
  run: BatchRun,
  processor: RecordProcessorFn,
  pending: ProcessedRecord,
  valid: ProcessedRecord,
  context: HookContext,
): Promise<RecordTally> {
  let input = valid.parsed;
  if (run.hooks.beforeProcess) {
    try {
      input = await run.hooks.beforeProcess(valid.parsed, context);
    } catch (error) {
      const message = `beforeProcess hook failed: ${errorMessage(error)}`;
      await recordFailed(run, markRecordFailed(pending, message), message);
      return failedTally(run);
    }
  }
  const outcome = await runWithRetries(() => processor(input, contextFor(run, valid.index)), {
    maxRetries: run.config.maxRetries,
    retryDelayMs: run.config.retryDelayMs,
    signal: run.signal,
    onRetry: (attempt, _delayMs, error) => {
      emitRetried(run, valid.index, attempt, errorMessage(error));
    },
  });
  if (!outcome.ok) {
    const { message } = outcome;
    const failed = { ...markRecordFailed(valid, message), retryCount: outcome.attempts - 1 };
    await recordFailed(run, failed, message);
    return failedTally(run);
  }
  const processed: ProcessedRecord = {
    ...valid,
    parsed: input,
    status: 'processed',
    retryCount: outcome.attempts - 1,
  };
  await recordProcessed(run, processed);
  if (run.hooks.afterProcess) {
    try {
      await run.hooks.afterProcess(processed, context);
    } catch (error) {
      const message = errorMessage(error);
      await recordFailed(
        run,
        markRecordFailed(processed, `afterProcess hook failed: ${message}`),
        message,
      );
      return failedTally(run);
    }
  }
  return { processed: 1, failed: 0, stop: false };
}

/** The published per-record pipeline (distributed 5.1) for one stored record. */
async function processRecord(
  run: BatchRun,
  processor: RecordProcessorFn,
  record: ProcessedRecord,
  checked: CheckedRecord | undefined,
  uniqueness: readonly ValidationError[] | undefined,
): Promise<RecordTally> {
  const context = contextFor(run, record.index);
  const step = checked ?? (await checkRecord(run, record, context));
  if (step.kind === 'skip') return SKIPPED;
  if (step.kind === 'failed') {
    await recordFailed(run, step.record, step.error);
    return failedTally(run);
  }
  const decision = await decideRecord(run, record, step, context, uniqueness);
  if (decision.kind === 'rejected') {
    await recordFailed(run, decision.record, decision.error);
    return failedTally(run);
  }
  return processValid(run, processor, record, decision.record, context);
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
