import {
  InvalidOptionError,
  takeoverArgumentsError,
  type JobDetails,
  type PreparedBatch,
  type PrepareTakeover,
  type RegisterBatchOptions,
  type JobSummary,
  JobStatus,
  LeaseLostError,
  type JobListEntry,
  type JobListFilter,
  type JobLimitsChange,
  type JobLimitsState,
  type TokenLease,
  RECORD_STATUS_GROUPS,
  reclaimArgumentsError,
  distributedStatusFromCounts,
  progressFromCounts,
  unknownJobDistributedStatus,
  unknownJobProgress,
  type Batch,
  type BatchInFlight,
  type BatchListEntry,
  type BatchListPage,
  type BatchStatusEntry,
  type FailedRecordPage,
  type BatchLease,
  type BatchOutcome,
  type BatchState,
  type ClaimBatchResult,
  type CompletionClaimOptions,
  type DistributedJobStatus,
  type DistributedStateStore,
  type JobProgress,
  type JobState,
  type ProcessedRecord,
  type RecordStatus,
  type UniqueValueClaim,
  MAX_SOURCE_NAME_LENGTH,
  type TraceContextCarrier,
  type StaleBatchSweep,
} from '@batchactions/core';
import {
  completeBatchWithPayload,
  payloadRecords,
  payloadRecordsWithStatus,
  registerBatchWithPayload,
  writeRecordsToPayload,
} from './batch-payloads';
import { claimBatch } from './claim-batch';
import {
  deleteJobLimits,
  getJobLimits,
  leaseRateTokens,
  LimitStatements,
  returnRateTokens,
  setJobLimits,
  throttleJob,
} from './job-limits';
import { completeBatch, completeClaimedRowsBatchMysql } from './complete-batch';
import { chunks, Db, type Transaction } from './db';
import { isUniqueViolation, type SqlExecutor } from './executor';
import { batchRowValues, decodeJob, optionalNumber, type BatchRow, type JobRow } from './job-rows';
import { listJobs } from './list-jobs';
import { listBatches, listBatchStatuses, listFailedRecords } from './list-batches';
import {
  acknowledgeJobCompletion,
  claimJobCompletion,
  finishPrepare,
  heartbeatPrepare,
  jobDetails,
  storeSummary,
} from './prepare-liveness';
import {
  failPrepare,
  listPreparedBatches,
  openEarly,
  registerBatchInTransaction,
  registerBatchPostgres,
  stopPrepare,
  takeOverPrepare,
} from './prepare-runs';
import { persistedConfig } from './persisted-config';
import { ClaimedPayloads } from './claimed-payloads';
import { decodePayload } from './payload-codec';
import { decodeRecord, type RecordRow } from './record-codec';
import { upsertRecords } from './record-writes';
import { reclaimStaleBatches } from './reclaim-stale-batches';
import { Serial } from './serial';
import type { QuotedTables } from './sql/tables';
import { Statements } from './statements';
import { claimUniqueValues } from './unique-values';
import { getTraceContext, saveTraceContext, TraceContextStatements } from './trace-context';

type Count = number | string | bigint | null;

interface StatusRow {
  readonly openEarly: Count;
  readonly total: Count;
  readonly pending: Count;
  readonly processing: Count;
  readonly completed: Count;
  readonly failed: Count;
}

interface ProgressRow {
  readonly totalRecords: Count;
  readonly startedAt: Count;
  readonly completedAt: Count;
  readonly now: Count;
  readonly processed: Count;
  readonly failed: Count;
  readonly doneBatches: Count;
  readonly completedBatches: Count;
  readonly totalBatches: Count;
}

interface StatusCountRow {
  readonly status: string;
  readonly count: Count;
}

/** Batch rows per INSERT (12 values each). */
const BATCHES_PER_STATEMENT = 500;

const TERMINAL: ReadonlySet<string> = new Set([
  JobStatus.COMPLETED,
  JobStatus.FAILED,
  JobStatus.ABORTED,
]);

/** What the SQL store is built from; see {@link SqlStateStore}. */
export interface SqlStateStoreParts {
  /** The database, through a client's executor. */
  readonly executor: SqlExecutor;
  /** The quoted (and, on PostgreSQL, schema-qualified) names of the store's tables. */
  readonly tables: QuotedTables;
  /**
   * Creates or migrates the tables; the store runs it once, before its first statement, and
   * again after a failure (a database that was down, say).
   */
  readonly setUpSchema: (executor: SqlExecutor) => Promise<unknown>;
  /**
   * Which tables the store runs on. `'published'` (default): the published 0.0.5 layout
   * (Sequelize, Prisma stores): the job config as 0.0.5 persisted it (`persistedConfig`: schema
   * fields reduced to their published keys), `distributed` stored as a boolean and read back
   * only when true, records' `parsed` and `errors` NOT NULL (JSON null, `[]`). `'own'`: this
   * project's own tables (PostgreSQL store): config and `distributed` kept as given (its
   * `distributed` takes NULL), an absent parsed record or error list stored as SQL NULL.
   */
  readonly layout?: 'published' | 'own';
  /**
   * Issue 28: `registerBatch` stores a batch's records as one value in one row of the batch
   * payloads table (one statement for the records instead of one row each), workers read it
   * with one row, and `completeBatch` writes the batch's outcome as one value plus rows only
   * for its invalid and failed records. Batches registered without it (or before the upgrade)
   * keep their records as rows; every method reads and writes both kinds, so stores with and
   * without the option can share a database. Default `false`.
   */
  readonly batchPayloads?: boolean;
  /**
   * PostgreSQL family only: a batch's registration (`registerBatch`) and its fenced completion
   * (`completeBatch`) commit without waiting for their WAL flush, as every claim does (see
   * {@link AsynchronousCommitOption}; check a user's value with `resolveAsynchronousCommit`,
   * which refuses it on the other families). Default `false`.
   */
  readonly asynchronousCommit?: boolean;
}

/**
 * The one implementation of `StateStore` and `DistributedStateStore` on SQL, shared by every SQL
 * store (PostgreSQL, SQLite, Sequelize, Prisma): the port's methods written once, over an
 * {@link SqlExecutor} (how a client runs a statement and a transaction) and the statements of
 * the database's family (`sql/`). A store for a client is an executor plus a constructor.
 *
 * Batch state lives in the batches table only (one row per batch): claims change one row
 * (`FOR UPDATE SKIP LOCKED` on PostgreSQL and MariaDB/MySQL), a finished batch is written with
 * all its records in one fenced transaction (`completeBatch`), and the job row is never
 * rewritten by workers.
 */
export class SqlStateStore implements DistributedStateStore {
  private readonly db: Db;
  private readonly sql: Statements;
  /** The statements of job-wide limits (issue 27), apart from the others. */
  private readonly limitSql: LimitStatements;
  /** The statements of the stored trace context (issue 29), apart from the others. */
  private readonly traceSql: TraceContextStatements;
  /** SQLite: one call at a time (see `Serial`); others run calls concurrently. */
  private readonly serial: Serial | undefined;
  private readonly setUpSchema: () => Promise<unknown>;
  /** The `'own'` layout (see {@link SqlStateStoreParts.layout}). */
  private readonly keepJobAsGiven: boolean;
  /** See {@link SqlStateStoreParts.batchPayloads}. */
  private readonly batchPayloads: boolean;
  /** Payloads the last claims read, for the `getBatchRecords` right after (issue 28). */
  private readonly claimedPayloads = new ClaimedPayloads();
  private schemaReady: Promise<unknown> | undefined;

  constructor(parts: SqlStateStoreParts) {
    this.db = new Db(parts.executor);
    this.sql = new Statements(
      parts.executor.family,
      parts.tables,
      parts.layout === 'own',
      parts.executor.family === 'postgres' && parts.asynchronousCommit === true,
    );
    this.limitSql = new LimitStatements(parts.executor.family, parts.tables);
    this.traceSql = new TraceContextStatements(parts.executor.family, parts.tables);
    this.serial = parts.executor.family === 'sqlite' ? new Serial() : undefined;
    this.setUpSchema = () => parts.setUpSchema(parts.executor);
    this.keepJobAsGiven = parts.layout === 'own';
    this.batchPayloads = parts.batchPayloads ?? false;
  }

  /**
   * Runs the schema set-up once per store (later calls resolve the first run's result); a failed
   * run is retried by the next call.
   */
  protected setUpTables(): Promise<unknown> {
    this.schemaReady ??= this.exclusive(this.setUpSchema).catch((error: unknown) => {
      this.schemaReady = undefined;
      throw error;
    });
    return this.schemaReady;
  }

  /** Runs `work` once the tables are ready (SQLite: in turn with the store's other calls). */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    await this.setUpTables();
    return this.exclusive(work);
  }

  /**
   * Runs `work` in turn with the store's other calls on SQLite (outside their transactions),
   * at once on the other families: for a subclass's own calls on the connection.
   */
  protected exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.serial ? this.serial.run(work) : work();
  }

  // ---------------------------------------------------------------- StateStore

  /**
   * Saves `job` (no batches) only when no job has its id: one plain INSERT, which the primary key
   * refuses for an id already there (then nothing is written and this returns false).
   */
  createJobIfAbsent(job: JobState): Promise<boolean> {
    if (job.batches.length > 0) {
      return Promise.reject(
        new InvalidOptionError('job.batches', job.batches.length, 'no batches (an empty list)'),
      );
    }
    return this.run(async () => {
      try {
        await this.db.run(this.sql.insertJob(), this.jobValues(job));
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    });
  }

  /**
   * Creates or replaces the job row, and adds the rows of listed batches the store does not
   * hold yet (those it holds keep their state), with any records they carry; one transaction.
   */
  saveJobState(job: JobState): Promise<void> {
    for (const batch of job.batches) this.claimedPayloads.forget(job.id, batch.id);
    return this.run(async () => {
      const jobValues = this.jobValues(job);
      if (job.batches.length === 0) {
        await this.db.run(this.sql.upsertJob(), jobValues);
        return;
      }
      await this.db.transaction(async (transaction) => {
        await this.db.run(this.sql.upsertJob(), jobValues, transaction);
        for (const part of chunks(job.batches, BATCHES_PER_STATEMENT)) {
          await this.db.run(
            this.sql.insertBatches(part.length),
            part.flatMap((b) => batchRowValues(job.id, b)),
            transaction,
          );
        }
        for (const batch of job.batches) {
          if (batch.records.length === 0) continue;
          await this.writeRecords(job.id, batch.id, batch.records, transaction);
        }
      });
    });
  }

  getJobState(jobId: string): Promise<JobState | null> {
    return this.run(async () => {
      const jobs = await this.db.select<JobRow>(this.sql.selectJob(), [jobId]);
      const job = jobs[0];
      if (job === undefined) return null;
      const batches = await this.db.select<BatchRow>(this.sql.selectBatches(), [jobId]);
      return decodeJob(job, batches, this.keepJobAsGiven);
    });
  }

  /** Unfenced write of a batch's status and counters; unknown job or batch: does nothing (0.0.5). */
  updateBatchState(jobId: string, batchId: string, state: BatchState): Promise<void> {
    return this.run(async () => {
      await this.db.run(this.sql.updateBatchState(), [
        jobId,
        batchId,
        state.status,
        state.processedCount,
        state.failedCount,
        state.status === 'PENDING' ? 1 : 0,
      ]);
    });
  }

  /** Upserts one record by (job, index) in one statement; `retryCount` is kept. */
  saveProcessedRecord(jobId: string, batchId: string, record: ProcessedRecord): Promise<void> {
    this.claimedPayloads.forget(jobId, batchId);
    return this.run(() => this.writeRecords(jobId, batchId, [record]));
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

  /**
   * Progress with the published formula: `processedRecords` and `failedRecords` (`failed` +
   * `invalid`) count the job's stored records by status; `totalRecords` is the job row's (0
   * without a job row); `pendingRecords = max(0, total - processed - failed)`;
   * `percentage = Math.round((processed + failed) / total * 100)` (0 when `total` is 0);
   * `currentBatch` counts COMPLETED batches; `elapsedMs` runs from `startedAt` to now (0
   * without a start). `getJobProgress` gives the view from the batches' counters that
   * `getDistributedStatus` and the summary agree with.
   */
  getProgress(jobId: string): Promise<JobProgress> {
    return this.run(async () => {
      const [jobs, counts, payloads] = await Promise.all([
        this.db.select<ProgressRow>(this.sql.progress(), [jobId]),
        this.db.select<StatusCountRow>(this.sql.recordStatusCounts(), [jobId]),
        this.db.select<{ processed: Count }>(this.sql.payloadCounts(), [jobId]),
      ]);
      const job = jobs[0];
      // Records kept in batch payloads count from their rows' counters (their invalid and
      // failed ones have rows, counted below).
      let processed = Number(payloads[0]?.processed ?? 0);
      let failed = 0;
      for (const row of counts) {
        if (row.status === 'processed') processed += Number(row.count);
        else if (row.status === 'failed' || row.status === 'invalid') failed += Number(row.count);
      }
      const total = job === undefined ? 0 : Number(job.totalRecords);
      const startedAt = job === undefined ? undefined : optionalNumber(job.startedAt);
      return {
        totalRecords: total,
        processedRecords: processed,
        failedRecords: failed,
        pendingRecords: Math.max(0, total - processed - failed),
        percentage: total > 0 ? Math.round(((processed + failed) / total) * 100) : 0,
        currentBatch: job === undefined ? 0 : Number(job.completedBatches ?? 0),
        totalBatches: job === undefined ? 0 : Number(job.totalBatches),
        elapsedMs: startedAt ? Date.now() - startedAt : 0,
      };
    });
  }

  /**
   * Record-level progress from the batches' counters (what `getDistributedStatus` and the
   * summary agree with); unknown job: all zeros.
   */
  getJobProgress(jobId: string): Promise<JobProgress> {
    return this.run(async () => {
      const rows = await this.db.select<ProgressRow>(this.sql.progress(), [jobId]);
      const row = rows[0];
      if (row === undefined) return unknownJobProgress();
      return progressFromCounts({
        totalRecords: Number(row.totalRecords),
        processed: Number(row.processed),
        failed: Number(row.failed),
        doneBatches: Number(row.doneBatches ?? 0),
        totalBatches: Number(row.totalBatches),
        startedAt: optionalNumber(row.startedAt) ?? undefined,
        completedAt: optionalNumber(row.completedAt) ?? undefined,
        now: Number(row.now),
      });
    });
  }

  // ---------------------------------------------------------- DistributedStateStore

  /**
   * On PostgreSQL and SQLite the claim reads the claimed batch's payload too (issue 28); it is
   * kept for a moment, for the `getBatchRecords` a worker calls right after.
   */
  claimBatch(jobId: string, workerId: string): Promise<ClaimBatchResult> {
    return this.run(async () => {
      const result = await claimBatch(
        this.db,
        this.sql,
        this.limitSql,
        jobId,
        workerId,
        (batchId, payload, rowsToConfirm) => {
          if (payload === undefined) this.claimedPayloads.sawRows(jobId, batchId, rowsToConfirm);
          else this.claimedPayloads.keep(jobId, batchId, payload);
        },
      );
      // MySQL: a batch claimed as rows can be completed in one statement once read (issue 24).
      if (result.claimed && this.db.family === 'mysql') {
        const { reservation } = result;
        if (
          reservation.attempt !== undefined &&
          this.claimedPayloads.rowsToConfirm(jobId, reservation.batchId) !== undefined
        ) {
          this.claimedPayloads.noteRowsClaim(jobId, reservation.batchId, {
            attempt: reservation.attempt,
            claimedAt: reservation.claimedAt,
            recordStartIndex: reservation.recordStartIndex,
            recordEndIndex: reservation.recordEndIndex,
          });
        }
      }
      return result;
    });
  }

  /** Puts the batch back to PENDING only while `workerId` holds it (PROCESSING). */
  releaseBatch(jobId: string, batchId: string, workerId: string, attempt?: number): Promise<void> {
    return this.run(async () => {
      await this.db.run(this.sql.releaseBatch(), [jobId, batchId, workerId, attempt ?? -1]);
    });
  }

  /**
   * Puts batches claimed at least `timeoutMs` ago (database clock) back to PENDING; with
   * `maxAttempts`, a stale batch already claimed that many times is quarantined as FAILED.
   * Returns how many batches changed (see `sweepStaleBatches` for the two counts apart).
   * @throws InvalidOptionError for a negative or non-finite timeout or a bad `maxAttempts`.
   */
  async reclaimStaleBatches(
    jobId: string,
    timeoutMs: number,
    maxAttempts?: number,
  ): Promise<number> {
    const sweep = await this.sweepStaleBatches(jobId, timeoutMs, maxAttempts);
    return sweep.reclaimed + sweep.quarantined;
  }

  /**
   * `reclaimStaleBatches` with the batches put back (`reclaimed`) and those quarantined
   * counted apart (the facade's reclaim and quarantine counters).
   * @throws InvalidOptionError for a negative or non-finite timeout or a bad `maxAttempts`.
   */
  sweepStaleBatches(
    jobId: string,
    timeoutMs: number,
    maxAttempts?: number,
  ): Promise<StaleBatchSweep> {
    const invalid = reclaimArgumentsError(timeoutMs, maxAttempts);
    if (invalid) return Promise.reject(invalid);
    return this.run(async () => {
      const sweep = await reclaimStaleBatches(
        this.db,
        this.sql,
        jobId,
        Math.floor(timeoutMs),
        maxAttempts,
      );
      if (sweep.reclaimed + sweep.quarantined > 0) this.claimedPayloads.forgetJob(jobId);
      return sweep;
    });
  }

  /** Upserts the records of one batch: one statement, or one transaction when it takes more. */
  saveBatchRecords(
    jobId: string,
    batchId: string,
    records: readonly ProcessedRecord[],
  ): Promise<void> {
    this.claimedPayloads.forget(jobId, batchId);
    return this.run(() => this.writeRecords(jobId, batchId, records));
  }

  getBatchRecords(jobId: string, batchId: string): Promise<readonly ProcessedRecord[]> {
    const claimed = this.claimedPayloads.take(jobId, batchId);
    if (claimed !== undefined) return Promise.resolve(decodePayload(claimed));
    // A batch its claim saw kept as rows is read by its rows alone, once they confirm it.
    const rowsToConfirm = this.claimedPayloads.rowsToConfirm(jobId, batchId);
    return this.run(async () => {
      if (rowsToConfirm !== undefined) {
        const rows = await this.db.select<RecordRow>(this.sql.selectBatchRecords(), [
          jobId,
          batchId,
        ]);
        if (rows.length >= rowsToConfirm) {
          this.claimedPayloads.confirmRows(jobId, batchId);
          return rows.map(decodeRecord);
        }
        this.claimedPayloads.dropRows(jobId, batchId);
      }
      const fromPayload = await payloadRecords(this.db, this.sql, jobId, batchId);
      if (fromPayload !== undefined) {
        this.claimedPayloads.sawPayload(jobId, batchId);
        return fromPayload;
      }
      const rows = await this.db.select<RecordRow>(this.sql.selectBatchRecords(), [jobId, batchId]);
      return rows.map(decodeRecord);
    });
  }

  /** Batch counts by status; unknown job: all zeros and not complete (0.0.5). */
  getDistributedStatus(jobId: string): Promise<DistributedJobStatus> {
    return this.run(async () => {
      const rows = await this.db.select<StatusRow>(this.sql.distributedStatus(), [jobId]);
      const row = rows[0];
      if (row === undefined) return unknownJobDistributedStatus(jobId);
      return distributedStatusFromCounts(
        jobId,
        {
          pending: Number(row.pending ?? 0),
          processing: Number(row.processing ?? 0),
          completed: Number(row.completed ?? 0),
          failed: Number(row.failed ?? 0),
        },
        Number(row.openEarly) === 1,
      );
    });
  }

  /**
   * One conditional UPDATE, so exactly one caller ever gets true; while batches remain, a plain
   * read answers false without it (and without locking the job row claims read).
   */
  /** Finalises the job once (see the port), storing its summary in the same transaction. */
  tryFinalizeJob(jobId: string): Promise<boolean> {
    return this.run(async () => {
      const unfinished = await this.db.select(this.sql.hasUnfinishedBatch(), [jobId]);
      if (unfinished.length > 0) return false;
      return this.db.transaction(async (transaction) => {
        if ((await this.db.run(this.sql.finalizeJob(), [jobId], transaction)) === 0) return false;
        await storeSummary(this.db, this.sql, jobId, transaction);
        return true;
      });
    });
  }

  /**
   * Renews the prepare heartbeat of a job being prepared; false when it is not (any more) or,
   * with `prepareRun`, when that run does not own its prepare (see the port).
   */
  heartbeatPrepare(jobId: string, prepareRun?: string): Promise<boolean> {
    return this.run(() => heartbeatPrepare(this.db, this.sql, jobId, prepareRun));
  }

  /** Opens a job being prepared to workers before its prepare finished (see the port). */
  openEarly(jobId: string, startedAt: number): Promise<JobStatus | null> {
    return this.run(() => openEarly(this.db, this.sql, jobId, startedAt));
  }

  /** Ends the prepare and opens the job (CREATED → PROCESSING, PAUSED stays); see the port. */
  finishPrepare(
    jobId: string,
    totalRecords: number,
    startedAt: number,
    prepareRun?: string,
  ): Promise<JobStatus | null> {
    return this.run(() =>
      finishPrepare(this.db, this.sql, jobId, { totalRecords, startedAt }, prepareRun),
    );
  }

  /**
   * Gives the job's prepare to `prepareRun` when nobody runs it (no owner, or a heartbeat older
   * than `staleAfterMs` by the database clock); see the port.
   * @throws InvalidOptionError naming `prepareRun` or `staleAfterMs` when it is bad.
   */
  takeOverPrepare(
    jobId: string,
    prepareRun: string,
    staleAfterMs: number,
  ): Promise<PrepareTakeover> {
    const invalid = takeoverArgumentsError(prepareRun, staleAfterMs);
    if (invalid) return Promise.reject(invalid);
    return this.run(() => takeOverPrepare(this.db, this.sql, jobId, prepareRun, staleAfterMs));
  }

  /** The owning run gives the prepare up (see the port); false when it does not own it. */
  stopPrepare(jobId: string, prepareRun: string): Promise<boolean> {
    return this.run(() => stopPrepare(this.db, this.sql, jobId, prepareRun));
  }

  /** The owning run fails the job for good (see the port); false when it does not own it. */
  failPrepare(jobId: string, prepareRun: string): Promise<boolean> {
    return this.run(() => failPrepare(this.db, this.sql, jobId, prepareRun));
  }

  /** Every batch of the job in index order with its source cursor (one query). */
  listPreparedBatches(jobId: string): Promise<readonly PreparedBatch[]> {
    return this.run(() => listPreparedBatches(this.db, this.sql, jobId));
  }

  /** The job's row without batches, with its prepare heartbeat's age and stored summary. */
  getJobDetails(jobId: string): Promise<JobDetails | null> {
    return this.run(() => jobDetails(this.db, this.sql, jobId));
  }

  /** Gives the job's completion to one claimant (see the port). */
  claimJobCompletion(
    jobId: string,
    claimant: string,
    options: CompletionClaimOptions = {},
  ): Promise<JobSummary | null> {
    return this.run(() =>
      claimJobCompletion(this.db, this.sql, jobId, claimant, options.takeOverAfterMs),
    );
  }

  /** Records that the claimant emitted the job's completion (see the port). */
  acknowledgeJobCompletion(jobId: string, claimant: string): Promise<boolean> {
    return this.run(() => acknowledgeJobCompletion(this.db, this.sql, jobId, claimant));
  }

  // ------------------------------------------------------------- optional port methods

  /**
   * Stores a new batch and its records in one transaction (the `prepare` path), into a job being
   * prepared (CREATED or PAUSED, or PROCESSING while opened early). The batch is claimable once
   * the job is PROCESSING. A batch the store holds keeps its state; its records are replaced.
   * @throws JobNotFoundError (unknown or purged job), JobNotPreparingError (not being prepared,
   * or `options.prepareRun` does not own its prepare) or RecordAlreadyStoredError (a record
   * index held by another batch), writing nothing.
   */
  registerBatch(jobId: string, batch: Batch, options: RegisterBatchOptions = {}): Promise<void> {
    this.claimedPayloads.forget(jobId, batch.id);
    if (this.batchPayloads) {
      return this.run(() => registerBatchWithPayload(this.db, this.sql, jobId, batch, options));
    }
    return this.run(() =>
      this.db.family === 'postgres'
        ? registerBatchPostgres(this.db, this.sql, jobId, batch, options)
        : registerBatchInTransaction(this.db, this.sql, jobId, batch, options),
    );
  }

  /**
   * Fenced: writes the batch's outcome and every record in one transaction while `lease` is
   * the batch's current claim.
   * @throws LeaseLostError (nothing written) when the batch was reclaimed, released or finished.
   */
  completeBatch(
    lease: BatchLease,
    records: readonly ProcessedRecord[],
    outcome: BatchOutcome,
  ): Promise<void> {
    this.claimedPayloads.forget(lease.jobId, lease.batchId);
    const seenWithPayload = this.claimedPayloads.hadPayload(lease.jobId, lease.batchId);
    const rowsClaim = this.claimedPayloads.confirmedRowsClaim(lease.jobId, lease.batchId);
    const seenAsRows = this.claimedPayloads.hadRows(lease.jobId, lease.batchId);
    return this.run(async () => {
      // A batch its claim saw kept as rows (a batch keeps its layout for life) is written by
      // its rows, without first trying the payload write; on MySQL in one statement when this
      // store claimed it and read all its rows (issue 24).
      if (seenAsRows && this.db.family !== 'postgres') {
        if (
          rowsClaim !== undefined &&
          (await completeClaimedRowsBatchMysql(
            this.db,
            this.sql,
            lease,
            rowsClaim,
            records,
            outcome,
          ))
        ) {
          return;
        }
        await completeBatch(this.db, this.sql, lease, records, outcome);
        return;
      }
      // Either write refuses, writing nothing, a batch stored the other way (any store of the
      // database may have registered it); the way this store registers, or saw the batch stored
      // at its claim, is tried first. PostgreSQL's per-record write tells so itself; elsewhere
      // the payload write (one transaction) writes a batch without a payload by its rows.
      if (this.batchPayloads || seenWithPayload || this.db.family !== 'postgres') {
        if (await completeBatchWithPayload(this.db, this.sql, lease, records, outcome)) return;
        await completeBatch(this.db, this.sql, lease, records, outcome);
        return;
      }
      if (await completeBatch(this.db, this.sql, lease, records, outcome)) return;
      await completeBatchWithPayload(this.db, this.sql, lease, records, outcome);
    });
  }

  /**
   * Fenced: renews the claim time of a batch the worker still holds.
   * @throws LeaseLostError when the lease is gone.
   */
  heartbeatBatch(lease: BatchLease): Promise<void> {
    return this.run(async () => {
      const changed = await this.db.run(this.sql.heartbeatBatch(), [
        lease.jobId,
        lease.batchId,
        lease.workerId,
        lease.attempt,
      ]);
      if (changed === 0) {
        throw new LeaseLostError(lease.jobId, lease.batchId, lease.workerId, lease.attempt);
      }
    });
  }

  /** Moves the job to `to` only if its status is one of `from` (one conditional UPDATE). */
  updateJobStatus(jobId: string, from: readonly JobStatus[], to: JobStatus): Promise<boolean> {
    if (from.length === 0) return Promise.resolve(false);
    const kind = TERMINAL.has(to) ? 1 : to === JobStatus.PROCESSING ? 2 : 0;
    const values = [jobId, to, kind, ...from];
    if (to !== JobStatus.ABORTED) {
      return this.run(
        async () => (await this.db.run(this.sql.updateJobStatus(from.length), values)) > 0,
      );
    }
    // A cancel also gives the job's batches in flight back, in the same transaction (job row
    // first, then batches, the order deleteJob takes them in), so their holders write nothing.
    return this.run(() =>
      this.db.transaction(async (transaction) => {
        const changed = await this.db.run(
          this.sql.updateJobStatus(from.length),
          values,
          transaction,
        );
        if (changed === 0) return false;
        await this.db.run(this.sql.releaseProcessingBatches(), [jobId], transaction);
        return true;
      }),
    );
  }

  /** The job's status alone, or null for an unknown job. */
  /** The job's PROCESSING batches with holder, attempt and heartbeat age (see the port). */
  listBatchesInFlight(jobId: string): Promise<readonly BatchInFlight[]> {
    return this.run(async () => {
      const rows = await this.db.select<{
        id: string;
        batchIndex: number | string;
        workerId: string;
        attempt: number | string;
        ageMs: number | string;
      }>(this.sql.selectBatchesInFlight(), [jobId]);
      return rows.map((row) => ({
        batchId: row.id,
        batchIndex: Number(row.batchIndex),
        workerId: row.workerId,
        attempt: Number(row.attempt),
        heartbeatAgeMs: Math.max(0, Number(row.ageMs)),
      }));
    });
  }

  getJobStatus(jobId: string): Promise<JobStatus | null> {
    return this.run(async () => {
      const rows = await this.db.select<{ status: JobStatus }>(this.sql.selectJobStatus(), [jobId]);
      return rows[0]?.status ?? null;
    });
  }

  /** Job-wide `uniqueFields`: the index of the record holding each claimed value. */
  claimUniqueValues(
    jobId: string,
    claims: readonly UniqueValueClaim[],
  ): Promise<readonly number[]> {
    return this.run(() => claimUniqueValues(this.db, this.sql, jobId, claims));
  }

  // ---------------------------------------------------------------- trace context

  /** Stores the prepare's trace context with the job (issue 29); false for an unknown job. */
  saveTraceContext(jobId: string, carrier: TraceContextCarrier): Promise<boolean> {
    return this.run(() => saveTraceContext(this.db, this.traceSql, jobId, carrier));
  }

  /** The trace context stored with the job; null without one or for an unknown job. */
  getTraceContext(jobId: string): Promise<TraceContextCarrier | null> {
    return this.run(() => getTraceContext(this.db, this.traceSql, jobId));
  }

  /** Deletes a job with its batches, records and unique values; false when it did not exist. */
  // ---------------------------------------------------------------- job-wide limits

  /** Changes the job's limits (see the port); false for an unknown job. */
  setJobLimits(jobId: string, change: JobLimitsChange): Promise<boolean> {
    return this.run(() => setJobLimits(this.db, this.limitSql, jobId, change));
  }

  /** The job's limits and where its rate stands; `{}` without limits, null for an unknown job. */
  getJobLimits(jobId: string): Promise<JobLimitsState | null> {
    return this.run(() => getJobLimits(this.db, this.limitSql, jobId));
  }

  /** One lease of the job's rate bucket, in one transaction (see the port). */
  leaseRateTokens(jobId: string, wanted: number): Promise<TokenLease> {
    return this.run(() => leaseRateTokens(this.db, this.limitSql, jobId, wanted));
  }

  /** Gives back leased tokens a worker did not spend. */
  returnRateTokens(jobId: string, tokens: number): Promise<void> {
    return this.run(() => returnRateTokens(this.db, this.limitSql, jobId, tokens));
  }

  /** `ctx.throttle(ms)`: pauses the job's leases for `ms` and halves its rate. */
  throttleJob(jobId: string, ms: number): Promise<void> {
    return this.run(() => throttleJob(this.db, this.limitSql, jobId, ms));
  }

  deleteJob(jobId: string): Promise<boolean> {
    this.claimedPayloads.forgetJob(jobId);
    return this.run(() =>
      this.db.transaction(async (transaction) => {
        // The job row first: a batch registration in flight ends before the delete (which then
        // removes its rows), and a later one finds no job.
        await this.db.select(this.sql.lockJob('update'), [jobId], transaction);
        await deleteJobLimits(this.db, this.limitSql, jobId, transaction);
        let deleted = 0;
        for (const statement of this.sql.deleteJob()) {
          deleted = await this.db.run(statement, [jobId], transaction);
        }
        return deleted > 0;
      }),
    );
  }

  /**
   * Every job of the store with its batch counts, newest first (`startedAt` descending, jobs
   * without one last, ties by id), filtered by status and limited in number.
   * @throws InvalidOptionError for a `limit` that is not an integer >= 1 or an unknown status.
   */
  listJobs(filter?: JobListFilter): Promise<readonly JobListEntry[]> {
    return this.run(() => listJobs(this.db, this.sql.t, filter));
  }

  /** A page of the job's batches in index order, without records (the dashboard's grid). */
  listBatches(jobId: string, page?: BatchListPage): Promise<readonly BatchListEntry[]> {
    return this.run(() => listBatches(this.db, this.sql.t, jobId, page));
  }

  /** A page of the job's batches with only index, status, failed count and heartbeat age. */
  listBatchStatuses(jobId: string, page?: BatchListPage): Promise<readonly BatchStatusEntry[]> {
    return this.run(() => listBatchStatuses(this.db, this.sql.t, jobId, page));
  }

  /** A page of the job's invalid and failed records in index order. */
  listFailedRecords(jobId: string, page?: FailedRecordPage): Promise<readonly ProcessedRecord[]> {
    return this.run(() => listFailedRecords(this.db, this.sql.t, jobId, page));
  }

  /** The bind values of a job row (`upsertJobSql`, `insertJobSql`). */
  private jobValues(job: JobState): unknown[] {
    return [
      job.id,
      job.status,
      JSON.stringify(this.keepJobAsGiven ? job.config : persistedConfig(job.config)),
      job.totalRecords,
      job.startedAt ?? null,
      job.completedAt ?? null,
      job.distributed ?? (this.keepJobAsGiven ? null : false),
      typeof job.sourceName === 'string' && job.sourceName !== ''
        ? job.sourceName.slice(0, MAX_SOURCE_NAME_LENGTH)
        : null,
    ];
  }

  private recordsWithStatus(
    jobId: string,
    statuses: readonly RecordStatus[],
  ): Promise<readonly ProcessedRecord[]> {
    return this.run(async () => {
      const [rows, fromPayloads] = await Promise.all([
        this.db.select<RecordRow>(this.sql.selectRecordsByStatus(statuses.length), [
          jobId,
          ...statuses,
        ]),
        payloadRecordsWithStatus(this.db, this.sql, jobId, statuses),
      ]);
      const records = rows.map(decodeRecord);
      if (fromPayloads.length === 0) return records;
      return [...records, ...fromPayloads].sort((a, b) => a.index - b.index);
    });
  }

  /**
   * Saves records of batch `batchId`: merged into its payload when it has one, else upserted as
   * rows (in `transaction`, or as one write of their own).
   */
  private async writeRecords(
    jobId: string,
    batchId: string,
    records: readonly ProcessedRecord[],
    transaction?: Transaction,
  ): Promise<void> {
    if (await writeRecordsToPayload(this.db, this.sql, jobId, batchId, records, transaction)) {
      return;
    }
    await upsertRecords(this.db, this.sql, jobId, batchId, records, transaction);
  }
}
