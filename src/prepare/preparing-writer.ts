import {
  isTerminalJobStatus,
  JobNotFoundError,
  JobNotPreparingError,
  JobStatus,
  type Batch,
  type DistributedStateStore,
} from '@batchactions/core';
import {
  currentStatus,
  markFailed,
  PipelinedWrites,
  PREPARE_WRITES_IN_FLIGHT,
  withPendingErrors,
  type BatchWriter,
  type NewJob,
} from './batch-writers';
import { saveNewJob } from './job-identity';
import { PrepareHeartbeat, type PreparingStore, type ResumingStore } from './prepare-heartbeat';
import {
  PreparedBatchesMissingError,
  PrepareInterruptedError,
  PrepareOwnershipLostError,
  PrepareResumableError,
} from './prepare-errors';

/** How `prepare` keeps its job alive and notices a cancel (stores with prepare liveness). */
export interface PrepareLiveness {
  /** How often the prepare heartbeat is renewed. */
  readonly heartbeatIntervalMs: number;
  /** Aborted by `cancel` or `purge` of the job in this process: prepare stops at once. */
  readonly signal?: AbortSignal;
  /** Receives failed heartbeats (retried on the next tick). */
  readonly onBackgroundError: (error: unknown) => void;
}

/** How this prepare run writes (stores that resume prepares: `run` is set). */
export interface PreparingRun {
  /**
   * The prepare run's id, on stores that resume prepares: it owns the job's prepare, and its
   * batch writes, heartbeats and end are refused once another run took the prepare over.
   */
  readonly run?: string;
  /** `'new'`: saves the job first; `'resume'`: the run took over an existing job's prepare. */
  readonly mode: 'new' | 'resume';
  /** Open the job to workers at once (`openEarly`). */
  readonly openEarly: boolean;
  /**
   * The caller chose the job's id (`jobId`): a new job is created only if no job has it, else
   * `begin` throws `JobAlreadyExists` having written nothing.
   */
  readonly keyed?: boolean;
}

/**
 * The staleness bound of the takeover by which a new run acquires the job it has just saved.
 * The job has no owner yet (nobody else knows its id), so the bound only matters if another run
 * took it in between, and then the job is that run's: an hour never passes for a live one.
 */
const NEW_JOB_TAKEOVER_STALE_MS = 3_600_000;

/** A store that fails a prepare only while the failing run owns it. */
type FailingStore = DistributedStateStore & Required<Pick<DistributedStateStore, 'failPrepare'>>;

/**
 * A store that keeps prepare liveness (ours) gets the conditional sequence: the job is saved
 * CREATED and marked as being prepared, a heartbeat renews that mark while the source streams,
 * each batch is registered only while the job is still being prepared (a cancel or a purge stops
 * the prepare at its next batch or heartbeat), `finishPrepare` opens the job only if nobody
 * cancelled it, and a failure marks it FAILED only if it is still being prepared (a purged job
 * is never re-created).
 *
 * On stores that resume prepares, every call names this run, which owns the job's prepare from
 * the takeover that follows the job's save (or that `resumePrepare` made) until it ends it. A
 * run that lost the prepare (taken over: it was thought dead; stopped; its heartbeat refused)
 * writes nothing more, never changes the job's status (a failure goes through `failPrepare`,
 * which checks the owner in the same step) and ends with `PrepareOwnershipLostError`. Each batch
 * is stored with the source cursor after its last record; early open moves the job to
 * PROCESSING right after it is saved; `stop` gives the prepare up cleanly for a later
 * `resumePrepare`, and `release` does the same when an interruption (a store or source error)
 * stops the prepare.
 */
export function preparingWriter(
  store: PreparingStore,
  job: NewJob,
  options: PrepareLiveness,
  how: PreparingRun,
): BatchWriter {
  const jobId = job.id;
  const { run } = how;
  const resuming = store as ResumingStore;
  const writes = new PipelinedWrites(PREPARE_WRITES_IN_FLIGHT);
  let heartbeat: PrepareHeartbeat | undefined;
  const stopHeartbeat = async (): Promise<void> => {
    await heartbeat?.stop();
  };
  /** Why the prepare cannot go on: cancelled, purged, or (a run) its prepare is not its own. */
  const interrupted = async (cause?: unknown): Promise<PrepareInterruptedError> => {
    const status = await currentStatus(store, jobId);
    const withCause = cause === undefined ? undefined : { cause };
    // Purged, cancelled or ended (a failure threshold on a job opened early): not a lost owner.
    if (run === undefined || status === null || isTerminalJobStatus(status)) {
      return new PrepareInterruptedError(jobId, status, withCause);
    }
    return new PrepareOwnershipLostError(jobId, status, run, withCause);
  };
  const checkedWrite = async (batch: Batch, cursor: string | undefined): Promise<void> => {
    try {
      if (run === undefined) await store.registerBatch(jobId, batch);
      else await store.registerBatch(jobId, batch, { prepareRun: run, sourceCursor: cursor });
    } catch (error) {
      if (error instanceof JobNotPreparingError || error instanceof JobNotFoundError) {
        throw await interrupted();
      }
      throw error;
    }
  };
  const beat = (): Promise<boolean> =>
    run === undefined ? store.heartbeatPrepare(jobId) : store.heartbeatPrepare(jobId, run);
  /** A run acquires the job it has just saved by taking its (ownerless) prepare over. */
  const acquire = async (): Promise<boolean> =>
    run === undefined
      ? store.heartbeatPrepare(jobId)
      : (await resuming.takeOverPrepare(jobId, run, NEW_JOB_TAKEOVER_STALE_MS)).taken;
  return {
    closedUntilOpen: true,
    async begin() {
      if (how.mode === 'new') {
        await saveNewJob(
          store,
          { ...job, status: JobStatus.CREATED, batches: [], totalRecords: 0 },
          how.keyed === true,
        );
        if (!(await acquire())) throw await interrupted();
      } else if (!(await beat())) {
        throw await interrupted();
      }
      if (how.openEarly) {
        const status = await resuming.openEarly(jobId, Date.now());
        if (status !== JobStatus.PROCESSING && status !== JobStatus.PAUSED) {
          throw new PrepareInterruptedError(jobId, status);
        }
      }
      heartbeat = new PrepareHeartbeat(
        beat,
        options.heartbeatIntervalMs,
        () => undefined,
        options.onBackgroundError,
      );
    },
    write: (batch, records, cursor) =>
      writes.start(() => checkedWrite({ ...batch, records }, cursor)),
    drain: () => writes.settle(),
    stopRequested: () => heartbeat?.stopped === true || options.signal?.aborted === true,
    interrupted: () => interrupted(),
    ...(run === undefined
      ? {}
      : {
          async verify(totalBatches: number) {
            const held = new Set(
              (await resuming.listPreparedBatches(jobId)).map((batch) => batch.batchIndex),
            );
            const missing: number[] = [];
            for (let index = 0; index < totalBatches; index += 1) {
              if (!held.has(index)) missing.push(index);
            }
            if (missing.length > 0) {
              throw new PreparedBatchesMissingError(jobId, missing, totalBatches);
            }
          },
        }),
    async open(_batches, totalRecords) {
      await stopHeartbeat();
      const status =
        run === undefined
          ? await store.finishPrepare(jobId, totalRecords, Date.now())
          : await store.finishPrepare(jobId, totalRecords, Date.now(), run);
      if (status !== JobStatus.PROCESSING && status !== JobStatus.PAUSED) {
        throw run === undefined ? new PrepareInterruptedError(jobId, status) : await interrupted();
      }
      return status;
    },
    async fail(error) {
      await stopHeartbeat();
      if (error instanceof PrepareInterruptedError) {
        // Cancelled, purged or taken over by another run: the job is not this run's to mark.
        return markFailed(jobId, error, writes, () => Promise.resolve());
      }
      if (run === undefined) {
        // A job opened early is PROCESSING while it is being prepared.
        const from = how.openEarly
          ? [JobStatus.CREATED, JobStatus.PAUSED, JobStatus.PROCESSING]
          : [JobStatus.CREATED, JobStatus.PAUSED];
        return markFailed(jobId, error, writes, () =>
          store.updateJobStatus(jobId, from, JobStatus.FAILED),
        );
      }
      const failure = await withPendingErrors(jobId, error, writes);
      let owned: boolean;
      try {
        // Without an owner-checked failure, the job is left stopped rather than given a status
        // by a run that may have lost it.
        owned =
          typeof resuming.failPrepare === 'function'
            ? await (resuming as FailingStore).failPrepare(jobId, run)
            : await resuming.stopPrepare(jobId, run);
      } catch (markError) {
        throw new AggregateError(
          [failure, markError],
          `prepare of job ${jobId} failed, and marking the job FAILED failed too`,
        );
      }
      if (!owned) throw await interrupted(failure);
      throw failure;
    },
    ...(run === undefined
      ? {}
      : {
          async stop() {
            await writes.settle();
            await stopHeartbeat();
            if (!(await resuming.stopPrepare(jobId, run))) throw await interrupted();
          },
          async release(error: unknown, afterOpen = false): Promise<never> {
            await stopHeartbeat();
            const failure = await withPendingErrors(jobId, error, writes);
            let released: boolean;
            try {
              released = await resuming.stopPrepare(jobId, run);
            } catch (stopError) {
              // The prepare stays this run's until its heartbeat is stale: a resume takes it
              // over after `takeOverAfterMs`.
              throw new PrepareResumableError(
                jobId,
                new AggregateError(
                  [failure, stopError],
                  `prepare of job ${jobId} failed, and releasing its prepare failed too ` +
                    '(a resume takes it over once its heartbeat is older than takeOverAfterMs)',
                ),
              );
            }
            if (released) throw new PrepareResumableError(jobId, failure);
            // The opening may have gone through before its answer was lost.
            if (afterOpen) throw failure;
            throw await interrupted(failure);
          },
        }),
  };
}
