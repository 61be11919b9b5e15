import {
  JobNotFoundError,
  readJobProgress,
  type BatchInFlight,
  type DistributedJobStatus,
  type DistributedStateStore,
  type JobProgress,
  type JobStatus,
  type JobSummary,
} from '@batchactions/core';
import { activeWorkerCount, jobPhase, type JobPhase } from './job-phase';

/** Where the prepare of a job stands, while it has not finished. */
export interface PrepareState {
  /**
   * `running`: the prepare's heartbeat is recent; `abandoned`: it is older than
   * `prepareTimeoutMs` (the preparing process died: `resumePrepare` goes on from the last stored
   * batch, or purge the job); `stopped`: it stopped cleanly before the end (deadline, stop
   * signal) and waits for `resumePrepare`.
   */
  readonly state: 'running' | 'abandoned' | 'stopped';
  /** Milliseconds since its last heartbeat, by the store's clock (absent when `stopped`). */
  readonly heartbeatAgeMs?: number;
  /**
   * True when the prepare opened the job early: workers claim its batches while it streams, and
   * the job's `totalRecords` is the count stored so far until it ends.
   */
  readonly openEarly: boolean;
}

/** Where a job stands: what `getStatus` and the CLI's `status` report. */
export interface JobStatusReport {
  readonly jobId: string;
  readonly status: JobStatus;
  /** What the job is doing: preparing, waiting for workers, processing, paused or finished. */
  readonly phase: JobPhase;
  /**
   * Distinct workers holding a batch now; present when the store has the optional
   * `listBatchesInFlight` (every store in this repository).
   */
  readonly activeWorkers?: number;
  /**
   * Record progress from the store's `getJobProgress` (its `getProgress` when it has none); while the job is being prepared `totalRecords`
   * counts the records stored so far. Its `elapsedMs` and `estimatedRemainingMs` count from when
   * `prepare` started the job, the time before any worker claimed a batch included.
   */
  readonly progress: JobProgress;
  readonly batches: DistributedJobStatus;
  /**
   * The batches workers hold now, with worker, attempt and heartbeat age; present when the
   * store has the optional `listBatchesInFlight` (every store in this repository).
   */
  readonly inFlight?: readonly BatchInFlight[];
  /**
   * Present while the job is being prepared (stores with prepare liveness): whether the prepare
   * is alive, with its heartbeat's age.
   */
  readonly prepare?: PrepareState;
  /** The summary stored when the job was finalised (stores with `claimJobCompletion`). */
  readonly summary?: JobSummary;
}

/** Options of {@link readJobStatus}. */
export interface ReadJobStatusOptions {
  /** A prepare heartbeat older than this reports the prepare `abandoned`. Default `30000` ms. */
  readonly prepareTimeoutMs?: number;
}

/**
 * Reads a job's status, record progress, batch counts and batches in flight from the store
 * (any process). Rejects with `JobNotFoundError` for an unknown job.
 */
export async function readJobStatus(
  store: DistributedStateStore,
  jobId: string,
  options: ReadJobStatusOptions = {},
): Promise<JobStatusReport> {
  let status: JobStatus | null;
  let prepare: PrepareState | undefined;
  let summary: JobSummary | undefined;
  if (store.getJobDetails) {
    const details = await store.getJobDetails(jobId);
    status = details?.status ?? null;
    summary = details?.summary;
    const age = details?.prepareHeartbeatAgeMs;
    const openEarly = details?.openEarly === true;
    if (details?.prepareStopped === true) {
      prepare = { state: 'stopped', openEarly };
    } else if (age !== undefined) {
      const timeout = options.prepareTimeoutMs ?? 30_000;
      prepare = { state: age > timeout ? 'abandoned' : 'running', heartbeatAgeMs: age, openEarly };
    }
  } else {
    status = store.getJobStatus
      ? await store.getJobStatus(jobId)
      : ((await store.getJobState(jobId))?.status ?? null);
  }
  if (status === null) throw new JobNotFoundError(jobId);
  const [progress, batches, inFlight] = await Promise.all([
    readJobProgress(store, jobId),
    store.getDistributedStatus(jobId),
    store.listBatchesInFlight?.(jobId),
  ]);
  const activeWorkers = activeWorkerCount(inFlight);
  return {
    jobId,
    status,
    phase: jobPhase({
      status,
      batches,
      ...(inFlight ? { inFlight } : {}),
      ...(prepare ? { prepare } : {}),
    }),
    ...(activeWorkers === undefined ? {} : { activeWorkers }),
    progress,
    batches,
    ...(inFlight ? { inFlight } : {}),
    ...(prepare ? { prepare } : {}),
    ...(summary ? { summary } : {}),
  };
}
