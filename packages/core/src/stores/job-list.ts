import { InvalidOptionError } from '../errors/invalid-option-error';
import { BatchStatus } from '../model/batch';
import { JobStatus } from '../model/job';
import type { JobListEntry, JobListFilter } from '../ports/distributed-state-store';

/** A `listJobs` filter after checking: `statuses` undefined means every status. */
export interface CheckedJobListFilter {
  readonly statuses: readonly JobStatus[] | undefined;
  readonly limit: number | undefined;
  /** The search text in lower case (ASCII letters only lowered); undefined: no search. */
  readonly search?: string | undefined;
}

/** Longest `search` a `listJobs` filter accepts. */
const MAX_SEARCH_LENGTH = 1000;

/** ASCII-only lower case: what every SQL database's `lower()` agrees on. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** True when `entry` matches a checked search (its id or source name contains the text). */
export function matchesJobSearch(
  entry: { readonly jobId: string; readonly sourceName?: string },
  search: string | undefined,
): boolean {
  if (search === undefined) return true;
  return (
    asciiLower(entry.jobId).includes(search) ||
    (entry.sourceName !== undefined && asciiLower(entry.sourceName).includes(search))
  );
}

const JOB_STATUSES: readonly string[] = Object.values(JobStatus);

/**
 * Checks a `listJobs` filter for every store alike: `statuses` an array of job statuses (empty
 * means all), `limit` an integer >= 1; `undefined` fields mean "no restriction", anything else
 * (`null` included) throws `InvalidOptionError` naming the field.
 */
export function checkJobListFilter(filter: JobListFilter | undefined): CheckedJobListFilter {
  if (filter === undefined) return { statuses: undefined, limit: undefined };
  // Callers from JavaScript may pass anything.
  const given: unknown = filter;
  if (typeof given !== 'object' || given === null) {
    throw new InvalidOptionError('filter', filter, 'an object { statuses?, limit?, search? }');
  }
  const { statuses, limit, search } = filter as {
    statuses?: unknown;
    limit?: unknown;
    search?: unknown;
  };
  if (
    statuses !== undefined &&
    (!Array.isArray(statuses) ||
      statuses.some((status) => typeof status !== 'string' || !JOB_STATUSES.includes(status)))
  ) {
    throw new InvalidOptionError(
      'filter.statuses',
      statuses,
      `an array of job statuses (${JOB_STATUSES.join(', ')})`,
    );
  }
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
    throw new InvalidOptionError('filter.limit', limit, 'an integer >= 1');
  }
  if (search !== undefined && (typeof search !== 'string' || search.length > MAX_SEARCH_LENGTH)) {
    throw new InvalidOptionError(
      'filter.search',
      search,
      `a string of at most ${MAX_SEARCH_LENGTH} characters`,
    );
  }
  return {
    statuses:
      statuses === undefined || statuses.length === 0 ? undefined : (statuses as JobStatus[]),
    limit,
    ...(search === undefined || search === '' ? {} : { search: asciiLower(search) }),
  };
}

/** The order of `listJobs`: newest `startedAt` first, jobs without it last, then by id. */
export function compareJobListEntries(a: JobListEntry, b: JobListEntry): number {
  const aStarted = a.startedAt ?? Number.NEGATIVE_INFINITY;
  const bStarted = b.startedAt ?? Number.NEGATIVE_INFINITY;
  if (aStarted !== bStarted) return bStarted > aStarted ? 1 : -1;
  return a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0;
}

/** What {@link jobListEntry} needs of a job and its batches. */
export interface JobListSource {
  readonly id: string;
  readonly status: JobStatus;
  readonly totalRecords: number;
  /** Epoch ms when the job was first stored. */
  readonly createdAt?: number | undefined;
  readonly startedAt?: number | undefined;
  readonly completedAt?: number | undefined;
  readonly prepareHeartbeatAgeMs?: number | undefined;
  /** True while a prepare that opened the job early has not finished. */
  readonly openEarly?: boolean | undefined;
  /** True when the prepare stopped (`stopPrepare`) and waits to be resumed. */
  readonly prepareStopped?: boolean | undefined;
  /** The job's source name, when stored. */
  readonly sourceName?: string | null | undefined;
}

/** A `listJobs` entry from a job and its batches' statuses and counters (in-memory stores). */
export function jobListEntry(
  job: JobListSource,
  batches: readonly {
    readonly status: BatchStatus;
    readonly processedCount: number;
    readonly failedCount: number;
  }[],
): JobListEntry {
  let processedRecords = 0;
  let failedRecords = 0;
  let processingBatches = 0;
  let completedBatches = 0;
  let failedBatches = 0;
  for (const batch of batches) {
    processedRecords += batch.processedCount;
    failedRecords += batch.failedCount;
    if (batch.status === BatchStatus.PROCESSING) processingBatches += 1;
    else if (batch.status === BatchStatus.COMPLETED) completedBatches += 1;
    else if (batch.status === BatchStatus.FAILED) failedBatches += 1;
  }
  return {
    jobId: job.id,
    status: job.status,
    totalRecords: job.totalRecords,
    processedRecords,
    failedRecords,
    totalBatches: batches.length,
    pendingBatches: batches.length - processingBatches - completedBatches - failedBatches,
    processingBatches,
    completedBatches,
    failedBatches,
    ...(job.createdAt == null ? {} : { createdAt: job.createdAt }),
    ...(job.startedAt == null ? {} : { startedAt: job.startedAt }),
    ...(job.completedAt == null ? {} : { completedAt: job.completedAt }),
    ...(job.prepareHeartbeatAgeMs == null
      ? {}
      : { prepareHeartbeatAgeMs: job.prepareHeartbeatAgeMs }),
    ...prepareMarks(job.openEarly, job.prepareStopped),
    ...(job.sourceName == null ? {} : { sourceName: job.sourceName }),
  };
}

/** Filters, sorts and cuts entries as `listJobs` must (for stores that list in memory). */
export function selectJobListEntries(
  entries: readonly JobListEntry[],
  filter: CheckedJobListFilter,
): JobListEntry[] {
  const { statuses, limit, search } = filter;
  const selected = entries
    .filter((entry) => statuses === undefined || statuses.includes(entry.status))
    .filter((entry) => matchesJobSearch(entry, search))
    .sort(compareJobListEntries);
  return limit === undefined ? selected : selected.slice(0, limit);
}

/**
 * The row a SQL store's `listJobs` query returns (snake_case columns, epoch-ms times), shared so
 * every SQL store maps it to a {@link JobListEntry} the same way.
 */
export interface JobListRow {
  readonly id: string;
  readonly status: JobStatus;
  readonly total_records: number;
  /** Epoch ms when the job was first stored; null or absent when the store has no such column. */
  readonly created_at?: number | string | null;
  readonly started_at: number | null;
  readonly completed_at: number | null;
  /** Milliseconds since the prepare heartbeat while the job is being prepared, else null. */
  readonly prepare_heartbeat_age_ms?: number | null;
  /** Truthy (1, true) while a prepare that opened the job early has not finished. */
  readonly open_early?: number | boolean | null;
  /** Truthy (1, true) when the prepare stopped and waits to be resumed. */
  readonly prepare_stopped?: number | boolean | null;
  readonly total_batches: number;
  readonly pending: number;
  readonly processing: number;
  readonly completed: number;
  readonly failed: number;
  readonly processed_records: number;
  readonly failed_records: number;
}

/** The entry a {@link JobListRow} describes. */
export function jobListEntryFromRow(row: JobListRow): JobListEntry {
  return {
    jobId: row.id,
    status: row.status,
    totalRecords: row.total_records,
    processedRecords: row.processed_records,
    failedRecords: row.failed_records,
    totalBatches: row.total_batches,
    pendingBatches: row.pending,
    processingBatches: row.processing,
    completedBatches: row.completed,
    failedBatches: row.failed,
    ...(row.created_at == null ? {} : { createdAt: Number(row.created_at) }),
    ...(row.started_at === null ? {} : { startedAt: row.started_at }),
    ...(row.completed_at === null ? {} : { completedAt: row.completed_at }),
    ...(row.prepare_heartbeat_age_ms == null
      ? {}
      : { prepareHeartbeatAgeMs: row.prepare_heartbeat_age_ms }),
    ...prepareMarks(row.open_early, row.prepare_stopped),
  };
}

/**
 * The `openEarly` and `prepareStopped` fields of a `JobListEntry` or `JobDetails`: present (as
 * `true`) only when set. Accepts the 0/1 or boolean SQL drivers give.
 */
export function prepareMarks(
  openEarly: number | boolean | null | undefined,
  prepareStopped: number | boolean | null | undefined,
): { openEarly?: true; prepareStopped?: true } {
  return {
    ...(openEarly ? { openEarly: true as const } : {}),
    ...(prepareStopped ? { prepareStopped: true as const } : {}),
  };
}
