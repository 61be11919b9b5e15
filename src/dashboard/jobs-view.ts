import {
  checkJobListFilter,
  matchesJobSearch,
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
  /** The file the job was prepared from, when the store recorded it. */
  readonly sourceName?: string;
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
  /** Part of the job id or of its source name, case-insensitive. */
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
 * The jobs matching `query`, newest first: the store filters by status and search (before its
 * batches are joined and counted, so a search costs the matching jobs only) and applies the
 * limit. A store whose `listJobs` predates `search` returns jobs that do not match: they are
 * then read again without the limit and filtered here.
 */
async function listMatchingJobs(
  store: DistributedStateStore & Required<Pick<DistributedStateStore, 'listJobs'>>,
  query: JobsQuery,
): Promise<readonly JobListEntry[]> {
  const statuses = query.statuses.length > 0 ? { statuses: query.statuses } : {};
  const search = query.search === '' ? {} : { search: query.search };
  const listed = await store.listJobs({ ...statuses, ...search, limit: query.limit });
  const { search: lowered } = checkJobListFilter(search);
  if (listed.every((entry) => matchesJobSearch(entry, lowered))) return listed;
  const all = await store.listJobs(statuses);
  return all.filter((entry) => matchesJobSearch(entry, lowered)).slice(0, query.limit);
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
  const entries = await listMatchingJobs(
    store as DistributedStateStore & Required<Pick<DistributedStateStore, 'listJobs'>>,
    query,
  );
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
        ...(entry.sourceName === undefined ? {} : { sourceName: entry.sourceName }),
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
