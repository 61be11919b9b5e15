import {
  UnsupportedByStoreError,
  type DistributedStateStore,
  type JobListEntry,
  type JobStatus,
} from '@batchactions/core';
import { activeWorkerCount, jobPhase, type JobPhase } from '../control/job-phase';
import type { PrepareState } from '../control/job-status';
import type { ThroughputHistory } from './throughput-history';

/** One row of the jobs page. */
export interface JobRow {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly phase: JobPhase;
  readonly totalRecords: number;
  readonly processedRecords: number;
  readonly failedRecords: number;
  readonly totalBatches: number;
  readonly completedBatches: number;
  readonly failedBatches: number;
  /** Records per second over the last 30 s, once work was seen. */
  readonly recordsPerSecond?: number;
  /** Time left at that rate. */
  readonly etaMs?: number;
  /** Since the job was stored (or opened, on stores that do not record it). */
  readonly ageMs?: number;
  /** Distinct workers holding a batch now (read for jobs with batches in flight). */
  readonly workers: number;
  readonly prepare?: PrepareState;
}

/** What the jobs page asks for. */
export interface JobsQuery {
  readonly statuses: readonly JobStatus[];
  /** Part of the job id, case-insensitive. */
  readonly search: string;
  readonly limit: number;
}

function prepareOf(entry: JobListEntry, prepareTimeoutMs: number): PrepareState | undefined {
  const openEarly = entry.openEarly === true;
  if (entry.prepareStopped === true) return { state: 'stopped', openEarly };
  const age = entry.prepareHeartbeatAgeMs;
  if (age === undefined) return undefined;
  return {
    state: age > prepareTimeoutMs ? 'abandoned' : 'running',
    heartbeatAgeMs: age,
    openEarly,
  };
}

/**
 * The jobs page: one `listJobs` query, plus `listBatchesInFlight` for the jobs that have batches
 * in flight (to count their workers). Newest first, as `listJobs` orders them.
 */
export async function readJobRows(
  store: DistributedStateStore,
  query: JobsQuery,
  history: ThroughputHistory,
  now: number,
): Promise<JobRow[]> {
  if (!store.listJobs) throw new UnsupportedByStoreError('the jobs page', 'listJobs');
  const search = query.search.toLowerCase();
  // Without a search the store applies the limit; a search looks through every job's id.
  const listed = await store.listJobs({
    ...(query.statuses.length > 0 ? { statuses: query.statuses } : {}),
    ...(search === '' ? { limit: query.limit } : {}),
  });
  const entries = listed
    .filter((entry) => search === '' || entry.jobId.toLowerCase().includes(search))
    .slice(0, query.limit);
  return Promise.all(
    entries.map(async (entry) => {
      const inFlight =
        entry.processingBatches > 0 ? await store.listBatchesInFlight?.(entry.jobId) : [];
      const prepare = prepareOf(entry, 30_000);
      const phase = jobPhase({
        status: entry.status,
        batches: {
          jobId: entry.jobId,
          totalBatches: entry.totalBatches,
          pendingBatches: entry.pendingBatches,
          processingBatches: entry.processingBatches,
          completedBatches: entry.completedBatches,
          failedBatches: entry.failedBatches,
          isComplete: false,
        },
        ...(inFlight ? { inFlight } : {}),
        ...(prepare ? { prepare } : {}),
      });
      const done = entry.processedRecords + entry.failedRecords;
      const rate = history.record(entry.jobId, now, done, Math.max(0, entry.totalRecords - done));
      const since = entry.createdAt ?? entry.startedAt;
      const live = phase !== 'finished' && phase !== 'paused';
      return {
        jobId: entry.jobId,
        status: entry.status,
        phase,
        totalRecords: entry.totalRecords,
        processedRecords: entry.processedRecords,
        failedRecords: entry.failedRecords,
        totalBatches: entry.totalBatches,
        completedBatches: entry.completedBatches,
        failedBatches: entry.failedBatches,
        ...(rate && live ? { recordsPerSecond: rate.recordsPerSecond } : {}),
        ...(rate?.estimatedRemainingMs !== undefined && live
          ? { etaMs: rate.estimatedRemainingMs }
          : {}),
        ...(since === undefined ? {} : { ageMs: Math.max(0, now - since) }),
        workers: activeWorkerCount(inFlight) ?? entry.processingBatches,
        ...(prepare ? { prepare } : {}),
      };
    }),
  );
}
