import {
  markRecordFailed,
  type BulkProcessor,
  type HookContext,
  type ProcessedRecord,
  type RecordOutcome,
  errorMessage,
  runWithRetries,
} from '@batchactions/core';
import { contextFor, type BatchRun } from './batch-run';
import type { BatchCounts, Prechecked } from './process-records';
import { checkRecord, decideRecord } from './record-checks';
import { emitRetried, recordFailed, recordProcessed } from './record-outcomes';

/** The failure message of one outcome, or undefined when the record was processed. */
function outcomeError(outcome: RecordOutcome): string | undefined {
  if (outcome === true || outcome === null || outcome === undefined) return undefined;
  return typeof outcome === 'string' ? outcome : errorMessage(outcome);
}

/** A valid record waiting for the bulk call, with what `beforeProcess` made of it. */
interface Ready {
  readonly valid: ProcessedRecord;
  readonly input: ProcessedRecord['parsed'];
  readonly context: HookContext;
}

/**
 * Bulk mode (an addition: `{ processBatch }` instead of a record processor). Steps 1–11 run per
 * record, in order, as in record mode; then ONE `processBatch` call gets every valid record's
 * processor input (retried as a whole when it throws); then each record is written and reported
 * in index order, with `afterProcess` per processed record. With `continueOnError: false` the
 * first rejected record stops the batch before the call, and the valid records before it stay
 * pending.
 */
export async function processRecordsInBulk(
  run: BatchRun,
  records: readonly ProcessedRecord[],
  bulk: BulkProcessor,
  prechecked?: Prechecked,
): Promise<BatchCounts> {
  let failedCount = 0;
  const ready: Ready[] = [];
  for (const [position, record] of records.entries()) {
    if (run.signal.aborted) return { processedCount: 0, failedCount, stopped: false };
    const context = contextFor(run, record.index);
    const step = prechecked?.checked[position] ?? (await checkRecord(run, record, context));
    if (step.kind === 'skip') continue;
    let rejected: { record: ProcessedRecord; error: string } | undefined;
    if (step.kind === 'failed') rejected = step;
    else {
      const decision = await decideRecord(
        run,
        record,
        step,
        context,
        prechecked?.uniqueness.get(position),
      );
      if (decision.kind === 'rejected') rejected = decision;
      else {
        let input = decision.record.parsed;
        try {
          if (run.hooks.beforeProcess) input = await run.hooks.beforeProcess(input, context);
          ready.push({ valid: decision.record, input, context });
        } catch (error) {
          const message = `beforeProcess hook failed: ${errorMessage(error)}`;
          rejected = { record: markRecordFailed(record, message), error: message };
        }
      }
    }
    if (rejected) {
      await recordFailed(run, rejected.record, rejected.error);
      failedCount += 1;
      if (!run.config.continueOnError) return { processedCount: 0, failedCount, stopped: true };
    }
  }
  if (ready.length === 0 || run.signal.aborted) {
    return { processedCount: 0, failedCount, stopped: false };
  }

  let outcomes: readonly RecordOutcome[] | undefined;
  const attempt = await runWithRetries(
    async () => {
      const returned = await bulk.processBatch(
        ready.map((r) => r.input),
        {
          jobId: run.jobId,
          batchId: run.batchId,
          batchIndex: run.batchIndex,
          recordIndexes: ready.map((r) => r.valid.index),
          totalRecords: run.totalRecords,
          signal: run.signal,
        },
      );
      outcomes = returned ?? undefined;
    },
    {
      maxRetries: run.config.maxRetries,
      retryDelayMs: run.config.retryDelayMs,
      signal: run.signal,
      onRetry: (n, _delayMs, error) => {
        for (const r of ready) emitRetried(run, r.valid.index, n, errorMessage(error));
      },
    },
  );
  const callError = attempt.ok
    ? outcomes !== undefined && outcomes.length !== ready.length
      ? `processBatch returned ${outcomes.length} outcomes for ${ready.length} records; it must return one per record, in order`
      : undefined
    : attempt.message;

  let processedCount = 0;
  let stopped = false;
  for (const [k, { valid, input, context }] of ready.entries()) {
    const failure = callError ?? outcomeError(outcomes?.[k]);
    if (failure !== undefined) {
      const failed = { ...markRecordFailed(valid, failure), retryCount: attempt.attempts - 1 };
      await recordFailed(run, failed, failure);
      failedCount += 1;
      stopped ||= !run.config.continueOnError;
      continue;
    }
    const processed: ProcessedRecord = {
      ...valid,
      parsed: input,
      status: 'processed',
      retryCount: attempt.attempts - 1,
    };
    await recordProcessed(run, processed);
    processedCount += 1;
    if (!run.hooks.afterProcess) continue;
    try {
      await run.hooks.afterProcess(processed, context);
    } catch (error) {
      const message = errorMessage(error);
      await recordFailed(
        run,
        markRecordFailed(processed, `afterProcess hook failed: ${message}`),
        message,
      );
      processedCount -= 1;
      failedCount += 1;
      stopped ||= !run.config.continueOnError;
    }
  }
  return { processedCount, failedCount, stopped };
}
