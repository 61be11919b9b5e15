import { setTimeout as sleep } from 'node:timers/promises';
import {
  JobNotFoundError,
  readJobProgress,
  type BatchInFlight,
  type DistributedJobStatus,
  type DistributedStateStore,
  type JobLimitsState,
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
  /**
   * Epoch ms, by the store's clock, when the job was first stored: when its prepare started.
   * Present on stores that record it (`JobDetails.createdAt`).
   */
  readonly createdAt?: number;
  /** Epoch ms when the job ended (`JobDetails.completedAt`), on stores with `getJobDetails`. */
  readonly completedAt?: number;
  /**
   * The job-wide limits (issue 27) and where its rate stands: `effectiveRecords` is the rate in
   * force (lower than `rateLimit.records` for a while after a `ctx.throttle`). Present when the
   * job has limits, on stores with job-wide limits (every store in this repository).
   */
  readonly limits?: JobLimitsState;
}

/** Options of {@link readJobStatus}. */
export interface ReadJobStatusOptions {
  /** A prepare heartbeat older than this reports the prepare `abandoned`. Default `30000` ms. */
  readonly prepareTimeoutMs?: number;
  /**
   * When a reading finds batches pending and none held (phase `waiting-for-workers`), look
   * again after this many milliseconds before saying so: workers between two batches hold none
   * for a moment. The second reading is reported; it says `processing` when a worker holds a
   * batch then, or when batches were finished in between. Default `0`: one reading, as before.
   */
  readonly idleCheckMs?: number;
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
  let times: { createdAt?: number; completedAt?: number } = {};
  if (store.getJobDetails) {
    const details = await store.getJobDetails(jobId);
    status = details?.status ?? null;
    summary = details?.summary;
    times = {
      ...(details?.createdAt === undefined ? {} : { createdAt: details.createdAt }),
      ...(details?.completedAt === undefined ? {} : { completedAt: details.completedAt }),
    };
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
  const limitsRead = store.getJobLimits?.(jobId);
  const read = () =>
    Promise.all([
      readJobProgress(store, jobId),
      store.getDistributedStatus(jobId),
      store.listBatchesInFlight?.(jobId),
    ]);
  const phaseOf = (reading: Awaited<ReturnType<typeof read>>): JobPhase =>
    jobPhase({
      status,
      batches: reading[1],
      ...(reading[2] ? { inFlight: reading[2] } : {}),
      ...(prepare ? { prepare } : {}),
    });
  let reading = await read();
  let phase = phaseOf(reading);
  const idleCheckMs = options.idleCheckMs ?? 0;
  if (phase === 'waiting-for-workers' && idleCheckMs > 0) {
    // Workers between two batches hold none for a moment: look again before saying idle.
    const done = (r: typeof reading) => r[1].completedBatches + r[1].failedBatches;
    await sleep(idleCheckMs);
    const again = await read();
    const moved = done(again) !== done(reading);
    reading = again;
    phase = phaseOf(again);
    if (phase === 'waiting-for-workers' && moved) phase = 'processing';
  }
  const [progress, batches, inFlight] = reading;
  const limits = await limitsRead;
  const hasLimits = limits !== null && limits !== undefined && Object.keys(limits).length > 0;
  const activeWorkers = activeWorkerCount(inFlight);
  return {
    jobId,
    status,
    phase,
    ...(activeWorkers === undefined ? {} : { activeWorkers }),
    progress,
    batches,
    ...(inFlight ? { inFlight } : {}),
    ...(prepare ? { prepare } : {}),
    ...(summary ? { summary } : {}),
    ...times,
    ...(hasLimits ? { limits } : {}),
  };
}
