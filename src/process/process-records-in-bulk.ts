import {
  commitFailure,
  decideRecord,
  processorFailure,
  settleProcessed,
  type BulkProcessor,
  type HookContext,
  type ProcessedRecord,
  type ReadyRecord,
  type RecordOutcome,
  errorMessage,
  runWithRetries,
} from '@batchactions/core';
import { contextFor, type BatchRun } from './batch-run';
import type { BatchCounts, Prechecked } from './process-records';
import { emitRetried } from './record-outcomes';
import {
  SKIP,
  addDuplicateFindings,
  distributedPipeline,
  isPendingFailure,
  validateStored,
} from './record-steps';

/** The failure message of one outcome, or undefined when the record was processed. */
function outcomeError(outcome: RecordOutcome): string | undefined {
  if (outcome === true || outcome === null || outcome === undefined) return undefined;
  return typeof outcome === 'string' ? outcome : errorMessage(outcome);
}

/** A valid record waiting for the bulk call, with what `beforeProcess` made of it. */
interface Waiting {
  readonly ready: ReadyRecord;
  readonly context: HookContext;
}

/**
 * Bulk mode (an addition: `{ processBatch }` instead of a record processor). Steps 1–11 run per
 * record, in order, on core's shared stages as in record mode; then ONE `processBatch` call gets
 * every valid record's processor input (retried as a whole when it throws); then each record is
 * written and reported in index order, with `afterProcess` per processed record. With
 * `continueOnError: false` the first rejected record stops the batch before the call, and the
 * valid records before it stay pending.
 */
export async function processRecordsInBulk(
  run: BatchRun,
  records: readonly ProcessedRecord[],
  bulk: BulkProcessor,
  prechecked?: Prechecked,
): Promise<BatchCounts> {
  const pipeline = distributedPipeline(run);
  let failedCount = 0;
  const waiting: Waiting[] = [];
  for (const [position, record] of records.entries()) {
    if (run.signal.aborted) return { processedCount: 0, failedCount, stopped: false };
    const context = contextFor(run, record.index);
    const validated =
      prechecked?.checked[position] ?? (await validateStored(run, pipeline, record, context));
    if (validated === SKIP) continue;
    const outcome = isPendingFailure(validated)
      ? validated
      : await decideRecord(
          pipeline,
          context,
          record,
          await addDuplicateFindings(run, validated, context, prechecked?.uniqueness.get(position)),
        );
    if (!isPendingFailure(outcome)) {
      waiting.push({ ready: outcome, context });
      continue;
    }
    await commitFailure(pipeline, context, outcome);
    failedCount += 1;
    if (!run.config.continueOnError) return { processedCount: 0, failedCount, stopped: true };
  }
  if (waiting.length === 0 || run.signal.aborted) {
    return { processedCount: 0, failedCount, stopped: false };
  }

  let outcomes: readonly RecordOutcome[] | undefined;
  const attempt = await runWithRetries(
    async () => {
      const returned = await bulk.processBatch(
        waiting.map((w) => w.ready.input),
        {
          jobId: run.jobId,
          batchId: run.batchId,
          batchIndex: run.batchIndex,
          recordIndexes: waiting.map((w) => w.ready.valid.index),
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
        for (const w of waiting) emitRetried(run, w.ready.valid.index, n, errorMessage(error));
      },
    },
  );
  const callError = attempt.ok
    ? outcomes !== undefined && outcomes.length !== waiting.length
      ? `processBatch returned ${outcomes.length} outcomes for ${waiting.length} records; it must return one per record, in order`
      : undefined
    : attempt.message;

  let processedCount = 0;
  let stopped = false;
  const retryCount = attempt.attempts - 1;
  for (const [k, { ready, context }] of waiting.entries()) {
    const failure = callError ?? outcomeError(outcomes?.[k]);
    const result =
      failure === undefined
        ? await settleProcessed(pipeline, context, ready, retryCount)
        : await commitFailure(pipeline, context, processorFailure(ready, failure, retryCount));
    if (result.status === 'processed') processedCount += 1;
    else {
      failedCount += 1;
      stopped ||= !run.config.continueOnError;
    }
  }
  return { processedCount, failedCount, stopped };
}
