import { randomUUID } from 'node:crypto';
import {
  EventBus,
  JobStatus,
  createBatch,
  createPendingRecord,
  type Batch,
  type DataSource,
  type DistributedStateStore,
  type JobConfig,
  type JobState,
  type ProcessedRecord,
} from '@batchactions/core';
import type { SchemaValidator, SourceParser } from '@batchactions/import';
import { readRecords } from './read-records';

/** What `prepare` returns. */
export interface PrepareResult {
  /** Unique job identifier. Pass it to workers. */
  readonly jobId: string;
  /** Records found in the source (empty rows skipped when the schema says so). */
  readonly totalRecords: number;
  /** Number of batches created. */
  readonly totalBatches: number;
}

interface PrepareDeps {
  readonly store: DistributedStateStore;
  readonly validator: SchemaValidator;
  readonly batchSize: number;
  readonly jobConfig: JobConfig;
  readonly events: EventBus;
}

const WRITE_OK = 'ok' as const;
type WriteOutcome = typeof WRITE_OK | { readonly error: unknown };

/** A batch without its records: what the job state lists once every batch is stored. */
function descriptor(batch: Batch): Batch {
  return { ...batch, records: [] };
}

/**
 * Phase 1: streams the source once, stores its records batch by batch, then opens the job to
 * workers. Until the final save the job is CREATED, so a half-prepared job is never claimable;
 * if the source or the parser fails, the job is marked FAILED and the error is rethrown.
 */
export async function prepareJob(
  deps: PrepareDeps,
  source: DataSource,
  parser: SourceParser,
): Promise<PrepareResult> {
  const { store, events } = deps;
  const jobId = randomUUID();
  const startedAt = Date.now();
  const base: Omit<JobState, 'status' | 'batches' | 'totalRecords'> = {
    id: jobId,
    config: deps.jobConfig,
    startedAt,
    distributed: true,
  };
  await store.saveJobState({ ...base, status: JobStatus.CREATED, batches: [], totalRecords: 0 });

  const batches: Batch[] = [];
  let skipped = 0;
  let totalRecords = 0;
  // One write in flight while the next batch is parsed, so parsing and storage overlap. The
  // write's outcome is captured as a value (not a dangling rejection) and checked before the next.
  let inFlight: Promise<WriteOutcome> = Promise.resolve(WRITE_OK);
  const settle = async (): Promise<void> => {
    const outcome = await inFlight;
    inFlight = Promise.resolve(WRITE_OK);
    if (outcome !== WRITE_OK) throw outcome.error;
  };
  try {
    const flush = async (chunk: ProcessedRecord[]): Promise<void> => {
      const batch = createBatch(randomUUID(), batches.length, chunk);
      await settle();
      inFlight = storeBatch(store, jobId, batch).then(
        () => WRITE_OK,
        (error: unknown) => ({ error }),
      );
      batches.push(descriptor(batch));
    };
    // Numbering, empty-row skipping and batching in one loop over the parser's records.
    const { validator, batchSize } = deps;
    const skipEmpty = validator.skipEmptyRows;
    let chunk: ProcessedRecord[] = [];
    for await (const row of readRecords(source, parser)) {
      if (skipEmpty && validator.isEmptyRow(row)) {
        skipped += 1;
        continue;
      }
      chunk.push(createPendingRecord(totalRecords, row));
      totalRecords += 1;
      if (chunk.length === batchSize) {
        await flush(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await flush(chunk);
    await settle();
  } catch (error) {
    const pending = await inFlight;
    const failure =
      pending === WRITE_OK
        ? error
        : new AggregateError([error, pending.error], `prepare of job ${jobId} failed`);
    await markFailed(
      store,
      { ...base, status: JobStatus.FAILED, batches: [], totalRecords },
      failure,
    );
    throw failure;
  }

  await store.saveJobState({ ...base, status: JobStatus.PROCESSING, batches, totalRecords });
  events.emit({
    type: 'distributed:prepared',
    jobId,
    timestamp: Date.now(),
    totalRecords,
    totalBatches: batches.length,
    skippedRows: skipped,
    elapsedMs: Date.now() - startedAt,
  });
  return { jobId, totalRecords, totalBatches: batches.length };
}

function storeBatch(store: DistributedStateStore, jobId: string, batch: Batch): Promise<void> {
  if (store.registerBatch) return store.registerBatch(jobId, batch);
  return store.saveBatchRecords(jobId, batch.id, batch.records);
}

async function markFailed(
  store: DistributedStateStore,
  job: JobState,
  cause: unknown,
): Promise<void> {
  try {
    await store.saveJobState({ ...job, completedAt: Date.now() });
  } catch (saveError) {
    throw new AggregateError(
      [cause, saveError],
      `prepare of job ${job.id} failed, and marking the job FAILED failed too`,
    );
  }
}
