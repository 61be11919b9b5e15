import { randomUUID } from 'node:crypto';
import { RecordFailedError } from '../errors/engine-errors';
import { BatchStatus, type Batch } from '../model/batch';
import type { ProcessedRecord } from '../model/record';
import { errorMessage } from '../pipeline/error-message';
import { runRecordPipeline, type RecordPipeline } from '../pipeline/record-pipeline';
import type { ProcessingContext, RecordProcessorFn } from '../ports/processing';
import type { EngineBatchTrace, EngineRunTrace } from '../telemetry/engine-telemetry';
import type { JobContext } from './job-context';
import type { SplitBatch } from './record-stream';

/** What one run shares with each of its batches. */
export interface RunState {
  readonly signal: AbortSignal;
  /** Set when a batch failed (`continueOnError: false`): other batches stop at the next record. */
  stopping: boolean;
  /** The run's span (OpenTelemetry, issue 29): each batch opens its own under it. */
  trace?: EngineRunTrace;
}

/** How a batch ended. */
export type BatchEnd = 'completed' | 'left';

function pipelineFor(
  job: JobContext,
  counts: { processed: number; failed: number },
): RecordPipeline {
  const { stateStore, jobId } = job;
  return {
    hooks: job.hooks,
    ...(job.validate ? { validate: job.validate } : {}),
    maxRetries: job.maxRetries,
    retryDelayMs: job.retryDelayMs,
    events: job.eventBus,
    save: (batchId: string, record: ProcessedRecord) =>
      stateStore.saveProcessedRecord(jobId, batchId, record),
    count: (processed, failed) => {
      job.processedCount += processed;
      job.failedCount += failed;
      counts.processed += processed;
      counts.failed += failed;
    },
  };
}

/**
 * Runs one batch (published steps 1–10 of core 6.4): PROCESSING write, `batch:started`, each
 * record through the shared pipeline, then COMPLETED write, `batch:completed`, `job:progress` and
 * a job save. A batch left early by `abort()` (or because another batch failed) is recorded
 * `PAUSED` with no batch event, so `restore()` processes it again; the published engine marked
 * it COMPLETED. A record failure with `continueOnError: false` marks the batch `FAILED`, emits
 * `batch:failed`, and rejects with a `RecordFailedError`.
 */
export function processBatch(
  job: JobContext,
  run: RunState,
  split: SplitBatch,
  processor: RecordProcessorFn,
): Promise<BatchEnd> {
  let trace: EngineBatchTrace | undefined;
  try {
    trace = run.trace?.batch(split.batchIndex, split.records.length);
  } catch (error) {
    // An SDK that throws fails the batch as an async step would, never the dispatcher.
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  if (trace === undefined) return runBatch(job, run, split, processor, undefined);
  // The batch runs with its span active: the processor's own spans are its children.
  const traced = trace;
  return traced.run(async () => {
    try {
      return await runBatch(job, run, split, traced.timed(processor), traced);
    } catch (error) {
      // A failure before the records (the PROCESSING write); ended already otherwise.
      traced.fail(0, 0, error);
      throw error;
    }
  });
}

async function runBatch(
  job: JobContext,
  run: RunState,
  split: SplitBatch,
  processor: RecordProcessorFn,
  trace: EngineBatchTrace | undefined,
): Promise<BatchEnd> {
  const { stateStore, jobId, eventBus } = job;
  const batchId = randomUUID();
  const batch: Batch = {
    id: batchId,
    index: split.batchIndex,
    status: BatchStatus.PENDING,
    records: split.records,
    processedCount: 0,
    failedCount: 0,
  };
  job.addBatch(batch);
  job.updateBatchStatus(batchId, BatchStatus.PROCESSING);
  await stateStore.updateBatchState(jobId, batchId, {
    batchId,
    status: BatchStatus.PROCESSING,
    processedCount: 0,
    failedCount: 0,
  });
  eventBus.emit({
    type: 'batch:started',
    jobId,
    timestamp: Date.now(),
    batchId,
    batchIndex: split.batchIndex,
    recordCount: split.records.length,
  });

  const counts = { processed: 0, failed: 0 };
  const steps = pipelineFor(job, counts);
  let left = false;
  let position = 0;
  try {
    for (const record of split.records) {
      job.batchPositions.set(batchId, position++);
      await job.checkPause();
      if (run.signal.aborted || run.stopping) {
        left = true;
        break;
      }
      if (job.skipEmptyRows && job.isEmptyRow(record.raw)) continue;
      const context: ProcessingContext = {
        jobId,
        batchId,
        batchIndex: split.batchIndex,
        recordIndex: record.index,
        totalRecords: job.totalRecords,
        signal: run.signal,
      };
      const result = await runRecordPipeline(steps, context, record, processor);
      if (result.status !== 'processed' && !job.continueOnError) {
        throw new RecordFailedError(record.index, result.stopMessage, { cause: result.cause });
      }
      job.chunkRecordCount += 1;
    }
  } catch (error) {
    job.batchPositions.delete(batchId);
    try {
      await failBatch(job, batchId, split.batchIndex, counts, error);
    } finally {
      trace?.fail(counts.processed, counts.failed, error);
    }
    throw error;
  }
  job.batchPositions.delete(batchId);

  if (left) {
    job.updateBatchStatus(batchId, BatchStatus.PAUSED, counts.processed, counts.failed);
    job.setBatchRecords(batchId, []);
    await stateStore.updateBatchState(jobId, batchId, {
      batchId,
      status: BatchStatus.PAUSED,
      processedCount: counts.processed,
      failedCount: counts.failed,
    });
    trace?.end(counts.processed, counts.failed, true);
    return 'left';
  }

  job.updateBatchStatus(batchId, BatchStatus.COMPLETED, counts.processed, counts.failed);
  job.completedBatchIndices.add(split.batchIndex);
  await stateStore.updateBatchState(jobId, batchId, {
    batchId,
    status: BatchStatus.COMPLETED,
    processedCount: counts.processed,
    failedCount: counts.failed,
  });
  trace?.end(counts.processed, counts.failed, false);
  job.setBatchRecords(batchId, []);
  eventBus.emit({
    type: 'batch:completed',
    jobId,
    timestamp: Date.now(),
    batchId,
    batchIndex: split.batchIndex,
    processedCount: counts.processed,
    failedCount: counts.failed,
    totalCount: split.records.length,
  });
  eventBus.emit({
    type: 'job:progress',
    jobId,
    timestamp: Date.now(),
    progress: job.buildProgress(),
  });
  await job.saveState();
  return 'completed';
}

/**
 * The published engine left a failed batch PROCESSING with its records (and no event); it is
 * recorded FAILED, with `batch:failed` for a record failure. A store error is not written back
 * to the same store: it propagates as is.
 */
async function failBatch(
  job: JobContext,
  batchId: string,
  batchIndex: number,
  counts: { processed: number; failed: number },
  error: unknown,
): Promise<void> {
  job.updateBatchStatus(batchId, BatchStatus.FAILED, counts.processed, counts.failed);
  job.setBatchRecords(batchId, []);
  if (!(error instanceof RecordFailedError)) return;
  await job.stateStore.updateBatchState(job.jobId, batchId, {
    batchId,
    status: BatchStatus.FAILED,
    processedCount: counts.processed,
    failedCount: counts.failed,
  });
  job.eventBus.emit({
    type: 'batch:failed',
    jobId: job.jobId,
    timestamp: Date.now(),
    batchId,
    batchIndex,
    error: errorMessage(error),
  });
}
