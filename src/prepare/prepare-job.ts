import { randomUUID } from 'node:crypto';
import {
  EventBus,
  JobStatus,
  createPendingRecord,
  type Batch,
  type DataSource,
  type DistributedStateStore,
  type JobConfig,
  type JobState,
  type ProcessedRecord,
} from '@batchactions/core';
import type { SchemaDefinition, SchemaValidator, SourceParser } from '@batchactions/import';
import { readRecords } from './read-records';

/** What `prepare` returns. */
export interface PrepareResult {
  /** Unique job identifier (a random UUID). Pass it to workers. */
  readonly jobId: string;
  /** Records found in the source (empty rows excluded when `schema.skipEmptyRows` is set). */
  readonly totalRecords: number;
  /** Number of batches created. */
  readonly totalBatches: number;
}

interface PrepareDeps {
  readonly store: DistributedStateStore;
  readonly validator: SchemaValidator;
  readonly schema: SchemaDefinition;
  readonly batchSize: number;
  readonly events: EventBus;
}

/** The published job configuration: the caller's schema itself, and always `continueOnError: true`. */
function jobConfig(deps: PrepareDeps): JobConfig {
  return {
    schema: deps.schema,
    batchSize: deps.batchSize,
    continueOnError: true,
  };
}

/** The published batch descriptor: PENDING, no records, both record bounds inclusive. */
function descriptor(id: string, index: number, records: readonly ProcessedRecord[]): Batch {
  return {
    id,
    index,
    status: 'PENDING',
    records: [],
    processedCount: 0,
    failedCount: 0,
    recordStartIndex: (records[0] as ProcessedRecord).index,
    recordEndIndex: (records[records.length - 1] as ProcessedRecord).index,
  };
}

/** Where `prepare` puts each batch, and how it opens (or abandons) the job. */
interface BatchWriter {
  begin(): Promise<void>;
  write(batch: Batch, records: ProcessedRecord[]): Promise<void>;
  /** Waits for writes still in flight. */
  drain(): Promise<void>;
  fail(error: unknown, totalRecords: number): Promise<never>;
}

/**
 * A store with only the published port gets exactly the published calls: one awaited
 * `saveBatchRecords` per batch (the next batch is read only after it resolved), then the single
 * `saveJobState` below. On failure nothing more is written (the published behaviour).
 */
function publishedWriter(store: DistributedStateStore, jobId: string): BatchWriter {
  return {
    begin: () => Promise.resolve(),
    write: (batch, records) => store.saveBatchRecords(jobId, batch.id, records),
    drain: () => Promise.resolve(),
    fail: (error) => {
      throw error;
    },
  };
}

const WRITE_OK = 'ok' as const;
type WriteOutcome = typeof WRITE_OK | { readonly error: unknown };

/**
 * Batch writes `prepare` keeps in flight on a store with `registerBatch` while it parses the
 * next batch. Two let a pooled store (PostgreSQL) insert on two connections at once while this
 * process parses; a third gave no further gain on a 2-core machine.
 */
export const PREPARE_WRITES_IN_FLIGHT = 2;

/**
 * A store with `registerBatch` (ours) gets a safer sequence: the job is saved CREATED first (so a
 * half-prepared job is visible and never claimable), each batch row and its records are stored in
 * one transaction while the next batches are parsed, and a failure marks the job FAILED.
 */
function registeringWriter(
  store: DistributedStateStore & Required<Pick<DistributedStateStore, 'registerBatch'>>,
  job: Omit<JobState, 'status' | 'batches' | 'totalRecords'>,
  writesInFlight: number,
): BatchWriter {
  // Each write's outcome is kept as a value (never a dangling rejection) and checked in order.
  const inFlight: Promise<WriteOutcome>[] = [];
  const settleOldest = async (): Promise<void> => {
    const outcome = await (inFlight.shift() as Promise<WriteOutcome>);
    if (outcome !== WRITE_OK) throw outcome.error;
  };
  const settle = async (): Promise<void> => {
    while (inFlight.length > 0) await settleOldest();
  };
  return {
    begin: () =>
      store.saveJobState({ ...job, status: JobStatus.CREATED, batches: [], totalRecords: 0 }),
    async write(batch, records) {
      while (inFlight.length >= writesInFlight) await settleOldest();
      inFlight.push(
        store.registerBatch(job.id, { ...batch, records }).then(
          () => WRITE_OK,
          (error: unknown) => ({ error }),
        ),
      );
    },
    drain: settle,
    async fail(error, totalRecords) {
      const outcomes = await Promise.all(inFlight.splice(0));
      const writeErrors = outcomes.flatMap((o) => (o === WRITE_OK ? [] : [o.error]));
      const failure =
        writeErrors.length === 0
          ? error
          : new AggregateError([error, ...writeErrors], `prepare of job ${job.id} failed`);
      try {
        await store.saveJobState({
          ...job,
          status: JobStatus.FAILED,
          batches: [],
          totalRecords,
          completedAt: Date.now(),
        });
      } catch (saveError) {
        throw new AggregateError(
          [failure, saveError],
          `prepare of job ${job.id} failed, and marking the job FAILED failed too`,
        );
      }
      throw failure;
    },
  };
}

/**
 * Phase 1: streams the source once, stores its records (pending, unvalidated) batch by batch,
 * then saves the job PROCESSING with every batch listed, which opens it to workers.
 */
export async function prepareJob(
  deps: PrepareDeps,
  source: DataSource,
  parser: SourceParser,
): Promise<PrepareResult> {
  const { store, events, validator, batchSize } = deps;
  const jobId = randomUUID();
  const config = jobConfig(deps);
  const writer = store.registerBatch
    ? registeringWriter(
        store as Parameters<typeof registeringWriter>[0],
        {
          id: jobId,
          config,
          distributed: true,
        },
        PREPARE_WRITES_IN_FLIGHT,
      )
    : publishedWriter(store, jobId);

  await writer.begin();
  const batches: Batch[] = [];
  let totalRecords = 0;
  try {
    const flush = async (records: ProcessedRecord[]): Promise<void> => {
      const batch = descriptor(randomUUID(), batches.length, records);
      batches.push(batch);
      await writer.write(batch, records);
    };
    // Numbering, empty-row skipping and batching in one loop over the parser's records.
    const skipEmpty = validator.skipEmptyRows;
    let chunk: ProcessedRecord[] = [];
    for await (const row of readRecords(source, parser)) {
      if (skipEmpty && validator.isEmptyRow(row)) continue;
      chunk.push(createPendingRecord(totalRecords, row));
      totalRecords += 1;
      if (chunk.length >= batchSize) {
        await flush(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await flush(chunk);
    await writer.drain();
  } catch (error) {
    return writer.fail(error, totalRecords);
  }

  await store.saveJobState({
    id: jobId,
    config,
    status: JobStatus.PROCESSING,
    batches,
    totalRecords,
    startedAt: Date.now(),
    distributed: true,
  });
  events.emit({
    type: 'distributed:prepared',
    jobId,
    totalRecords,
    totalBatches: batches.length,
    timestamp: Date.now(),
  });
  return { jobId, totalRecords, totalBatches: batches.length };
}
