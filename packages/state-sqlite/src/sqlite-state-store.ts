import {
  InvalidOptionError,
  unknownJobDistributedStatus,
  reclaimArgumentsError,
  countBatches,
  distributedStatusFromCounts,
  emptyBatchCounts,
  unknownJobProgress,
  checkJobListFilter,
  type JobListEntry,
  type JobListFilter,
  type JobListRow,
  jobListEntryFromRow,
  JobNotFoundError,
  JobNotPreparingError,
  JobStatus,
  LeaseLostError,
  jobSummaryFromCounts,
  type JobDetails,
  type JobSummary,
  type Batch,
  type BatchInFlight,
  type BatchLease,
  type BatchOutcome,
  type BatchState,
  type ClaimBatchResult,
  type CompletionClaimOptions,
  type DistributedJobStatus,
  type DistributedStateStore,
  type JobProgress,
  type JobState,
  type UniqueValueClaim,
  type ProcessedRecord,
  type PreparedBatch,
  type PrepareTakeover,
  type RegisterBatchOptions,
  takeoverArgumentsError,
  prepareMarks,
  prepareTakeoverFor,
  RecordAlreadyStoredError,
} from '@batchactions/core';
import { retryWhileBusy } from './busy-retry';
import { configureConnection, openConnection, type Connection } from './connection';
import { SqliteStoreNotReadyError } from './errors';
import {
  batchFromRow,
  batchParams,
  jobFromRow,
  jobParams,
  type BatchRow,
  type JobRow,
} from './job-rows';
import { migrate } from './migrate';
import {
  readSqliteSchemaVersion,
  reclaimSpace,
  type ReclaimSpaceOptions,
  type ReclaimSpaceResult,
} from './maintenance';
import { SCHEMA_VERSION, SELECT_SCHEMA_VERSION } from './sql/schema';
import { LIST_JOBS } from './sql/list-jobs';
import {
  resolveSqliteOptions,
  type ResolvedSqliteOptions,
  type SqliteStateStoreOptions,
} from './options';
import { progressFromCounters, type BatchCounterRow } from './progress';
import {
  fullRecordParams,
  recordFromRow,
  resultRecordParams,
  type RecordParams,
  type RecordRow,
} from './record-rows';
import { prepareStatements, type Statements } from './statements';
import { inTransaction } from './transaction';

interface Ready {
  readonly connection: Connection;
  readonly s: Statements;
}

interface JobKeyRow {
  readonly pk: number;
  readonly status: JobStatus;
  /** 1 while a prepare that opened the job early runs. */
  readonly open_early: number;
}

interface RegisterTargetRow extends JobKeyRow {
  readonly prepare_owner: string | null;
}

interface PrepareStandingRow {
  readonly status: JobStatus;
  readonly finished: number;
  readonly open_early: number;
  readonly prepare_owner: string | null;
  readonly prepare_heartbeat_at: number | null;
}

interface PreparedBatchRow {
  readonly id: string;
  readonly batch_index: number;
  readonly record_start: number;
  readonly record_end: number;
  readonly source_cursor: string | null;
}

interface BatchInFlightRow {
  id: string;
  batch_index: number;
  worker_id: string;
  attempt: number;
  claimed_at: number | null;
}

interface JobDetailsRow {
  readonly status: JobStatus;
  readonly total_records: number;
  readonly started_at: number | null;
  readonly completed_at: number | null;
  readonly prepare_heartbeat_at: number | null;
  readonly summary: string | null;
  readonly opened_early_at: number | null;
  readonly prepare_stopped_at: number | null;
  readonly created_at: number | null;
}

interface FinalizedCountsRow {
  readonly total_records: number;
  readonly started_at: number | null;
  readonly completed_at: number;
  readonly processed: number;
  readonly failed: number;
}

interface ClaimRow {
  readonly id: string;
  readonly batch_index: number;
  readonly claimed_at: number;
  readonly record_start: number;
  readonly record_end: number;
  readonly attempt: number;
}

interface QuarantineRow {
  readonly id: string;
  readonly record_start: number;
  readonly record_end: number;
  readonly error: string;
}

/** Runs `fn` now and turns its result or throw into a promise. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(fn());
  });
}

/**
 * A `DistributedStateStore` in one SQLite file, shared by any number of processes on the same
 * host (WAL mode, every write in a `BEGIN IMMEDIATE` transaction). Implements the optional
 * `registerBatch`, `completeBatch` and `heartbeatBatch`, prepare liveness, early open and resumable
 * prepare.
 *
 * Call `await store.initialize()` before use and `await store.close()` at the end. Methods
 * return promises but run synchronously on better-sqlite3; a method waiting for another
 * process's write lock blocks this thread for up to `busyTimeoutMs`.
 */
export class SqliteStateStore implements DistributedStateStore {
  private readonly options: ResolvedSqliteOptions;
  private ready: Ready | undefined;
  private initializing: Promise<void> | undefined;
  private closed = false;

  /** @throws InvalidOptionError when an option is missing or has a bad value. */
  constructor(options: SqliteStateStoreOptions) {
    this.options = resolveSqliteOptions(options);
  }

  /**
   * Opens the database, sets WAL mode, `synchronous = NORMAL` and `busy_timeout`, creates or
   * upgrades the schema and prepares the statements. Idempotent, and safe when several
   * processes initialise the same file at once.
   * @throws SqliteSchemaVersionError when the file was written by a newer version of this package.
   */
  initialize(): Promise<void> {
    if (this.closed) return Promise.reject(new SqliteStoreNotReadyError('initialize', true));
    if (this.ready) return Promise.resolve();
    // Concurrent calls on one store share one run.
    this.initializing ??= this.open().finally(() => {
      this.initializing = undefined;
    });
    return this.initializing;
  }

  private async open(): Promise<void> {
    const connection = openConnection(this.options);
    try {
      await configureConnection(connection, this.options.busyTimeoutMs);
      await retryWhileBusy(
        () => migrate(connection.db, connection.location),
        this.options.busyTimeoutMs,
      );
      if (this.closed) throw new SqliteStoreNotReadyError('initialize', true);
      this.ready = { connection, s: prepareStatements(connection.db) };
    } catch (error) {
      if (connection.owned) connection.db.close();
      throw error;
    }
  }

  /** Closes the database if this store opened it; a handle passed as `database` stays open. */
  close(): Promise<void> {
    return settle(() => {
      const ready = this.ready;
      this.ready = undefined;
      this.closed = true;
      if (ready?.connection.owned && ready.connection.db.open) ready.connection.db.close();
    });
  }

  saveJobState(job: JobState): Promise<void> {
    const recordsByBatch = job.batches
      .filter((batch) => batch.records.length > 0)
      .map((batch) => ({ batchId: batch.id, params: batch.records.map(fullRecordParams) }));
    return this.write('saveJobState', (s) => {
      const { pk } = s.upsertJob.get(jobParams(job)) as { pk: number };
      for (const batch of job.batches) s.insertBatch.run(pk, ...batchParams(batch));
      for (const { batchId, params } of recordsByBatch) upsertRecords(s, pk, batchId, params);
    });
  }

  /**
   * Saves `job` (no batches) only when no job has its id: one `INSERT ... ON CONFLICT DO
   * NOTHING` under the write lock (see the port).
   */
  createJobIfAbsent(job: JobState): Promise<boolean> {
    if (job.batches.length > 0) {
      return Promise.reject(
        new InvalidOptionError('job.batches', job.batches.length, 'no batches (an empty list)'),
      );
    }
    return this.write(
      'createJobIfAbsent',
      (s) => s.insertJobIfAbsent.get(jobParams(job)) !== undefined,
    );
  }

  getJobState(jobId: string): Promise<JobState | null> {
    return this.read('getJobState', (s) => {
      const row = s.selectJob.get(jobId) as JobRow | undefined;
      if (!row) return null;
      const batches = (s.selectBatches.all(row.pk) as BatchRow[]).map(batchFromRow);
      return jobFromRow(row, batches);
    });
  }

  /**
   * Stores a new batch and its records in one transaction, into a job being prepared (CREATED or
   * PAUSED, or PROCESSING while opened early), adding them to its total and renewing its prepare
   * heartbeat. Throws, writing nothing: `JobNotFoundError`, `JobNotPreparingError` (the job
   * takes no batch, or `options.prepareRun` does not own its prepare), `RecordAlreadyStoredError`
   * (a record index the job holds under another batch).
   */
  registerBatch(jobId: string, batch: Batch, options: RegisterBatchOptions = {}): Promise<void> {
    const params = batch.records.map(fullRecordParams);
    return this.write('registerBatch', (s) => {
      const job = s.selectRegisterTarget.get(jobId) as RegisterTargetRow | undefined;
      if (!job) throw new JobNotFoundError(jobId);
      const open = job.status === JobStatus.PROCESSING && job.open_early === 1;
      if (job.status !== JobStatus.CREATED && job.status !== JobStatus.PAUSED && !open) {
        throw new JobNotPreparingError(jobId, job.status);
      }
      const { prepareRun, sourceCursor } = options;
      if (prepareRun !== undefined && job.prepare_owner !== prepareRun) {
        throw new JobNotPreparingError(jobId, job.status, prepareRun);
      }
      const { changes } = s.registerBatch.run(job.pk, ...batchParams(batch), sourceCursor ?? null);
      for (const p of params) {
        if (s.registerRecord.run(job.pk, batch.id, ...p).changes === 0) {
          throw new RecordAlreadyStoredError(jobId, batch.id, p[0]);
        }
      }
      s.addPreparedRecords.run({
        jobPk: job.pk,
        added: changes > 0 ? batch.records.length : 0,
        now: Date.now(),
      });
    });
  }

  /**
   * Renews the prepare heartbeat of a job being prepared; false when it is not (any more) or,
   * with `prepareRun`, when that run does not own its prepare (see the port).
   */
  heartbeatPrepare(jobId: string, prepareRun?: string): Promise<boolean> {
    return this.write(
      'heartbeatPrepare',
      (s) =>
        s.heartbeatPrepare.run({ jobId, run: prepareRun ?? null, now: Date.now() }).changes === 1,
    );
  }

  /** Opens a job being prepared to workers before its prepare finished (see the port). */
  openEarly(jobId: string, startedAt: number): Promise<JobStatus | null> {
    return this.write('openEarly', (s) => {
      const row = s.openEarly.get({ jobId, startedAt, now: Date.now() }) as
        { status: JobStatus } | undefined;
      if (row) return row.status;
      return (s.selectJobKey.get(jobId) as JobKeyRow | undefined)?.status ?? null;
    });
  }

  /** Ends the prepare and opens the job (CREATED → PROCESSING, PAUSED stays); see the port. */
  finishPrepare(
    jobId: string,
    totalRecords: number,
    startedAt: number,
    prepareRun?: string,
  ): Promise<JobStatus | null> {
    return this.write('finishPrepare', (s) => {
      const row = s.finishPrepare.get({
        jobId,
        totalRecords,
        startedAt,
        run: prepareRun ?? null,
        now: Date.now(),
      }) as { status: JobStatus } | undefined;
      if (row) return row.status;
      return (s.selectJobKey.get(jobId) as JobKeyRow | undefined)?.status ?? null;
    });
  }

  /**
   * Gives the job's prepare to `prepareRun` when nobody runs it (no owner, or a heartbeat older
   * than `staleAfterMs`), in one IMMEDIATE transaction; see the port.
   * @throws InvalidOptionError naming `prepareRun` or `staleAfterMs` when it is bad.
   */
  takeOverPrepare(
    jobId: string,
    prepareRun: string,
    staleAfterMs: number,
  ): Promise<PrepareTakeover> {
    const invalid = takeoverArgumentsError(prepareRun, staleAfterMs);
    if (invalid) return Promise.reject(invalid);
    return this.write('takeOverPrepare', (s) => {
      const now = Date.now();
      const row = s.selectPrepareStanding.get(jobId) as PrepareStandingRow | undefined;
      const decision = prepareTakeoverFor(
        row && {
          status: row.status,
          finished: row.finished === 1,
          openEarly: row.open_early === 1,
          owner: row.prepare_owner ?? undefined,
          heartbeatAgeMs:
            row.prepare_heartbeat_at === null
              ? undefined
              : Math.max(0, now - row.prepare_heartbeat_at),
        },
        prepareRun,
        staleAfterMs,
      );
      if (decision.taken) s.takeOverPrepare.run({ jobId, run: prepareRun, now });
      return decision;
    });
  }

  /** The owning run gives the prepare up (see the port); false when `prepareRun` does not own it. */
  stopPrepare(jobId: string, prepareRun: string): Promise<boolean> {
    return this.write(
      'stopPrepare',
      (s) => s.stopPrepare.run({ jobId, run: prepareRun, now: Date.now() }).changes === 1,
    );
  }

  /** The owning run fails the job for good (see the port); false when it does not own it. */
  failPrepare(jobId: string, prepareRun: string): Promise<boolean> {
    return this.write(
      'failPrepare',
      (s) => s.failPrepare.run({ jobId, run: prepareRun, now: Date.now() }).changes === 1,
    );
  }

  /** Every batch of the job in index order with its source cursor (one query). */
  listPreparedBatches(jobId: string): Promise<readonly PreparedBatch[]> {
    return this.query('listPreparedBatches', (s) =>
      (s.selectPreparedBatches.all(jobId) as PreparedBatchRow[]).map((row) => ({
        batchId: row.id,
        batchIndex: row.batch_index,
        recordStartIndex: row.record_start,
        recordEndIndex: row.record_end,
        ...(row.source_cursor === null ? {} : { sourceCursor: row.source_cursor }),
      })),
    );
  }

  /** The job's row without batches, with its prepare heartbeat's age and stored summary. */
  getJobDetails(jobId: string): Promise<JobDetails | null> {
    return this.query('getJobDetails', (s) => {
      const row = s.selectJobDetails.get(jobId) as JobDetailsRow | undefined;
      if (!row) return null;
      return {
        jobId,
        status: row.status,
        totalRecords: row.total_records,
        ...(row.created_at === null ? {} : { createdAt: row.created_at }),
        ...(row.started_at === null ? {} : { startedAt: row.started_at }),
        ...(row.completed_at === null ? {} : { completedAt: row.completed_at }),
        ...(row.prepare_heartbeat_at === null
          ? {}
          : { prepareHeartbeatAgeMs: Math.max(0, Date.now() - row.prepare_heartbeat_at) }),
        ...(row.summary === null ? {} : { summary: JSON.parse(row.summary) as JobSummary }),
        ...prepareMarks(row.opened_early_at !== null, row.prepare_stopped_at !== null),
      };
    });
  }

  /** Gives the job's completion to one claimant (see the port). */
  async claimJobCompletion(
    jobId: string,
    claimant: string,
    options: CompletionClaimOptions = {},
  ): Promise<JobSummary | null> {
    const takeOverAfterMs = options.takeOverAfterMs ?? null;
    // A read first: most calls (every worker that finds the job finished) need no write lock.
    const seen = await this.query(
      'claimJobCompletion',
      (s) =>
        s.selectCompletion.get(jobId) as
          | {
              summary: string | null;
              claimant: string | null;
              claimed_at: number | null;
              acknowledged_at: number | null;
            }
          | undefined,
    );
    if (seen?.summary == null) return null;
    if (seen.claimant === claimant) return JSON.parse(seen.summary) as JobSummary;
    const takeable =
      takeOverAfterMs !== null && seen.acknowledged_at === null && seen.claimed_at !== null;
    if (seen.claimant !== null && !takeable) return null;
    return this.write('claimJobCompletion', (s) => {
      const row = s.claimJobCompletion.get({
        jobId,
        claimant,
        takeOverAfterMs,
        now: Date.now(),
      }) as { summary: string } | undefined;
      return row ? (JSON.parse(row.summary) as JobSummary) : null;
    });
  }

  /** Records that the claimant emitted the job's completion (see the port). */
  acknowledgeJobCompletion(jobId: string, claimant: string): Promise<boolean> {
    return this.write(
      'acknowledgeJobCompletion',
      (s) => s.acknowledgeJobCompletion.run({ jobId, claimant, now: Date.now() }).changes > 0,
    );
  }

  /** Unknown job or batch: does nothing, as the published stores. */
  updateBatchState(jobId: string, batchId: string, state: BatchState): Promise<void> {
    return this.write('updateBatchState', (s) => {
      s.updateBatchState.run({
        jobId,
        batchId,
        status: state.status,
        processedCount: state.processedCount,
        failedCount: state.failedCount,
      });
    });
  }

  saveProcessedRecord(jobId: string, batchId: string, record: ProcessedRecord): Promise<void> {
    return this.saveRecords('saveProcessedRecord', jobId, batchId, [record]);
  }

  saveBatchRecords(
    jobId: string,
    batchId: string,
    records: readonly ProcessedRecord[],
  ): Promise<void> {
    return this.saveRecords('saveBatchRecords', jobId, batchId, records);
  }

  /**
   * The records saved for the batch within its range recordStartIndex..recordEndIndex (inclusive), in
   * index order (records are looked up by that range, so a record saved under a batch outside
   * its range is not returned). Before the batch row exists, every record saved under its id.
   */
  getBatchRecords(jobId: string, batchId: string): Promise<readonly ProcessedRecord[]> {
    return this.read('getBatchRecords', (s) => {
      let rows = s.selectBatchRecords.all(jobId, batchId) as RecordRow[];
      if (rows.length === 0 && s.batchExists.get(jobId, batchId) === undefined) {
        rows = s.selectRecordsOfUnknownBatch.all(jobId, batchId) as RecordRow[];
      }
      return rows.map(recordFromRow);
    });
  }

  getFailedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.query('getFailedRecords', (s) =>
      (s.selectFailedRecords.all(jobId) as RecordRow[]).map(recordFromRow),
    );
  }

  getPendingRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.query('getPendingRecords', (s) =>
      (s.selectPendingRecords.all(jobId) as RecordRow[]).map(recordFromRow),
    );
  }

  getProcessedRecords(jobId: string): Promise<readonly ProcessedRecord[]> {
    return this.query('getProcessedRecords', (s) =>
      (s.selectProcessedRecords.all(jobId) as RecordRow[]).map(recordFromRow),
    );
  }

  /** Unknown job: all zeros, as the published stores. */
  getProgress(jobId: string): Promise<JobProgress> {
    return this.read('getProgress', (s) => {
      const job = s.selectJob.get(jobId) as JobRow | undefined;
      if (!job) return unknownJobProgress();
      const counters = s.sumBatchCounters.get(job.pk) as BatchCounterRow;
      return progressFromCounters(job, counters, Date.now());
    });
  }

  /** The same as `getProgress` here: this store has no published formula to keep. */
  getJobProgress(jobId: string): Promise<JobProgress> {
    return this.getProgress(jobId);
  }

  claimBatch(jobId: string, workerId: string): Promise<ClaimBatchResult> {
    return this.write('claimBatch', (s): ClaimBatchResult => {
      const row = s.claimBatch.get({ jobId, workerId, now: Date.now() }) as ClaimRow | undefined;
      if (row) {
        return {
          claimed: true,
          reservation: {
            jobId,
            batchId: row.id,
            batchIndex: row.batch_index,
            workerId,
            claimedAt: row.claimed_at,
            recordStartIndex: row.record_start,
            recordEndIndex: row.record_end,
            attempt: row.attempt,
          },
        };
      }
      const job = s.selectJobKey.get(jobId) as JobKeyRow | undefined;
      if (!job) return { claimed: false, reason: 'JOB_NOT_FOUND' };
      if (job.status !== JobStatus.PROCESSING) {
        return { claimed: false, reason: 'JOB_NOT_PROCESSING' };
      }
      return { claimed: false, reason: 'NO_PENDING_BATCHES' };
    });
  }

  releaseBatch(jobId: string, batchId: string, workerId: string, attempt?: number): Promise<void> {
    return this.write('releaseBatch', (s) => {
      s.releaseBatch.run({ jobId, batchId, workerId, attempt: attempt ?? null });
    });
  }

  reclaimStaleBatches(jobId: string, timeoutMs: number, maxAttempts?: number): Promise<number> {
    const invalid = reclaimArgumentsError(timeoutMs, maxAttempts);
    if (invalid) return Promise.reject(invalid);
    return this.write('reclaimStaleBatches', (s) => {
      const job = s.selectJobKey.get(jobId) as JobKeyRow | undefined;
      if (!job) return 0;
      const stale = { jobPk: job.pk, timeoutMs, now: Date.now() };
      let changed = 0;
      if (maxAttempts !== undefined) {
        const failed = s.quarantineStaleBatches.all({ ...stale, maxAttempts }) as QuarantineRow[];
        for (const batch of failed) {
          s.failUnprocessedRecords.run({
            jobPk: job.pk,
            batchId: batch.id,
            recordStart: batch.record_start,
            recordEnd: batch.record_end,
            error: batch.error,
          });
        }
        changed += failed.length;
      }
      return changed + s.resetStaleBatches.run(stale).changes;
    });
  }

  /** Unknown job: all zeros and not complete, as the published `SequelizeStateStore`. */
  getDistributedStatus(jobId: string): Promise<DistributedJobStatus> {
    return this.read('getDistributedStatus', (s) => {
      const job = s.selectJobKey.get(jobId) as JobKeyRow | undefined;
      if (!job) return unknownJobDistributedStatus(jobId);
      const counts = emptyBatchCounts();
      for (const row of s.countBatchesByStatus.all(job.pk) as { status: string; n: number }[]) {
        countBatches(counts, row.status, row.n);
      }
      return distributedStatusFromCounts(jobId, counts, job.open_early === 1);
    });
  }

  /** Finalises the job once (see the port), storing its summary in the same transaction. */
  tryFinalizeJob(jobId: string): Promise<boolean> {
    return this.write('tryFinalizeJob', (s) => {
      if (s.finalizeJob.run({ jobId, now: Date.now() }).changes !== 1) return false;
      const row = s.selectFinalizedCounts.get(jobId) as FinalizedCountsRow;
      const summary = jobSummaryFromCounts({
        totalRecords: row.total_records,
        processed: row.processed,
        failed: row.failed,
        startedAt: row.started_at,
        completedAt: row.completed_at,
      });
      s.storeSummary.run({ jobId, summary: JSON.stringify(summary) });
      return true;
    });
  }

  /**
   * Moves the job to `to` if its status is one of `from` (see the port: a job being prepared is
   * not opened; a cancel gives its batches in flight back), in one transaction.
   */
  updateJobStatus(jobId: string, from: readonly JobStatus[], to: JobStatus): Promise<boolean> {
    return this.write('updateJobStatus', (s) => {
      const row = s.updateJobStatus.get({
        jobId,
        from: JSON.stringify(from),
        to,
        now: Date.now(),
      }) as JobKeyRow | undefined;
      if (!row) return false;
      if (row.status === JobStatus.ABORTED) s.releaseProcessingBatches.run(row.pk);
      return true;
    });
  }

  /** Every job with its counts, newest first (see `DistributedStateStore.listJobs`). */
  listJobs(filter?: JobListFilter): Promise<readonly JobListEntry[]> {
    return settle(() => {
      const { statuses, limit } = checkJobListFilter(filter);
      const rows = this.use('listJobs')
        .connection.db.prepare(LIST_JOBS)
        .all({
          statuses: statuses === undefined ? null : JSON.stringify(statuses),
          limit: limit ?? -1,
          now: Date.now(),
        }) as JobListRow[];
      return rows.map(jobListEntryFromRow);
    });
  }

  /** The job's PROCESSING batches with holder, attempt and heartbeat age (see the port). */
  listBatchesInFlight(jobId: string): Promise<readonly BatchInFlight[]> {
    return this.read('listBatchesInFlight', (s) => {
      const now = Date.now();
      const rows = s.selectBatchesInFlight.all(jobId) as BatchInFlightRow[];
      return rows.map((row) => ({
        batchId: row.id,
        batchIndex: row.batch_index,
        workerId: row.worker_id,
        attempt: row.attempt,
        heartbeatAgeMs: Math.max(0, now - (row.claimed_at ?? now)),
      }));
    });
  }

  /** The job's status alone, or null for an unknown job. */
  getJobStatus(jobId: string): Promise<JobStatus | null> {
    return this.read('getJobStatus', (s) => {
      const row = s.selectJobKey.get(jobId) as JobKeyRow | undefined;
      return row ? row.status : null;
    });
  }

  /**
   * Job-wide `uniqueFields`: in one IMMEDIATE transaction, gives each value to the first record
   * that claims it and returns, per claim, the index of the record holding the value.
   */
  claimUniqueValues(
    jobId: string,
    claims: readonly UniqueValueClaim[],
  ): Promise<readonly number[]> {
    return this.write('claimUniqueValues', (s) => {
      const job = s.selectJobKey.get(jobId) as JobKeyRow | undefined;
      if (!job) throw new JobNotFoundError(jobId);
      return claims.map((claim) => {
        const key = { jobPk: job.pk, field: claim.field, value: claim.value };
        s.insertUniqueValue.run({ ...key, recordIndex: claim.recordIndex });
        const row = s.selectUniqueHolder.get(key) as { record_index: number };
        return row.record_index;
      });
    });
  }

  /**
   * Gives the pages freed by `deleteJob` back to the file system, and empties the WAL file.
   * Incremental by default (files created by this version: see {@link ReclaimSpaceOptions});
   * `{ full: true }` rewrites the file (`VACUUM`), which also turns incremental auto-vacuum on
   * for older files. Needs `initialize()`.
   */
  reclaimSpace(options: ReclaimSpaceOptions = {}): Promise<ReclaimSpaceResult> {
    return settle(() =>
      reclaimSpace(this.use('reclaimSpace').connection.db, options.full === true),
    );
  }

  /**
   * The schema version the database holds (the highest migration applied; `0` without this
   * package's tables) and the one this package writes. Before `initialize()` it reads the file
   * read-only, so it never creates nor migrates anything (for health checks).
   */
  readSchemaVersion(): Promise<{ readonly current: number; readonly expected: number }> {
    return settle(() => {
      let current: number;
      if (this.ready) {
        const row = this.ready.connection.db.prepare(SELECT_SCHEMA_VERSION).get() as
          { version: number | null } | undefined;
        current = row?.version ?? 0;
      } else if (this.options.filename !== undefined) {
        current = readSqliteSchemaVersion(this.options.filename);
      } else {
        throw new SqliteStoreNotReadyError('readSchemaVersion', this.closed);
      }
      return { current, expected: SCHEMA_VERSION };
    });
  }

  /**
   * Deletes a job with its batches and records in one transaction (for purging finished jobs).
   * Returns false when there was no such job. Deleted pages are reused by later jobs; the file
   * shrinks with `reclaimSpace`.
   */
  deleteJob(jobId: string): Promise<boolean> {
    return this.write('deleteJob', (s) => {
      const job = s.selectJobKey.get(jobId) as JobKeyRow | undefined;
      if (!job) return false;
      s.deleteJobRecords.run(job.pk);
      s.deleteJobUniqueValues.run(job.pk);
      s.deleteJobBatches.run(job.pk);
      s.deleteJob.run(job.pk);
      return true;
    });
  }

  /**
   * Fenced: writes the records and the batch outcome in one transaction while `lease` is the
   * batch's current claim.
   * @throws LeaseLostError (writing nothing) when the batch was released, reclaimed or finished.
   */
  completeBatch(
    lease: BatchLease,
    records: readonly ProcessedRecord[],
    outcome: BatchOutcome,
  ): Promise<void> {
    const params = records.map(resultRecordParams);
    return this.write('completeBatch', (s) => {
      const held = s.completeBatch.get({
        jobId: lease.jobId,
        batchId: lease.batchId,
        workerId: lease.workerId,
        attempt: lease.attempt,
        status: outcome.status,
        processedCount: outcome.processedCount,
        failedCount: outcome.failedCount,
        error: outcome.error ?? null,
      }) as { job_pk: number } | undefined;
      if (!held) throw leaseLost(lease);
      const jobPk = held.job_pk;
      for (let i = 0; i < params.length; i += 1) {
        const record = records[i] as ProcessedRecord;
        const { changes } = s.updateRecordResult.run(
          lease.batchId,
          ...(params[i] as unknown[]),
          jobPk,
          record.index,
        );
        // A record the batch never stored (not the usual path): insert it whole.
        if (changes === 0) s.upsertRecord.run(jobPk, lease.batchId, ...fullRecordParams(record));
      }
    });
  }

  /**
   * Fenced: renews the claim time of a batch the lease still holds.
   * @throws LeaseLostError when the lease is gone.
   */
  heartbeatBatch(lease: BatchLease): Promise<void> {
    return this.write('heartbeatBatch', (s) => {
      const { changes } = s.heartbeatBatch.run({
        jobId: lease.jobId,
        batchId: lease.batchId,
        workerId: lease.workerId,
        attempt: lease.attempt,
        now: Date.now(),
      });
      if (changes === 0) throw leaseLost(lease);
    });
  }

  private saveRecords(
    method: string,
    jobId: string,
    batchId: string,
    records: readonly ProcessedRecord[],
  ): Promise<void> {
    const params = records.map(fullRecordParams);
    return this.write(method, (s) => {
      upsertRecords(s, requireJobKey(s, jobId).pk, batchId, params);
    });
  }

  private use(method: string): Ready {
    if (!this.ready) throw new SqliteStoreNotReadyError(method, this.closed);
    return this.ready;
  }

  /** One statement, no explicit transaction. */
  private query<T>(method: string, work: (s: Statements) => T): Promise<T> {
    return settle(() => work(this.use(method).s));
  }

  /** Several reads from one snapshot (a deferred transaction never waits for writers in WAL). */
  private read<T>(method: string, work: (s: Statements) => T): Promise<T> {
    return settle(() => {
      const { connection, s } = this.use(method);
      return inTransaction(
        connection.db,
        { begin: s.beginRead, commit: s.commit, rollback: s.rollback },
        () => work(s),
      );
    });
  }

  /** A write transaction, taking the write lock up front (BEGIN IMMEDIATE). */
  private write<T>(method: string, work: (s: Statements) => T): Promise<T> {
    return settle(() => {
      const { connection, s } = this.use(method);
      return inTransaction(connection.db, s, () => work(s));
    });
  }
}

function requireJobKey(s: Statements, jobId: string): JobKeyRow {
  const job = s.selectJobKey.get(jobId) as JobKeyRow | undefined;
  if (!job) throw new JobNotFoundError(jobId);
  return job;
}

function upsertRecords(
  s: Statements,
  jobPk: number,
  batchId: string,
  params: readonly RecordParams[],
): void {
  for (const p of params) s.upsertRecord.run(jobPk, batchId, ...p);
}

function leaseLost(lease: BatchLease): LeaseLostError {
  return new LeaseLostError(lease.jobId, lease.batchId, lease.workerId, lease.attempt);
}
