import {
  getErrors,
  markRecordFailed,
  markRecordProcessed,
  type ProcessedRecord,
} from '@batchactions/core';
import { contextFor, type BatchRun } from './batch-run';
import { errorMessage } from './retry';

/** Why a record counts as failed, for `record:failed` and for stopping the batch. */
export function failureReason(record: ProcessedRecord): string {
  if (record.processingError !== undefined) return record.processingError;
  const messages = getErrors(record.errors).map((e) => e.message);
  return messages.length > 0 ? messages.join('; ') : `record is ${record.status}`;
}

/** Emits `record:processed` or `record:failed` for a record's final state. */
export function emitRecordOutcome(run: BatchRun, record: ProcessedRecord): void {
  if (record.status === 'processed') {
    if (!run.events.hasListeners('record:processed')) return;
    run.events.emit({
      type: 'record:processed',
      jobId: run.jobId,
      timestamp: Date.now(),
      batchId: run.batchId,
      recordIndex: record.index,
    });
    return;
  }
  if (!run.events.hasListeners('record:failed')) return;
  run.events.emit({
    type: 'record:failed',
    jobId: run.jobId,
    timestamp: Date.now(),
    batchId: run.batchId,
    recordIndex: record.index,
    error: failureReason(record),
    record,
  });
}

/** Emits `record:retried` before a retry of the processor for `recordIndex`. */
export function emitRetried(
  run: BatchRun,
  recordIndex: number,
  attempt: number,
  delayMs: number,
  error: unknown,
): void {
  run.events.emit({
    type: 'record:retried',
    jobId: run.jobId,
    timestamp: Date.now(),
    batchId: run.batchId,
    recordIndex,
    attempt,
    maxRetries: run.config.maxRetries,
    delayMs,
    error: errorMessage(error),
  });
}

/**
 * Steps 5–6 for one validated record: `afterValidate`, then `beforeProcess` for valid records.
 * Returns the record ready for the processor (status `valid`, its `parsed` as the processor
 * must get it) or its final failed/invalid state.
 */
export async function readyForProcessing(
  run: BatchRun,
  validated: ProcessedRecord,
): Promise<ProcessedRecord> {
  const { hooks } = run;
  let record = validated;
  if (record.status === 'failed') return record;
  if (hooks.afterValidate) {
    try {
      record = await hooks.afterValidate(record, contextFor(run, record.index));
    } catch (error) {
      return markRecordFailed(record, `afterValidate hook failed: ${errorMessage(error)}`);
    }
  }
  if (record.status !== 'valid' || !hooks.beforeProcess) return record;
  try {
    return {
      ...record,
      parsed: await hooks.beforeProcess(record.parsed, contextFor(run, record.index)),
    };
  } catch (error) {
    return markRecordFailed(record, `beforeProcess hook failed: ${errorMessage(error)}`);
  }
}

/** Step 8–9 after the processor accepted a record: mark it processed, run `afterProcess`. */
export async function afterProcessed(
  run: BatchRun,
  record: ProcessedRecord,
  retryCount: number | undefined,
): Promise<ProcessedRecord> {
  const processed = markRecordProcessed(record, retryCount);
  if (!run.hooks.afterProcess) return processed;
  try {
    await run.hooks.afterProcess(processed, contextFor(run, record.index));
  } catch (error) {
    return markRecordFailed(
      processed,
      `afterProcess hook failed: ${errorMessage(error)}`,
      retryCount,
    );
  }
  return processed;
}

/** Result of running the records of one batch. */
export interface RecordsOutcome {
  /** Every record of the batch; those never reached stay `pending`. */
  readonly records: ProcessedRecord[];
  readonly processedCount: number;
  readonly failedCount: number;
  /** Set when `continueOnError` is false and a record failed: why the batch stops. */
  readonly stopReason?: string;
}

/** Tallies final record states into a batch outcome. */
export function tally(records: ProcessedRecord[], stopReason: string | undefined): RecordsOutcome {
  let processedCount = 0;
  let failedCount = 0;
  for (const record of records) {
    if (record.status === 'processed') processedCount += 1;
    else if (record.status === 'failed' || record.status === 'invalid') failedCount += 1;
  }
  return {
    records,
    processedCount,
    failedCount,
    ...(stopReason === undefined ? {} : { stopReason }),
  };
}
