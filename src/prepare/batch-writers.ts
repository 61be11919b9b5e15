import {
  JobStatus,
  type Batch,
  type DistributedStateStore,
  type JobState,
  type ProcessedRecord,
} from '@batchactions/core';
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
  fail(error: unknown, totalRecords: number): Promise<never>;
  /**
   * Present on writers that can stop before the end and be resumed: waits for the writes in
   * flight, then gives the prepare up cleanly (the job waits for `resumePrepare`).
   */
  stop?(): Promise<void>;
}

/** The job fields every writer saves: id, configuration, `distributed: true`. */
export type NewJob = Omit<JobState, 'status' | 'batches' | 'totalRecords'>;

/**
 * A store with only the published port gets exactly the published calls: one awaited
 * `saveBatchRecords` per batch (the next batch is read only after it resolved), then the single
 * `saveJobState` below. On failure nothing more is written (the published behaviour).
 */
export function publishedWriter(store: DistributedStateStore, job: NewJob): BatchWriter {
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

/** Marks a half-prepared job FAILED, unless it moved on (cancelled, purged: then nothing). */
export async function markFailed(
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
export function registeringWriter(
  store: DistributedStateStore & Required<Pick<DistributedStateStore, 'registerBatch'>>,
  job: NewJob,
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

/** The job's status now, `null` when it is gone. */
export async function currentStatus(
  store: DistributedStateStore,
  jobId: string,
): Promise<JobStatus | null> {
  if (store.getJobStatus) return store.getJobStatus(jobId);
  return (await store.getJobState(jobId))?.status ?? null;
}
