import {
  markRecordFailed,
  type BulkProcessor,
  type ProcessedRecord,
  type RecordOutcome,
} from '@batchactions/core';
import type { BatchRun } from './batch-run';
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

/** The failure message of one outcome, or undefined when the record was processed. */
function outcomeError(outcome: RecordOutcome): string | undefined {
  if (outcome === true || outcome === null || outcome === undefined) return undefined;
  return typeof outcome === 'string' ? outcome : errorMessage(outcome);
}

/**
 * The bulk variant of the processing steps: hooks per record, then ONE call of
 * `processBatch` with every valid record (retried as a whole when it throws), then
 * `afterProcess` per processed record. With `continueOnError: false` the call is made only when
 * every record of the batch is valid; otherwise the batch stops at the first bad record.
 */
export async function processRecordsInBulk(
  run: BatchRun,
  validated: readonly ProcessedRecord[],
  bulk: BulkProcessor,
): Promise<RecordsOutcome> {
  const records: ProcessedRecord[] = [];
  for (const record of validated) records.push(await readyForProcessing(run, record));

  const firstBad = records.find((r) => r.status !== 'valid');
  if (firstBad && !run.config.continueOnError) {
    emitRecordOutcome(run, firstBad);
    const stopReason = `Record ${firstBad.index} failed: ${failureReason(firstBad)}`;
    const untouched = records.map((r, i) =>
      r === firstBad ? r : (validated[i] as ProcessedRecord),
    );
    return tally(untouched, stopReason);
  }

  const positions = records.flatMap((r, i) => (r.status === 'valid' ? [i] : []));
  if (positions.length > 0 && !run.signal.aborted) {
    const ready = positions.map((i) => records[i] as ProcessedRecord);
    let outcomes: readonly RecordOutcome[] | undefined;
    const attempt = await runWithRetries(
      async () => {
        const returned = await bulk.processBatch(
          ready.map((r) => r.parsed),
          {
            jobId: run.jobId,
            batchId: run.batchId,
            batchIndex: run.batchIndex,
            recordIndexes: ready.map((r) => r.index),
            totalRecords: run.totalRecords,
            signal: run.signal,
            workerId: run.workerId,
          },
        );
        outcomes = returned ?? undefined;
      },
      {
        maxRetries: run.config.maxRetries,
        retryDelayMs: run.config.retryDelayMs,
        signal: run.signal,
        onRetry: (n, delayMs, error) => {
          if (!run.events.hasListeners('record:retried')) return;
          for (const r of ready) emitRetried(run, r.index, n, delayMs, error);
        },
      },
    );
    const retryCount = attempt.retries > 0 ? attempt.retries : undefined;
    const callError = attempt.ok
      ? outcomes !== undefined && outcomes.length !== ready.length
        ? `processBatch returned ${outcomes.length} outcomes for ${ready.length} records; it must return one per record, in order`
        : undefined
      : errorMessage(attempt.error);
    for (const [k, i] of positions.entries()) {
      const record = ready[k] as ProcessedRecord;
      const failed = callError ?? outcomeError(outcomes?.[k]);
      records[i] =
        failed === undefined
          ? await afterProcessed(run, record, retryCount)
          : markRecordFailed(record, failed, retryCount);
    }
  }

  let stopReason: string | undefined;
  for (const record of records) {
    if (record.status === 'valid') continue;
    emitRecordOutcome(run, record);
    if (record.status !== 'processed' && !run.config.continueOnError) {
      stopReason ??= `Record ${record.index} failed: ${failureReason(record)}`;
    }
  }
  // Valid records left unprocessed (the call was skipped because the signal aborted) stay pending.
  const final = records.map((r, i) =>
    r.status === 'valid' ? (validated[i] as ProcessedRecord) : r,
  );
  return tally(final, stopReason);
}
