import { markRecordFailed, type ProcessedRecord, type RecordProcessorFn } from '@batchactions/core';
import { contextFor, type BatchRun } from './batch-run';
import {
  afterProcessed,
  emitRecordOutcome,
  emitRetried,
  failureReason,
  readyForProcessing,
  tally,
  type RecordsOutcome,
} from './record-steps';
import { errorMessage, runWithRetries } from './retry';

/** Steps 5–9 for one record: hooks around the processor, which is retried on failure. */
async function processRecord(
  run: BatchRun,
  processor: RecordProcessorFn,
  validated: ProcessedRecord,
): Promise<ProcessedRecord> {
  const record = await readyForProcessing(run, validated);
  if (record.status !== 'valid') return record;
  const context = contextFor(run, record.index);
  const outcome = await runWithRetries(() => processor(record.parsed, context), {
    maxRetries: run.config.maxRetries,
    retryDelayMs: run.config.retryDelayMs,
    signal: run.signal,
    onRetry: (attempt, delayMs, error) => {
      emitRetried(run, record.index, attempt, delayMs, error);
    },
  });
  const retryCount = outcome.retries > 0 ? outcome.retries : undefined;
  if (!outcome.ok) return markRecordFailed(record, errorMessage(outcome.error), retryCount);
  return afterProcessed(run, record, retryCount);
}

/**
 * Runs the processing steps over the validated records, `recordConcurrency` at a time. With
 * `continueOnError: false`, the first invalid or failed record stops the batch: no further
 * record is started, and records not reached stay pending.
 */
export async function processRecords(
  run: BatchRun,
  validated: readonly ProcessedRecord[],
  processor: RecordProcessorFn,
): Promise<RecordsOutcome> {
  const records = [...validated];
  let stopReason: string | undefined;
  let next = 0;

  const lane = async (): Promise<void> => {
    while (stopReason === undefined && !run.signal.aborted && next < records.length) {
      const position = next;
      next += 1;
      const result = await processRecord(run, processor, records[position] as ProcessedRecord);
      records[position] = result;
      emitRecordOutcome(run, result);
      if (result.status !== 'processed' && !run.config.continueOnError) {
        stopReason ??= `Record ${result.index} failed: ${failureReason(result)}`;
      }
    }
  };

  const lanes = Math.min(run.config.recordConcurrency, Math.max(1, records.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return tally(records, stopReason);
}
