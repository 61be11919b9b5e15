import { JobNotFoundError, JobNotPreparingError, JobStatus, type Batch } from '@batchactions/core';
import {
  currentStatus,
  markFailed,
  PipelinedWrites,
  PREPARE_WRITES_IN_FLIGHT,
  type BatchWriter,
  type NewJob,
} from './batch-writers';
import { PrepareHeartbeat, type PreparingStore, type ResumingStore } from './prepare-heartbeat';
import { PrepareInterruptedError } from './prepare-errors';

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
}

/**
 * A store that keeps prepare liveness (ours) gets the conditional sequence: the job is saved
 * CREATED and marked as being prepared, a heartbeat renews that mark while the source streams,
 * each batch is registered only while the job is still being prepared (a cancel or a purge stops
 * the prepare at its next batch or heartbeat), `finishPrepare` opens the job only if nobody
 * cancelled it, and a failure marks it FAILED only if it is still being prepared (a purged job
 * is never re-created).
 *
 * On stores that resume prepares, every call names this run, so a run that another one took over
 * (it was thought dead) writes nothing more and stops; each batch is stored with the source
 * cursor after its last record; early open moves the job to PROCESSING right after it is saved;
 * and `stop` gives the prepare up cleanly for a later `resumePrepare`.
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
  const interrupted = async (): Promise<PrepareInterruptedError> =>
    new PrepareInterruptedError(jobId, await currentStatus(store, jobId));
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
  return {
    async begin() {
      if (how.mode === 'new') {
        await store.saveJobState({
          ...job,
          status: JobStatus.CREATED,
          batches: [],
          totalRecords: 0,
        });
      }
      if (!(await beat())) throw await interrupted();
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
    interrupted,
    async open(_batches, totalRecords) {
      await stopHeartbeat();
      const status =
        run === undefined
          ? await store.finishPrepare(jobId, totalRecords, Date.now())
          : await store.finishPrepare(jobId, totalRecords, Date.now(), run);
      if (status !== JobStatus.PROCESSING && status !== JobStatus.PAUSED) {
        throw new PrepareInterruptedError(jobId, status);
      }
      return status;
    },
    async fail(error) {
      await stopHeartbeat();
      if (error instanceof PrepareInterruptedError) {
        // Cancelled, purged or taken over by another run: the job is not this run's to mark.
        return markFailed(jobId, error, writes, () => Promise.resolve());
      }
      // A job opened early is PROCESSING while it is being prepared.
      const from = how.openEarly
        ? [JobStatus.CREATED, JobStatus.PAUSED, JobStatus.PROCESSING]
        : [JobStatus.CREATED, JobStatus.PAUSED];
      return markFailed(jobId, error, writes, () =>
        store.updateJobStatus(jobId, from, JobStatus.FAILED),
      );
    },
    ...(run === undefined
      ? {}
      : {
          async stop() {
            await writes.settle();
            await stopHeartbeat();
            if (!(await resuming.stopPrepare(jobId, run))) throw await interrupted();
          },
        }),
  };
}
