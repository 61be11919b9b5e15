import {
  JobStatus,
  type Batch,
  type DistributedStateStore,
  type JobState,
  type ProcessedRecord,
} from '@batchactions/core';
import { refuseExistingJob, saveNewJob } from './job-identity';
import { PrepareInterruptedError } from './prepare-errors';

/** Where `prepare` puts each batch, and how it opens (or abandons) the job. */
export interface BatchWriter {
  begin(): Promise<void>;
  /** Stores a batch; `cursor` is where the source stands after its last record (when known). */
  write(batch: Batch, records: ProcessedRecord[], cursor?: string): Promise<void>;
  /** Waits for writes still in flight. */
  drain(): Promise<void>;
  /** True when the prepare must stop now (its job was cancelled or purged); checked per record. */
  stopRequested(): boolean;
  /** The error to stop with once `stopRequested()` said so. */
  interrupted(): Promise<unknown>;
  /**
   * Ends the prepare: opens the job to workers (or, opened early, lets it be finalised). Returns
   * the job's status afterwards.
   */
  open(batches: Batch[], totalRecords: number): Promise<JobStatus>;
  /**
   * Checks, once every write settled, that the store holds each of the `totalBatches` batches
   * the job was prepared into (stores that resume prepares); throws
   * `PreparedBatchesMissingError` naming those it lost.
   */
  verify?(totalBatches: number): Promise<void>;
  /** Ends the prepare for good on `error`: the job is FAILED (if it is still this run's). */
  fail(error: unknown, totalRecords: number): Promise<never>;
  /**
   * True when the job exists, unclaimable and marked as being prepared until `open` (stores with
   * prepare liveness): `onOpen` is then called right before `open`, so that an `onOpen` that
   * throws leaves nothing a worker could have claimed.
   */
  readonly closedUntilOpen: boolean;
  /**
   * Present on writers that can stop before the end and be resumed: waits for the writes in
   * flight, then gives the prepare up cleanly (the job waits for `resumePrepare`).
   */
  stop?(): Promise<void>;
  /**
   * Present on writers that can stop before the end and be resumed: the prepare stops on an
   * interruption (`error`: a store or source error) and leaves the job resumable, as `stop`
   * does; rejects with `PrepareResumableError` naming how to resume (or with the error saying
   * the run lost its prepare). With `afterOpen` (the job's opening itself failed, and may have
   * happened) a refused release rejects with `error` itself.
   */
  release?(error: unknown, afterOpen?: boolean): Promise<never>;
}

/** The job fields every writer saves: id, configuration, `distributed: true`. */
export type NewJob = Omit<JobState, 'status' | 'batches' | 'totalRecords'>;

/**
 * A store with only the published port gets exactly the published calls: one awaited
 * `saveBatchRecords` per batch (the next batch is read only after it resolved), then the single
 * `saveJobState` below. On failure nothing more is written (the published behaviour).
 */
export function publishedWriter(
  store: DistributedStateStore,
  job: NewJob,
  keyed = false,
): BatchWriter {
  return {
    closedUntilOpen: false,
    // A keyed prepare (`jobId`) reads first: the job is saved only at the end.
    begin: () => (keyed ? refuseExistingJob(store, job.id) : Promise.resolve()),
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
async function openWithSave(
  store: DistributedStateStore,
  job: NewJob,
  batches: Batch[],
  totalRecords: number,
): Promise<JobStatus> {
  await store.saveJobState({
    ...job,
    status: JobStatus.PROCESSING,
    batches,
    totalRecords,
    startedAt: Date.now(),
  });
  return JobStatus.PROCESSING;
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
export class PipelinedWrites {
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

/**
 * The error a prepare ends with: `error`, joined by the errors of the writes still in flight
 * (waited for, so none of them lands after the prepare ended).
 */
export async function withPendingErrors(
  jobId: string,
  error: unknown,
  writes: PipelinedWrites,
): Promise<unknown> {
  // Writes refused because the job was cancelled or purged add nothing to the same news.
  const interrupted = error instanceof PrepareInterruptedError;
  const pending = (await writes.pendingErrors()).filter(
    (e) => e !== error && !(interrupted && e instanceof PrepareInterruptedError),
  );
  return pending.length === 0
    ? error
    : new AggregateError([error, ...pending], `prepare of job ${jobId} failed`);
}

/** Marks a half-prepared job FAILED, unless it moved on (cancelled, purged: then nothing). */
export async function markFailed(
  jobId: string,
  error: unknown,
  writes: PipelinedWrites,
  markJob: () => Promise<unknown>,
): Promise<never> {
  const failure = await withPendingErrors(jobId, error, writes);
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
export function registeringWriter(
  store: DistributedStateStore & Required<Pick<DistributedStateStore, 'registerBatch'>>,
  job: NewJob,
  keyed = false,
): BatchWriter {
  const writes = new PipelinedWrites(PREPARE_WRITES_IN_FLIGHT);
  return {
    closedUntilOpen: false,
    begin: () =>
      saveNewJob(store, { ...job, status: JobStatus.CREATED, batches: [], totalRecords: 0 }, keyed),
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

/** The job's status now, `null` when it is gone. */
export async function currentStatus(
  store: DistributedStateStore,
  jobId: string,
): Promise<JobStatus | null> {
  if (store.getJobStatus) return store.getJobStatus(jobId);
  return (await store.getJobState(jobId))?.status ?? null;
}
