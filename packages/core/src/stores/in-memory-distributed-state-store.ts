import { BatchStatus, storedBatch, type Batch, type BatchState } from '../model/batch';
import {
  JobStatus,
  isTerminalJobStatus,
  type JobProgress,
  type JobState,
  type JobSummary,
} from '../model/job';
import { RECORD_STATUS_GROUPS, type ProcessedRecord } from '../model/record';
import { InvalidOptionError } from '../errors/invalid-option-error';
import {
  JobNotFoundError,
  JobNotPreparingError,
  LeaseLostError,
  RecordAlreadyStoredError,
} from '../errors/job-errors';
import type {
  BatchInFlight,
  BatchListEntry,
  BatchListPage,
  BatchStatusEntry,
  FailedRecordPage,
  BatchLease,
  BatchOutcome,
  ClaimBatchResult,
  CompletionClaimOptions,
  DistributedJobStatus,
  DistributedStateStore,
  JobDetails,
  JobListEntry,
  JobListFilter,
  PreparedBatch,
  PrepareTakeover,
  RegisterBatchOptions,
  UniqueValueClaim,
  StaleBatchSweep,
  TraceContextCarrier,
} from '../ports/distributed-state-store';
import {
  checkReclaimArguments,
  countBatches,
  distributedStatusFromCounts,
  emptyBatchCounts,
  quarantineReason,
} from './batch-rules';
import { checkJobListFilter, jobListEntry, prepareMarks, selectJobListEntries } from './job-list';
import { InMemoryLimitsTable } from '../limits/limits-table';
import { checkJobLimitsChange } from '../limits/check-limits';
import type { JobLimitsChange, JobLimitsState, TokenLease } from '../limits/job-limits';
import { checkListPage, selectPage } from './list-pages';
import {
  checkTakeoverArguments,
  isBeingPrepared,
  prepareTakeoverFor,
  type PrepareStanding,
} from './prepare-rules';
import {
  computeProgress,
  jobSummaryFromCounts,
  unknownJobDistributedStatus,
  unknownJobProgress,
} from './progress';

/** Runs `fn` now, as one synchronous step, and turns its result or throw into a promise. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(fn());
  });
}

function isFinalBatchStatus(status: BatchStatus): boolean {
  return status === BatchStatus.COMPLETED || status === BatchStatus.FAILED;
}

/** `completedAt` and `durationMs` of a `listBatches` entry (see `BatchListEntry`). */
function batchTimes(b: MutableBatch, now: number): { completedAt?: number; durationMs?: number } {
  if (b.status === BatchStatus.PROCESSING) {
    const start = b.attemptStartedAt ?? b.claimedAt;
    return start === undefined ? {} : { durationMs: Math.max(0, now - start) };
  }
  if (!isFinalBatchStatus(b.status) || b.completedAt === undefined) return {};
  return {
    completedAt: b.completedAt,
    ...(b.claimedAt === undefined ? {} : { durationMs: Math.max(0, b.completedAt - b.claimedAt) }),
  };
}

interface MutableBatch {
  id: string;
  index: number;
  status: BatchStatus;
  processedCount: number;
  failedCount: number;
  workerId: string | undefined;
  claimedAt: number | undefined;
  /** When the last attempt was claimed (heartbeats move `claimedAt`, not this). */
  attemptStartedAt: number | undefined;
  /** When the batch reached COMPLETED or FAILED (cleared when it goes back to PENDING). */
  completedAt: number | undefined;
  recordStartIndex: number;
  recordEndIndex: number;
  attempt: number;
  error: string | undefined;
  sourceCursor: string | undefined;
}

interface RecordEntry {
  batchId: string;
  record: ProcessedRecord;
}

interface StoredJob {
  state: Omit<JobState, 'batches'>;
  batches: Map<string, MutableBatch>;
  /** Batch ids in index order, rebuilt when a batch is added. */
  order: MutableBatch[];
  /** Record index → batch id and record. */
  records: Map<number, RecordEntry>;
  /** Batch id → its records by index (the same entries). */
  byBatch: Map<string, Map<number, RecordEntry>>;
  /** `[field, value]` as JSON → index of the record holding it (`uniqueFields`). */
  uniqueValues: Map<string, number>;
  /** The job's prepare: liveness, owner and marks. */
  prepare: PrepareMarks;
  /** Stored by `tryFinalizeJob`. */
  summary: JobSummary | undefined;
  /** Who claimed the job's completion (`claimJobCompletion`). */
  completionClaimant: string | undefined;
  /** When (store clock) the completion was last claimed. */
  completionClaimedAt: number | undefined;
  /** When the claimant acknowledged it emitted `job:completed` (`acknowledgeJobCompletion`). */
  completionAcknowledgedAt: number | undefined;
  /** Epoch ms (the store's clock) when the job was first saved. */
  createdAt: number;
}

/** Where a job's prepare stands. */
interface PrepareMarks {
  /** `finishPrepare` ran. */
  finished: boolean;
  /** Epoch ms of the last prepare heartbeat; undefined when none runs (or it stopped). */
  heartbeatAt: number | undefined;
  /** The prepare run owning the prepare. */
  owner: string | undefined;
  /** `openEarly` ran and the prepare has not finished. */
  openEarly: boolean;
  /** `stopPrepare` ran and nobody took the prepare since. */
  stopped: boolean;
}

function noPrepare(): PrepareMarks {
  return {
    finished: false,
    heartbeatAt: undefined,
    owner: undefined,
    openEarly: false,
    stopped: false,
  };
}

/** Statuses that take batches without the open-early mark (as before early open). */
const PREPARABLE: readonly JobStatus[] = [JobStatus.CREATED, JobStatus.PAUSED];

/**
 * A complete `DistributedStateStore` held in this process's memory, for tests and for
 * single-process use. Every method runs synchronously inside one call, so claims and
 * finalisation are atomic under any number of concurrent async callers. Nothing survives the
 * process.
 */
export class InMemoryDistributedStateStore implements DistributedStateStore {
  private readonly jobs = new Map<string, StoredJob>();
  /**
   * Records saved with `saveBatchRecords` before their job exists: the published prepare saves
   * every batch first and the job (listing the batches) last. Adopted by that `saveJobState`.
   */
  private readonly unattached = new Map<string, Map<string, ProcessedRecord[]>>();
  private readonly now: () => number;
  /** Job-wide limits (issue 27), apart from the jobs: a job without limits has no entry. */
  private readonly limits = new InMemoryLimitsTable();
  /** Trace contexts saved with `saveTraceContext` (issue 29), apart from the jobs. */
  private readonly traceContexts = new Map<string, TraceContextCarrier>();

  /** @param options.now clock used for claims and staleness (default `Date.now`). */
  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Saves `job` (no batches) only when no job has its id (see the port); one synchronous step. */
  async createJobIfAbsent(job: JobState): Promise<boolean> {
    if (job.batches.length > 0) {
      throw new InvalidOptionError('job.batches', job.batches.length, 'no batches (an empty list)');
    }
    if (this.jobs.has(job.id)) return false;
    await this.saveJobState(job);
    return true;
  }

  saveJobState(job: JobState): Promise<void> {
    return settle(() => {
      const { batches, ...state } = job;
      let stored = this.jobs.get(job.id);
      if (!stored) {
        stored = {
          state,
          batches: new Map(),
          order: [],
          records: new Map(),
          byBatch: new Map(),
          uniqueValues: new Map(),
          prepare: noPrepare(),
          summary: undefined,
          completionClaimant: undefined,
          completionClaimedAt: undefined,
          completionAcknowledgedAt: undefined,
          createdAt: this.now(),
        };
        this.jobs.set(job.id, stored);
        for (const [batchId, records] of this.unattached.get(job.id) ?? []) {
          this.putRecords(stored, batchId, records);
        }
        this.unattached.delete(job.id);
      } else {
        // The source name is kept once given, as the SQL stores keep it.
        const sourceName = state.sourceName ?? stored.state.sourceName;
        stored.state = sourceName === undefined ? state : { ...state, sourceName };
      }
      for (const batch of batches) {
        if (!stored.batches.has(batch.id)) this.addBatch(stored, batch);
        if (batch.records.length > 0) this.putRecords(stored, batch.id, batch.records);
      }
      return;
    });
  }

  getJobState(jobId: string): Promise<JobState | null> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored) return null;
      return { ...stored.state, batches: stored.order.map(toBatch) };
    });
  }

  registerBatch(jobId: string, batch: Batch, options: RegisterBatchOptions = {}): Promise<void> {
    return settle(() => {
      const stored = this.requireJob(jobId);
      const { status } = stored.state;
      const open = stored.prepare.openEarly && status === JobStatus.PROCESSING;
      if (!PREPARABLE.includes(status) && !open) throw new JobNotPreparingError(jobId, status);
      const { prepareRun, sourceCursor } = options;
      if (prepareRun !== undefined && stored.prepare.owner !== prepareRun) {
        throw new JobNotPreparingError(jobId, status, prepareRun);
      }
      for (const record of batch.records) {
        const holder = stored.records.get(record.index);
        if (holder !== undefined && holder.batchId !== batch.id) {
          throw new RecordAlreadyStoredError(jobId, batch.id, record.index);
        }
      }
      const added = !stored.batches.has(batch.id);
      if (added) this.addBatch(stored, batch);
      if (sourceCursor !== undefined) {
        const mutable = stored.batches.get(batch.id);
        if (mutable) mutable.sourceCursor = sourceCursor;
      }
      this.putRecords(stored, batch.id, batch.records);
      if (added) {
        stored.state = {
          ...stored.state,
          totalRecords: stored.state.totalRecords + batch.records.length,
        };
      }
      if (stored.prepare.heartbeatAt !== undefined) stored.prepare.heartbeatAt = this.now();
      return;
    });
  }

  heartbeatPrepare(jobId: string, prepareRun?: string): Promise<boolean> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored || !isBeingPrepared(this.standing(stored))) return false;
      const { prepare } = stored;
      // Only the owner renews: a heartbeat never takes a prepare (takeOverPrepare does).
      if (prepareRun !== undefined && prepare.owner !== prepareRun) return false;
      prepare.heartbeatAt = this.now();
      prepare.stopped = false;
      return true;
    });
  }

  openEarly(jobId: string, startedAt: number): Promise<JobStatus | null> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored) return null;
      if (!isBeingPrepared(this.standing(stored)) || stored.prepare.openEarly) {
        return stored.state.status;
      }
      stored.prepare.openEarly = true;
      stored.state = {
        ...stored.state,
        startedAt,
        status:
          stored.state.status === JobStatus.CREATED ? JobStatus.PROCESSING : stored.state.status,
      };
      return stored.state.status;
    });
  }

  finishPrepare(
    jobId: string,
    totalRecords: number,
    startedAt: number,
    prepareRun?: string,
  ): Promise<JobStatus | null> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored) return null;
      const { prepare } = stored;
      if (!isBeingPrepared(this.standing(stored))) return stored.state.status;
      if (prepareRun !== undefined && prepare.owner !== prepareRun) return stored.state.status;
      const openedEarly = prepare.openEarly;
      stored.prepare = { ...noPrepare(), finished: true };
      stored.state = {
        ...stored.state,
        totalRecords,
        ...(openedEarly ? {} : { startedAt }),
        status:
          stored.state.status === JobStatus.CREATED ? JobStatus.PROCESSING : stored.state.status,
      };
      return stored.state.status;
    });
  }

  takeOverPrepare(
    jobId: string,
    prepareRun: string,
    staleAfterMs: number,
  ): Promise<PrepareTakeover> {
    return settle(() => {
      checkTakeoverArguments(prepareRun, staleAfterMs);
      const stored = this.jobs.get(jobId);
      const decision = prepareTakeoverFor(
        stored && this.standing(stored),
        prepareRun,
        staleAfterMs,
      );
      if (stored && decision.taken) {
        stored.prepare.owner = prepareRun;
        stored.prepare.heartbeatAt = this.now();
        stored.prepare.stopped = false;
      }
      return decision;
    });
  }

  stopPrepare(jobId: string, prepareRun: string): Promise<boolean> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored || stored.prepare.owner !== prepareRun) return false;
      if (!isBeingPrepared(this.standing(stored))) return false;
      stored.prepare.owner = undefined;
      stored.prepare.heartbeatAt = undefined;
      stored.prepare.stopped = true;
      return true;
    });
  }

  failPrepare(jobId: string, prepareRun: string): Promise<boolean> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored || stored.prepare.owner !== prepareRun) return false;
      if (!isBeingPrepared(this.standing(stored))) return false;
      stored.state = { ...stored.state, status: JobStatus.FAILED, completedAt: this.now() };
      stored.prepare = noPrepare();
      return true;
    });
  }

  listPreparedBatches(jobId: string): Promise<readonly PreparedBatch[]> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored) return [];
      return stored.order.map((b) => ({
        batchId: b.id,
        batchIndex: b.index,
        recordStartIndex: b.recordStartIndex,
        recordEndIndex: b.recordEndIndex,
        ...(b.sourceCursor === undefined ? {} : { sourceCursor: b.sourceCursor }),
      }));
    });
  }

  getJobDetails(jobId: string): Promise<JobDetails | null> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored) return null;
      const { status, totalRecords, startedAt, completedAt } = stored.state;
      const age = this.prepareHeartbeatAge(stored);
      return {
        jobId,
        status,
        totalRecords,
        createdAt: stored.createdAt,
        ...(startedAt === undefined ? {} : { startedAt }),
        ...(completedAt === undefined ? {} : { completedAt }),
        ...(age === undefined ? {} : { prepareHeartbeatAgeMs: age }),
        ...(stored.summary ? { summary: { ...stored.summary } } : {}),
        ...prepareMarks(stored.prepare.openEarly, stored.prepare.stopped),
      };
    });
  }

  claimJobCompletion(
    jobId: string,
    claimant: string,
    options: CompletionClaimOptions = {},
  ): Promise<JobSummary | null> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored?.summary) return null;
      const now = this.now();
      const holder = stored.completionClaimant;
      const takeOver =
        options.takeOverAfterMs !== undefined &&
        stored.completionAcknowledgedAt === undefined &&
        stored.completionClaimedAt !== undefined &&
        now - stored.completionClaimedAt >= options.takeOverAfterMs;
      if (holder !== undefined && holder !== claimant && !takeOver) return null;
      stored.completionClaimant = claimant;
      stored.completionClaimedAt = now;
      return { ...stored.summary };
    });
  }

  acknowledgeJobCompletion(jobId: string, claimant: string): Promise<boolean> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (stored?.completionClaimant !== claimant) return false;
      stored.completionAcknowledgedAt ??= this.now();
      return true;
    });
  }

  /** Unknown job or batch: does nothing, as the published stores. */
  updateBatchState(jobId: string, batchId: string, state: BatchState): Promise<void> {
    return settle(() => {
      const batch = this.jobs.get(jobId)?.batches.get(batchId);
      if (!batch) return;
      if (isFinalBatchStatus(state.status) && !isFinalBatchStatus(batch.status)) {
        this.markFinished(batch);
      }
      batch.status = state.status;
      batch.processedCount = state.processedCount;
      batch.failedCount = state.failedCount;
      if (state.status === BatchStatus.PENDING) this.unclaim(batch);
      return;
    });
  }

  saveProcessedRecord(jobId: string, batchId: string, record: ProcessedRecord): Promise<void> {
    return settle(() => {
      this.putRecords(this.requireJob(jobId), batchId, [record]);
      return;
    });
  }

  saveBatchRecords(
    jobId: string,
    batchId: string,
    records: readonly ProcessedRecord[],
  ): Promise<void> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (stored) {
        this.putRecords(stored, batchId, records);
        return;
      }
      let batches = this.unattached.get(jobId);
      if (!batches) {
        batches = new Map();
        this.unattached.set(jobId, batches);
      }
      batches.set(batchId, [
        ...(batches.get(batchId) ?? []),
        ...records.map((r) => structuredClone(r)),
      ]);
      return;
    });
  }

  getBatchRecords(jobId: string, batchId: string): Promise<readonly ProcessedRecord[]> {
    return settle(() => {
      const entries = this.jobs.get(jobId)?.byBatch.get(batchId);
      if (!entries) return [];
      return sortedCopies(entries.values(), () => true);
    });
  }

  getFailedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.recordsWithStatus(jobId, RECORD_STATUS_GROUPS.failed);
  }

  getPendingRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.recordsWithStatus(jobId, RECORD_STATUS_GROUPS.pending);
  }

  getProcessedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.recordsWithStatus(jobId, RECORD_STATUS_GROUPS.processed);
  }

  listJobs(filter?: JobListFilter): Promise<readonly JobListEntry[]> {
    return settle(() => {
      const checked = checkJobListFilter(filter);
      const entries = [...this.jobs.values()].map((stored) =>
        jobListEntry(
          {
            ...stored.state,
            createdAt: stored.createdAt,
            prepareHeartbeatAgeMs: this.prepareHeartbeatAge(stored),
            openEarly: stored.prepare.openEarly,
            prepareStopped: stored.prepare.stopped,
          },
          stored.order,
        ),
      );
      return selectJobListEntries(entries, checked);
    });
  }

  /** Unknown job: all zeros, as the published stores. */
  getProgress(jobId: string): Promise<JobProgress> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored) return unknownJobProgress();
      return computeProgress(stored.state, stored.order, this.now());
    });
  }

  /** The same as `getProgress` here: this store has no published formula to keep. */
  getJobProgress(jobId: string): Promise<JobProgress> {
    return this.getProgress(jobId);
  }

  claimBatch(jobId: string, workerId: string): Promise<ClaimBatchResult> {
    return settle((): ClaimBatchResult => {
      const stored = this.jobs.get(jobId);
      if (!stored) return { claimed: false, reason: 'JOB_NOT_FOUND' };
      if (stored.state.status !== JobStatus.PROCESSING) {
        return { claimed: false, reason: 'JOB_NOT_PROCESSING' };
      }
      const batch = stored.order.find((b) => b.status === BatchStatus.PENDING);
      if (!batch) return { claimed: false, reason: 'NO_PENDING_BATCHES' };
      const cap = this.limits.cap(jobId);
      if (
        cap !== undefined &&
        stored.order.filter((b) => b.status === BatchStatus.PROCESSING).length >= cap
      ) {
        return { claimed: false, reason: 'NO_PENDING_BATCHES', limitReached: true };
      }
      batch.status = BatchStatus.PROCESSING;
      batch.workerId = workerId;
      batch.claimedAt = this.now();
      batch.attemptStartedAt = batch.claimedAt;
      batch.completedAt = undefined;
      batch.attempt += 1;
      batch.error = undefined;
      return {
        claimed: true,
        reservation: {
          jobId,
          batchId: batch.id,
          batchIndex: batch.index,
          workerId,
          claimedAt: batch.claimedAt,
          recordStartIndex: batch.recordStartIndex,
          recordEndIndex: batch.recordEndIndex,
          attempt: batch.attempt,
          ...(this.limits.rateLimited(jobId) ? { rateLimited: true as const } : {}),
        },
      };
    });
  }

  releaseBatch(jobId: string, batchId: string, workerId: string, attempt?: number): Promise<void> {
    return settle(() => {
      const batch = this.jobs.get(jobId)?.batches.get(batchId);
      if (
        batch?.status === BatchStatus.PROCESSING &&
        batch.workerId === workerId &&
        (attempt === undefined || batch.attempt === attempt)
      ) {
        batch.status = BatchStatus.PENDING;
        this.unclaim(batch);
      }
      return;
    });
  }

  reclaimStaleBatches(jobId: string, timeoutMs: number, maxAttempts?: number): Promise<number> {
    return settle(() => {
      const swept = this.sweepStale(jobId, timeoutMs, maxAttempts);
      return swept.reclaimed + swept.quarantined;
    });
  }

  sweepStaleBatches(
    jobId: string,
    timeoutMs: number,
    maxAttempts?: number,
  ): Promise<StaleBatchSweep> {
    return settle(() => this.sweepStale(jobId, timeoutMs, maxAttempts));
  }

  private sweepStale(jobId: string, timeoutMs: number, maxAttempts?: number): StaleBatchSweep {
    checkReclaimArguments(timeoutMs, maxAttempts);
    const stored = this.jobs.get(jobId);
    if (!stored) return { reclaimed: 0, quarantined: 0 };
    const now = this.now();
    let reclaimed = 0;
    let quarantined = 0;
    for (const batch of stored.order) {
      if (batch.status !== BatchStatus.PROCESSING) continue;
      if ((batch.claimedAt ?? 0) + timeoutMs > now) continue;
      if (maxAttempts !== undefined && batch.attempt >= maxAttempts) {
        this.quarantine(stored, batch);
        quarantined += 1;
      } else {
        batch.status = BatchStatus.PENDING;
        this.unclaim(batch);
        reclaimed += 1;
      }
    }
    return { reclaimed, quarantined };
  }

  listBatchesInFlight(jobId: string): Promise<readonly BatchInFlight[]> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored) return [];
      const now = this.now();
      return stored.order
        .filter((b) => b.status === BatchStatus.PROCESSING)
        .map((b) => ({
          batchId: b.id,
          batchIndex: b.index,
          workerId: b.workerId ?? '',
          attempt: b.attempt,
          heartbeatAgeMs: Math.max(0, now - (b.claimedAt ?? now)),
        }));
    });
  }

  listBatches(jobId: string, page?: BatchListPage): Promise<readonly BatchListEntry[]> {
    return settle(() => {
      const checked = checkListPage(page);
      const stored = this.jobs.get(jobId);
      if (!stored) return [];
      const now = this.now();
      return selectPage(stored.order, (b) => b.index, checked).map((b) => ({
        batchId: b.id,
        batchIndex: b.index,
        status: b.status,
        recordStartIndex: b.recordStartIndex,
        recordEndIndex: b.recordEndIndex,
        processedCount: b.processedCount,
        failedCount: b.failedCount,
        attempt: b.attempt,
        ...(b.workerId === undefined ? {} : { workerId: b.workerId }),
        ...(b.status === BatchStatus.PROCESSING
          ? { heartbeatAgeMs: Math.max(0, now - (b.claimedAt ?? now)) }
          : {}),
        ...(b.error === undefined ? {} : { error: b.error }),
        ...batchTimes(b, now),
      }));
    });
  }

  async listBatchStatuses(
    jobId: string,
    page?: BatchListPage,
  ): Promise<readonly BatchStatusEntry[]> {
    return (await this.listBatches(jobId, page)).map((b) => ({
      batchIndex: b.batchIndex,
      status: b.status,
      failedCount: b.failedCount,
      ...(b.heartbeatAgeMs === undefined ? {} : { heartbeatAgeMs: b.heartbeatAgeMs }),
    }));
  }

  async listFailedRecords(
    jobId: string,
    page?: FailedRecordPage,
  ): Promise<readonly ProcessedRecord[]> {
    const checked = checkListPage(page);
    const failed = await this.recordsWithStatus(jobId, RECORD_STATUS_GROUPS.failed);
    return selectPage(failed, (record) => record.index, checked);
  }

  /** Unknown job: all zeros and not complete, as the published `SequelizeStateStore`. */
  getDistributedStatus(jobId: string): Promise<DistributedJobStatus> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored) return unknownJobDistributedStatus(jobId);
      const counts = emptyBatchCounts();
      for (const batch of stored.order) countBatches(counts, batch.status);
      return distributedStatusFromCounts(jobId, counts, stored.prepare.openEarly);
    });
  }

  tryFinalizeJob(jobId: string): Promise<boolean> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (stored?.state.status !== JobStatus.PROCESSING) return false;
      // Opened early: prepare may still add batches.
      if (stored.prepare.openEarly) return false;
      const open = stored.order.some(
        (b) => b.status !== BatchStatus.COMPLETED && b.status !== BatchStatus.FAILED,
      );
      if (open) return false;
      const anyFailed = stored.order.some((b) => b.status === BatchStatus.FAILED);
      const completedAt = this.now();
      stored.state = {
        ...stored.state,
        status: anyFailed ? JobStatus.FAILED : JobStatus.COMPLETED,
        completedAt,
      };
      let processed = 0;
      let failed = 0;
      for (const batch of stored.order) {
        processed += batch.processedCount;
        failed += batch.failedCount;
      }
      stored.summary = jobSummaryFromCounts({
        totalRecords: stored.state.totalRecords,
        processed,
        failed,
        startedAt: stored.state.startedAt,
        completedAt,
      });
      return true;
    });
  }

  completeBatch(
    lease: BatchLease,
    records: readonly ProcessedRecord[],
    outcome: BatchOutcome,
  ): Promise<void> {
    return settle(() => {
      const stored = this.requireJob(lease.jobId);
      const batch = this.requireHeld(lease);
      this.putRecords(stored, batch.id, records);
      this.markFinished(batch);
      batch.status = outcome.status;
      batch.processedCount = outcome.processedCount;
      batch.failedCount = outcome.failedCount;
      batch.error = outcome.error;
      return;
    });
  }

  heartbeatBatch(lease: BatchLease): Promise<void> {
    return settle(() => {
      this.requireHeld(lease).claimedAt = this.now();
      return;
    });
  }

  updateJobStatus(jobId: string, from: readonly JobStatus[], to: JobStatus): Promise<boolean> {
    return settle(() => {
      const stored = this.jobs.get(jobId);
      if (!stored || !from.includes(stored.state.status)) return false;
      const { prepare } = stored;
      const preparing = prepare.heartbeatAt !== undefined || prepare.stopped;
      // A job still being prepared never opens to workers before finishPrepare, unless its
      // prepare opened it early.
      const status =
        to === JobStatus.PROCESSING && preparing && !prepare.openEarly ? JobStatus.CREATED : to;
      stored.state = {
        ...stored.state,
        status,
        ...(isTerminalJobStatus(status) ? { completedAt: this.now() } : {}),
      };
      if (isTerminalJobStatus(status)) {
        // The prepare ends with the job; `finished` stays as it was.
        stored.prepare = { ...noPrepare(), finished: prepare.finished };
      }
      if (status === JobStatus.ABORTED) {
        for (const batch of stored.order) {
          if (batch.status !== BatchStatus.PROCESSING) continue;
          batch.status = BatchStatus.PENDING;
          this.unclaim(batch);
        }
      }
      return true;
    });
  }

  getJobStatus(jobId: string): Promise<JobStatus | null> {
    return settle(() => this.jobs.get(jobId)?.state.status ?? null);
  }

  deleteJob(jobId: string): Promise<boolean> {
    return settle(() => {
      this.limits.delete(jobId);
      this.traceContexts.delete(jobId);
      return this.jobs.delete(jobId);
    });
  }

  saveTraceContext(jobId: string, carrier: TraceContextCarrier): Promise<boolean> {
    return settle(() => {
      if (!this.jobs.has(jobId)) return false;
      this.traceContexts.set(jobId, { ...carrier });
      return true;
    });
  }

  getTraceContext(jobId: string): Promise<TraceContextCarrier | null> {
    return settle(() => {
      const carrier = this.jobs.has(jobId) ? this.traceContexts.get(jobId) : undefined;
      return carrier === undefined ? null : { ...carrier };
    });
  }

  setJobLimits(jobId: string, change: JobLimitsChange): Promise<boolean> {
    return settle(() => {
      if (!this.jobs.has(jobId)) return false;
      this.limits.set(jobId, checkJobLimitsChange(change));
      return true;
    });
  }

  getJobLimits(jobId: string): Promise<JobLimitsState | null> {
    return settle(() => (this.jobs.has(jobId) ? this.limits.get(jobId, this.now()) : null));
  }

  leaseRateTokens(jobId: string, wanted: number): Promise<TokenLease> {
    return settle(() => this.limits.lease(jobId, wanted, this.now()));
  }

  returnRateTokens(jobId: string, tokens: number): Promise<void> {
    return settle(() => {
      this.limits.giveBack(jobId, tokens, this.now());
    });
  }

  throttleJob(jobId: string, ms: number): Promise<void> {
    return settle(() => {
      if (this.jobs.has(jobId)) this.limits.throttle(jobId, ms, this.now());
    });
  }

  claimUniqueValues(
    jobId: string,
    claims: readonly UniqueValueClaim[],
  ): Promise<readonly number[]> {
    return settle(() => {
      const stored = this.requireJob(jobId);
      return claims.map((claim) => {
        const key = JSON.stringify([claim.field, claim.value]);
        const holder = stored.uniqueValues.get(key);
        if (holder !== undefined) return holder;
        stored.uniqueValues.set(key, claim.recordIndex);
        return claim.recordIndex;
      });
    });
  }

  private prepareHeartbeatAge(stored: StoredJob): number | undefined {
    const { heartbeatAt } = stored.prepare;
    return heartbeatAt === undefined ? undefined : Math.max(0, this.now() - heartbeatAt);
  }

  private standing(stored: StoredJob): PrepareStanding {
    return {
      status: stored.state.status,
      finished: stored.prepare.finished,
      openEarly: stored.prepare.openEarly,
      owner: stored.prepare.owner,
      heartbeatAgeMs: this.prepareHeartbeatAge(stored),
    };
  }

  private requireHeld(lease: BatchLease): MutableBatch {
    const batch = this.jobs.get(lease.jobId)?.batches.get(lease.batchId);
    if (
      batch?.status !== BatchStatus.PROCESSING ||
      batch.workerId !== lease.workerId ||
      batch.attempt !== lease.attempt
    ) {
      throw new LeaseLostError(lease.jobId, lease.batchId, lease.workerId, lease.attempt);
    }
    return batch;
  }

  /**
   * Stamps the end of a batch's last attempt; its claim time becomes the attempt's start again
   * (as the SQL stores do), so `claimedAt` of a finished batch is when its last attempt began.
   */
  private markFinished(batch: MutableBatch): void {
    batch.completedAt = this.now();
    batch.claimedAt = batch.attemptStartedAt ?? batch.claimedAt;
  }

  /** A batch back to PENDING: no holder, no claim, no attempt times. */
  private unclaim(batch: MutableBatch): void {
    batch.workerId = undefined;
    batch.claimedAt = undefined;
    batch.attemptStartedAt = undefined;
    batch.completedAt = undefined;
  }

  private quarantine(stored: StoredJob, batch: MutableBatch): void {
    const reason = quarantineReason(batch.index, batch.attempt, batch.workerId);
    this.markFinished(batch);
    batch.status = BatchStatus.FAILED;
    batch.error = reason;
    batch.processedCount = 0;
    batch.failedCount = batch.recordEndIndex - batch.recordStartIndex + 1;
    for (const entry of stored.byBatch.get(batch.id)?.values() ?? []) {
      if (entry.record.status !== 'processed') {
        entry.record = { ...entry.record, status: 'failed', processingError: reason };
      }
    }
  }

  private addBatch(stored: StoredJob, batch: Batch): void {
    const mutable: MutableBatch = {
      id: batch.id,
      index: batch.index,
      status: batch.status,
      processedCount: batch.processedCount,
      failedCount: batch.failedCount,
      workerId: batch.workerId,
      claimedAt: batch.claimedAt,
      attemptStartedAt: undefined,
      completedAt: undefined,
      recordStartIndex: batch.recordStartIndex ?? batch.records[0]?.index ?? 0,
      recordEndIndex: batch.recordEndIndex ?? batch.records.at(-1)?.index ?? -1,
      attempt: batch.attempt ?? 0,
      error: batch.error,
      sourceCursor: undefined,
    };
    stored.batches.set(batch.id, mutable);
    stored.order.push(mutable);
    stored.order.sort((a, b) => a.index - b.index);
  }

  private putRecords(
    stored: StoredJob,
    batchId: string,
    records: readonly ProcessedRecord[],
  ): void {
    let inBatch = stored.byBatch.get(batchId);
    if (!inBatch) {
      inBatch = new Map();
      stored.byBatch.set(batchId, inBatch);
    }
    for (const record of records) {
      const previous = stored.records.get(record.index);
      if (previous && previous.batchId !== batchId) {
        stored.byBatch.get(previous.batchId)?.delete(record.index);
      }
      const entry = { batchId, record: structuredClone(record) };
      stored.records.set(record.index, entry);
      inBatch.set(record.index, entry);
    }
  }

  private recordsWithStatus(
    jobId: string,
    statuses: readonly ProcessedRecord['status'][],
  ): Promise<readonly ProcessedRecord[]> {
    const stored = this.jobs.get(jobId);
    if (!stored) return Promise.resolve([]);
    return Promise.resolve(
      sortedCopies(stored.records.values(), (record) => statuses.includes(record.status)),
    );
  }

  private requireJob(jobId: string): StoredJob {
    const stored = this.jobs.get(jobId);
    if (!stored) throw new JobNotFoundError(jobId);
    return stored;
  }
}

function sortedCopies(
  entries: Iterable<RecordEntry>,
  keep: (record: ProcessedRecord) => boolean,
): ProcessedRecord[] {
  const out: ProcessedRecord[] = [];
  for (const entry of entries) {
    if (keep(entry.record)) out.push(structuredClone(entry.record));
  }
  return out.sort((a, b) => a.index - b.index);
}

function toBatch(batch: MutableBatch): Batch {
  return storedBatch(batch);
}
