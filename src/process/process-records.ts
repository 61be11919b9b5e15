import {
  getErrors,
  markRecordFailed,
  markRecordProcessed,
  type ProcessedRecord,
} from '@batchactions/core';
import { contextFor, type BatchRun } from './batch-run';
import { errorMessage, runWithRetries } from './retry';

/** Why a record counts as failed, for `record:failed` and for stopping the batch. */
function failureReason(record: ProcessedRecord): string {
  if (record.processingError !== undefined) return record.processingError;
  const messages = getErrors(record).map((e) => e.message);
  return messages.length > 0 ? messages.join('; ') : `record is ${record.status}`;
}

function emitFailed(run: BatchRun, record: ProcessedRecord): void {
  if (!run.events.hasListeners('record:failed')) return;
  run.events.emit({
    type: 'record:failed',
    jobId: run.jobId,
    timestamp: Date.now(),
    batchId: run.batchId,
    recordIndex: record.index,
    error: failureReason(record),
    record: record.status === 'invalid' ? record.raw : record.parsed,
  });
}

/**
 * Steps 5–9 for one validated record: `afterValidate` → `beforeProcess` → processor with retries
 * → `afterProcess`. Returns the record's final state (processed, invalid or failed).
 */
async function processRecord(run: BatchRun, validated: ProcessedRecord): Promise<ProcessedRecord> {
  const { hooks } = run;
  const context = contextFor(run, validated.index);
  let record = validated;
  if (record.status === 'failed') return record;

  if (hooks.afterValidate) {
    try {
      record = await hooks.afterValidate(record, context);
    } catch (error) {
      return markRecordFailed(record, `afterValidate hook failed: ${errorMessage(error)}`);
    }
  }
  if (record.status !== 'valid') return record;

  let parsed = record.parsed;
  if (hooks.beforeProcess) {
    try {
      parsed = await hooks.beforeProcess(parsed, context);
    } catch (error) {
      return markRecordFailed(record, `beforeProcess hook failed: ${errorMessage(error)}`);
    }
    record = { ...record, parsed };
  }

  const outcome = await runWithRetries(() => run.processor(parsed, context), {
    maxRetries: run.config.maxRetries,
    retryDelayMs: run.config.retryDelayMs,
    signal: run.signal,
    onRetry: (attempt, delayMs, error) => {
      run.events.emit({
        type: 'record:retried',
        jobId: run.jobId,
        timestamp: Date.now(),
        batchId: run.batchId,
        recordIndex: record.index,
        attempt,
        maxRetries: run.config.maxRetries,
        delayMs,
        error: errorMessage(error),
      });
    },
  });
  const retryCount = outcome.retries > 0 ? outcome.retries : undefined;
  if (!outcome.ok) return markRecordFailed(record, errorMessage(outcome.error), retryCount);

  const processed = markRecordProcessed(record, retryCount);
  if (hooks.afterProcess) {
    try {
      await hooks.afterProcess(processed, context);
    } catch (error) {
      return markRecordFailed(
        processed,
        `afterProcess hook failed: ${errorMessage(error)}`,
        retryCount,
      );
    }
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

/**
 * Runs the processing steps over the validated records, `recordConcurrency` at a time. With
 * `continueOnError: false`, the first invalid or failed record stops the batch: no further
 * record is started, and records not reached stay pending.
 */
export async function processRecords(
  run: BatchRun,
  validated: readonly ProcessedRecord[],
): Promise<RecordsOutcome> {
  const records = [...validated];
  let processedCount = 0;
  let failedCount = 0;
  let stopReason: string | undefined;
  let next = 0;
  const emitProcessed = run.events.hasListeners('record:processed');

  const worker = async (): Promise<void> => {
    while (stopReason === undefined && !run.signal.aborted && next < records.length) {
      const position = next;
      next += 1;
      const result = await processRecord(run, records[position] as ProcessedRecord);
      records[position] = result;
      if (result.status === 'processed') {
        processedCount += 1;
        if (emitProcessed) {
          run.events.emit({
            type: 'record:processed',
            jobId: run.jobId,
            timestamp: Date.now(),
            batchId: run.batchId,
            recordIndex: result.index,
          });
        }
        continue;
      }
      failedCount += 1;
      emitFailed(run, result);
      if (!run.config.continueOnError) {
        stopReason ??= `Record ${result.index} failed: ${failureReason(result)}`;
      }
    }
  };

  const lanes = Math.min(run.config.recordConcurrency, Math.max(1, records.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  return {
    records,
    processedCount,
    failedCount,
    ...(stopReason === undefined ? {} : { stopReason }),
  };
}
