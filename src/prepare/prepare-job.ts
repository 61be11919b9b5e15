import { randomUUID } from 'node:crypto';
import {
  EventBus,
  JobNotFoundError,
  JobNotPreparingError,
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
import { keepsPrepareLiveness, PrepareHeartbeat, type PreparingStore } from './prepare-heartbeat';
import { PrepareInterruptedError, withJobId } from './prepare-errors';

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
  readonly liveness: PrepareLiveness;
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
  /** True when the prepare must stop now (its job was cancelled or purged); checked per record. */
  stopRequested(): boolean;
  /** The error to stop with once `stopRequested()` said so. */
  interrupted(): Promise<unknown>;
  /** Opens the job to workers. */
  open(batches: Batch[], totalRecords: number): Promise<void>;
  fail(error: unknown, totalRecords: number): Promise<never>;
}

/**
 * A store with only the published port gets exactly the published calls: one awaited
 * `saveBatchRecords` per batch (the next batch is read only after it resolved), then the single
 * `saveJobState` below. On failure nothing more is written (the published behaviour).
 */
function publishedWriter(
  store: DistributedStateStore,
  job: Omit<JobState, 'status' | 'batches' | 'totalRecords'>,
): BatchWriter {
  return {
    begin: () => Promise.resolve(),
    write: (batch, records) => store.saveBatchRecords(job.id, batch.id, records),
    drain: () => Promise.resolve(),
    stopRequested: () => false,
    interrupted: () => Promise.resolve(undefined),
    open: (batches, totalRecords) => openWithSave(store, job, batches, totalRecords),
    fail: (error) => {
      throw error;
    },
  };
}

/** The published final step: one `saveJobState` PROCESSING with every batch listed. */
function openWithSave(
  store: DistributedStateStore,
  job: Omit<JobState, 'status' | 'batches' | 'totalRecords'>,
  batches: Batch[],
  totalRecords: number,
): Promise<void> {
  return store.saveJobState({
    ...job,
    status: JobStatus.PROCESSING,
    batches,
    totalRecords,
    startedAt: Date.now(),
  });
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
 * Batch writes in flight while the next batches are parsed. Each write's outcome is kept as a
 * value (never a dangling rejection) and checked in order.
 */
class PipelinedWrites {
  private readonly inFlight: Promise<WriteOutcome>[] = [];

  constructor(private readonly capacity: number) {}

  private async settleOldest(): Promise<void> {
    const outcome = await (this.inFlight.shift() as Promise<WriteOutcome>);
    if (outcome !== WRITE_OK) throw outcome.error;
  }

  /** Waits for every write in flight; throws the first failure. */
  async settle(): Promise<void> {
    while (this.inFlight.length > 0) await this.settleOldest();
  }

  async start(write: () => Promise<void>): Promise<void> {
    while (this.inFlight.length >= this.capacity) await this.settleOldest();
    this.inFlight.push(
      write().then(
        () => WRITE_OK,
        (error: unknown) => ({ error }),
      ),
    );
  }

  /** The errors of the writes still in flight (waits for them). */
  async pendingErrors(): Promise<unknown[]> {
    const outcomes = await Promise.all(this.inFlight.splice(0));
    return outcomes.flatMap((o) => (o === WRITE_OK ? [] : [o.error]));
  }
}

/** Marks a half-prepared job FAILED, unless it moved on (cancelled, purged: then nothing). */
async function markFailed(
  jobId: string,
  error: unknown,
  writes: PipelinedWrites,
  markJob: () => Promise<unknown>,
): Promise<never> {
  // Writes refused because the job was cancelled or purged add nothing to the same news.
  const interrupted = error instanceof PrepareInterruptedError;
  const pending = (await writes.pendingErrors()).filter(
    (e) => e !== error && !(interrupted && e instanceof PrepareInterruptedError),
  );
  const failure =
    pending.length === 0
      ? error
      : new AggregateError([error, ...pending], `prepare of job ${jobId} failed`);
  try {
    await markJob();
  } catch (saveError) {
    throw new AggregateError(
      [failure, saveError],
      `prepare of job ${jobId} failed, and marking the job FAILED failed too`,
    );
  }
  throw failure;
}

/**
 * A store with `registerBatch` but without prepare liveness gets the earlier sequence: the job is
 * saved CREATED first (so a half-prepared job is visible and never claimable), each batch row and
 * its records are stored in one transaction while the next batches are parsed, and a failure
 * marks the job FAILED.
 */
function registeringWriter(
  store: DistributedStateStore & Required<Pick<DistributedStateStore, 'registerBatch'>>,
  job: Omit<JobState, 'status' | 'batches' | 'totalRecords'>,
): BatchWriter {
  const writes = new PipelinedWrites(PREPARE_WRITES_IN_FLIGHT);
  return {
    begin: () =>
      store.saveJobState({ ...job, status: JobStatus.CREATED, batches: [], totalRecords: 0 }),
    write: (batch, records) =>
      writes.start(() => store.registerBatch(job.id, { ...batch, records })),
    drain: () => writes.settle(),
    stopRequested: () => false,
    interrupted: () => Promise.resolve(undefined),
    open: (batches, totalRecords) => openWithSave(store, job, batches, totalRecords),
    fail: (error, totalRecords) =>
      markFailed(job.id, error, writes, () =>
        store.updateJobStatus
          ? store.updateJobStatus(job.id, [JobStatus.CREATED, JobStatus.PAUSED], JobStatus.FAILED)
          : store.saveJobState({
              ...job,
              status: JobStatus.FAILED,
              batches: [],
              totalRecords,
              completedAt: Date.now(),
            }),
      ),
  };
}

/**
 * A store that keeps prepare liveness (ours) gets the conditional sequence: the job is saved
 * CREATED and marked as being prepared, a heartbeat renews that mark while the source streams,
 * each batch is registered only while the job is still being prepared (a cancel or a purge stops
 * the prepare at its next batch or heartbeat), `finishPrepare` opens the job only if nobody
 * cancelled it, and a failure marks it FAILED only if it is still CREATED or PAUSED (a purged job
 * is never re-created).
 */
function preparingWriter(
  store: PreparingStore,
  job: Omit<JobState, 'status' | 'batches' | 'totalRecords'>,
  options: PrepareLiveness,
): BatchWriter {
  const jobId = job.id;
  const writes = new PipelinedWrites(PREPARE_WRITES_IN_FLIGHT);
  let heartbeat: PrepareHeartbeat | undefined;
  const stopHeartbeat = async (): Promise<void> => {
    await heartbeat?.stop();
  };
  const interrupted = async (): Promise<PrepareInterruptedError> =>
    new PrepareInterruptedError(jobId, await currentStatus(store, jobId));
  const checkedWrite = async (batch: Batch): Promise<void> => {
    try {
      await store.registerBatch(jobId, batch);
    } catch (error) {
      if (error instanceof JobNotPreparingError || error instanceof JobNotFoundError) {
        throw await interrupted();
      }
      throw error;
    }
  };
  return {
    async begin() {
      await store.saveJobState({ ...job, status: JobStatus.CREATED, batches: [], totalRecords: 0 });
      if (!(await store.heartbeatPrepare(jobId))) throw await interrupted();
      heartbeat = new PrepareHeartbeat(
        () => store.heartbeatPrepare(jobId),
        options.heartbeatIntervalMs,
        () => undefined,
        options.onBackgroundError,
      );
    },
    write: (batch, records) => writes.start(() => checkedWrite({ ...batch, records })),
    drain: () => writes.settle(),
    stopRequested: () => heartbeat?.stopped === true || options.signal?.aborted === true,
    interrupted,
    async open(_batches, totalRecords) {
      await stopHeartbeat();
      const status = await store.finishPrepare(jobId, totalRecords, Date.now());
      if (status !== JobStatus.PROCESSING && status !== JobStatus.PAUSED) {
        throw new PrepareInterruptedError(jobId, status);
      }
    },
    async fail(error) {
      await stopHeartbeat();
      return markFailed(jobId, error, writes, () =>
        store.updateJobStatus(jobId, [JobStatus.CREATED, JobStatus.PAUSED], JobStatus.FAILED),
      );
    },
  };
}

/** The job's status now, `null` when it is gone. */
async function currentStatus(
  store: DistributedStateStore,
  jobId: string,
): Promise<JobStatus | null> {
  if (store.getJobStatus) return store.getJobStatus(jobId);
  return (await store.getJobState(jobId))?.status ?? null;
}

/** How `prepare` keeps its job alive and notices a cancel (stores with prepare liveness). */
export interface PrepareLiveness {
  /** How often the prepare heartbeat is renewed. */
  readonly heartbeatIntervalMs: number;
  /** Aborted by `cancel` or `purge` of the job in this process: prepare stops at once. */
  readonly signal?: AbortSignal;
  /** Receives failed heartbeats (retried on the next tick). */
  readonly onBackgroundError: (error: unknown) => void;
}

function writerFor(
  deps: PrepareDeps,
  job: Omit<JobState, 'status' | 'batches' | 'totalRecords'>,
): BatchWriter {
  const { store } = deps;
  if (keepsPrepareLiveness(store)) return preparingWriter(store, job, deps.liveness);
  if (store.registerBatch) {
    return registeringWriter(store as Parameters<typeof registeringWriter>[0], job);
  }
  return publishedWriter(store, job);
}

/**
 * Phase 1: streams the source once, stores its records (pending, unvalidated) batch by batch,
 * then saves the job PROCESSING with every batch listed, which opens it to workers.
 */
export async function prepareJob(
  deps: PrepareDeps,
  source: DataSource,
  parser: SourceParser,
  jobId: string = randomUUID(),
): Promise<PrepareResult> {
  const { events, validator, batchSize } = deps;
  const writer = writerFor(deps, { id: jobId, config: jobConfig(deps), distributed: true });
  const batches: Batch[] = [];
  let totalRecords = 0;
  try {
    await writer.begin();
    const flush = async (records: ProcessedRecord[]): Promise<void> => {
      const batch = descriptor(randomUUID(), batches.length, records);
      batches.push(batch);
      await writer.write(batch, records);
    };
    // Numbering, empty-row skipping and batching in one loop over the parser's records.
    const skipEmpty = validator.skipEmptyRows;
    let chunk: ProcessedRecord[] = [];
    for await (const row of readRecords(source, parser)) {
      // Leaving the loop closes the source: a cancelled or purged job stops the stream at once.
      if (writer.stopRequested()) throw await writer.interrupted();
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
    if (writer.stopRequested()) throw await writer.interrupted();
  } catch (error) {
    return writer.fail(withJobId(error, jobId), totalRecords).catch((failure: unknown) => {
      throw withJobId(failure, jobId);
    });
  }

  try {
    await writer.open(batches, totalRecords);
  } catch (error) {
    throw withJobId(error, jobId);
  }
  events.emit({
    type: 'distributed:prepared',
    jobId,
    totalRecords,
    totalBatches: batches.length,
    timestamp: Date.now(),
  });
  return { jobId, totalRecords, totalBatches: batches.length };
}
