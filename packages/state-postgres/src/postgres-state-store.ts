import {
  BatchActionsError,
  InvalidOptionError,
  checkJobListFilter,
  type JobListEntry,
  type JobListFilter,
  type JobListRow,
  jobListEntryFromRow,
  RECORD_STATUS_GROUPS,
  unknownJobDistributedStatus,
  unknownJobProgress,
  checkReclaimArguments,
  distributedStatusFromCounts,
  JobNotFoundError,
  JobNotPreparingError,
  LeaseLostError,
  RecordAlreadyStoredError,
  checkTakeoverArguments,
  isBeingPrepared,
  prepareTakeoverFor,
  type PrepareStanding,
  type PrepareTakeover,
  type PreparedBatch,
  type RegisterBatchOptions,
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
  JobStatus,
  type UniqueValueClaim,
  type DistributedStateStore,
  type JobProgress,
  type JobState,
  type ProcessedRecord,
  type RecordStatus,
} from '@batchactions/core';
import pg from 'pg';
import { ConnectingClient } from './connecting-client';
import { listJobsSql } from './sql/list-jobs';
import { SchemaNotInitializedError } from './errors';
import { batchColumns, decodeJob, recordEndIndex, recordStartIndex } from './job-rows';
import type { BatchRow, JobRow } from './job-rows';
import { migrateSchema, type MigrationOutcome } from './migrate';
import { LATEST_SCHEMA_VERSION } from './migrations';
import { resolvePostgresOptions, type PostgresStateStoreOptions } from './options';
import { PgErrorCode, sqlState } from './pg-errors';
import type { PgPoolLike, PgQueryable, PgQueryResultLike } from './pg-types';
import { progressFromRow, type ProgressRow } from './progress';
import {
  decodeRecord,
  encodeOutcomes,
  encodeRecords,
  outcomeParameters,
  recordParameters,
  toPgText,
} from './record-codec';
import type { RecordRow } from './record-codec';
import { schemaTables, type SchemaTables } from './sql/tables';
import { buildStatements, type Statements } from './statements';
import { withTransaction } from './transaction';

interface BatchInFlightRow {
  id: string;
  batch_index: number;
  worker_id: string;
  attempt: number;
  heartbeat_age_ms: number;
}

interface ClaimRow {
  readonly job_status: string;
  readonly id: string | null;
  readonly batch_index: number;
  readonly record_start_index: number;
  readonly record_end_index: number;
  readonly attempt: number;
  readonly claimed_at: number;
}

interface JobDetailsRow {
  readonly status: JobStatus;
  readonly total_records: number;
  readonly created_at: number;
  readonly started_at: number | null;
  readonly completed_at: number | null;
  readonly prepare_heartbeat_age_ms: number | null;
  readonly summary: string | null;
  readonly open_early: boolean;
  readonly prepare_stopped: boolean;
}

interface PrepareStandingRow {
  readonly status: JobStatus;
  readonly finished: boolean;
  readonly open_early: boolean;
  readonly owner: string | null;
  readonly heartbeat_age_ms: number | null;
}

interface PreparedBatchRow {
  readonly id: string;
  readonly batch_index: number;
  readonly record_start_index: number;
  readonly record_end_index: number;
  readonly source_cursor: string | null;
}

interface StatusRow {
  readonly total: number;
  readonly pending: number;
  readonly processing: number;
  readonly completed: number;
  readonly failed: number;
  readonly open_early: boolean;
}

/**
 * A `DistributedStateStore` in PostgreSQL, for workers on many machines.
 *
 * Jobs, batches and records live in three tables of one schema (`batchactions` by default).
 * Every store call is one SQL statement (`saveJobState`: one short transaction), so it is
 * atomic on its own; claims use `FOR UPDATE SKIP LOCKED`, writes of a finished batch are fenced
 * by the claim's attempt number, and the database clock times claims and staleness.
 *
 * ```ts
 * const store = new PostgresStateStore({ connectionString: process.env.DATABASE_URL! });
 * await store.initialize(); // creates or migrates the schema; safe to call from every process
 * // ... new DistributedImport({ stateStore: store, ... })
 * await store.close();
 * ```
 */
export class PostgresStateStore implements DistributedStateStore {
  /** The schema holding the store's tables. */
  readonly schema: string;
  private readonly pool: PgPoolLike;
  private readonly ownedPool: pg.Pool | undefined;
  private readonly tables: SchemaTables;
  private readonly sql: Statements;
  private closed = false;

  constructor(options: PostgresStateStoreOptions) {
    const resolved = resolvePostgresOptions(options);
    this.schema = resolved.schema;
    this.tables = schemaTables(resolved.schema);
    this.sql = buildStatements(this.tables);
    if (resolved.kind === 'pool') {
      this.pool = resolved.pool;
      this.ownedPool = undefined;
    } else {
      const owned = new pg.Pool({
        connectionString: resolved.connectionString,
        max: resolved.poolSize,
        connectionTimeoutMillis: resolved.connectTimeoutMs,
        Client: ConnectingClient,
      });
      owned.on('error', resolved.onPoolError);
      this.pool = owned;
      this.ownedPool = owned;
    }
  }

  /**
   * Creates the schema and its tables, or migrates them to this version. Idempotent and safe
   * when many processes call it at once. Throws `SchemaVersionError` when a newer version of
   * this package already migrated the schema further.
   */
  async initialize(): Promise<MigrationOutcome> {
    return migrateSchema(this.pool, this.tables);
  }

  /**
   * The schema version the database holds (the highest migration applied; `0` when the schema
   * or its migrations table does not exist) and the one this package writes. Needs no
   * `initialize()` and never creates nor migrates anything (for health checks).
   */
  async readSchemaVersion(): Promise<{ readonly current: number; readonly expected: number }> {
    let current = 0;
    try {
      const { rows } = await this.query(
        `SELECT max(version) AS version FROM ${this.tables.migrations}`,
        [],
      );
      current = (rows[0] as { version: number | null } | undefined)?.version ?? 0;
    } catch (error) {
      if (!(error instanceof SchemaNotInitializedError)) throw error;
    }
    return { current, expected: LATEST_SCHEMA_VERSION };
  }

  /** Ends the pool the store opened from `connectionString`; a pool you passed stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ownedPool?.end();
  }

  async saveJobState(job: JobState): Promise<void> {
    await this.translateErrors(() =>
      withTransaction(this.pool, async (client) => {
        await client.query(this.sql.upsertJob, [
          job.id,
          job.status,
          JSON.stringify(job.config),
          job.totalRecords,
          job.distributed ?? null,
          job.startedAt ?? null,
          job.completedAt ?? null,
        ]);
        if (job.batches.length > 0) {
          await client.query(this.sql.insertBatches, [job.id, ...batchColumns(job.batches)]);
        }
        for (const batch of job.batches) {
          if (batch.records.length === 0) continue;
          await this.upsertRecords(client, job.id, batch.id, batch.records);
        }
      }),
    );
  }

  /**
   * Saves `job` (no batches) only when no job has its id: one `INSERT ... ON CONFLICT DO
   * NOTHING`, so of concurrent calls with one id exactly one creates it (see the port).
   */
  async createJobIfAbsent(job: JobState): Promise<boolean> {
    if (job.batches.length > 0) {
      throw new InvalidOptionError('job.batches', job.batches.length, 'no batches (an empty list)');
    }
    const result = await this.query(this.sql.insertJobIfAbsent, [
      job.id,
      job.status,
      JSON.stringify(job.config),
      job.totalRecords,
      job.distributed ?? null,
      job.startedAt ?? null,
      job.completedAt ?? null,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async getJobState(jobId: string): Promise<JobState | null> {
    const jobs = await this.query(this.sql.selectJob, [jobId]);
    const job = jobs.rows[0] as JobRow | undefined;
    if (!job) return null;
    const batches = await this.query(this.sql.selectBatches, [jobId]);
    return decodeJob(job, batches.rows as BatchRow[]);
  }

  /**
   * Stores a new batch and its records in one statement, into a job being prepared (CREATED or
   * PAUSED); status and progress count them while the prepare runs. The records are plainly
   * inserted (the fast path: in `prepare` they are new); if some already exist the call is
   * repeated as an upsert, so registering a batch again replaces its records. Throws
   * `JobNotFoundError` (unknown or purged job) or `JobNotPreparingError` and writes nothing when
   * the job does not take batches.
   */
  async registerBatch(jobId: string, batch: Batch, options?: RegisterBatchOptions): Promise<void> {
    const columns = encodeRecords(batch.records);
    const values = [
      jobId,
      batch.id,
      ...recordParameters(columns),
      batch.index,
      batch.status,
      recordStartIndex(batch),
      recordEndIndex(batch),
      batch.processedCount,
      batch.failedCount,
      batch.attempt ?? 0,
      batch.workerId ?? null,
      batch.claimedAt ?? null,
      batch.error === undefined ? null : toPgText(batch.error),
      options?.prepareRun ?? null,
      options?.sourceCursor ?? null,
    ];
    let written: number;
    try {
      written = (await this.query(this.sql.registerBatch, values)).rowCount ?? 0;
    } catch (error) {
      if (sqlState(error) === PgErrorCode.FOREIGN_KEY_VIOLATION) throw new JobNotFoundError(jobId);
      if (sqlState(error) !== PgErrorCode.UNIQUE_VIOLATION) throw error;
      // Records of this range exist. Under this very batch (registered again): its records are
      // replaced. Under another batch: the range is stored already, and nothing is written.
      const again = await this.query(this.sql.batchExists, [jobId, batch.id]);
      if ((again.rowCount ?? 0) === 0) throw new RecordAlreadyStoredError(jobId, batch.id);
      written = (await this.query(this.sql.registerBatchReplacing, values)).rowCount ?? 0;
    }
    if (written > 0) return;
    const standing = await this.prepareStanding(jobId);
    if (standing === undefined) throw new JobNotFoundError(jobId);
    // Being prepared, yet refused: another run owns the prepare.
    const run = isBeingPrepared(standing) ? options?.prepareRun : undefined;
    throw new JobNotPreparingError(jobId, standing.status, run);
  }

  /** What the prepare rules look at in the job; undefined for an unknown job. */
  private async prepareStanding(jobId: string): Promise<PrepareStanding | undefined> {
    const result = await this.query(this.sql.prepareStanding, [jobId]);
    const row = result.rows[0] as PrepareStandingRow | undefined;
    if (!row) return undefined;
    return {
      status: row.status,
      finished: row.finished,
      openEarly: row.open_early,
      owner: row.owner ?? undefined,
      heartbeatAgeMs: row.heartbeat_age_ms ?? undefined,
    };
  }

  /**
   * Renews the prepare heartbeat of a job being prepared; false when it is not (any more). With
   * `prepareRun`, only while that run owns the prepare (a heartbeat never takes one).
   */
  async heartbeatPrepare(jobId: string, prepareRun?: string): Promise<boolean> {
    const result = await this.query(this.sql.heartbeatPrepare, [jobId, prepareRun ?? null]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Opens a job being prepared to workers before its prepare ends (see the port). */
  async openEarly(jobId: string, startedAt: number): Promise<JobStatus | null> {
    const result = await this.query(this.sql.openEarly, [jobId, startedAt]);
    const row = result.rows[0] as { status: JobStatus } | undefined;
    return row ? row.status : this.getJobStatus(jobId);
  }

  /** Opens a prepared job (CREATED → PROCESSING, PAUSED stays); see the port. */
  async finishPrepare(
    jobId: string,
    totalRecords: number,
    startedAt: number,
    prepareRun?: string,
  ): Promise<JobStatus | null> {
    const result = await this.query(this.sql.finishPrepare, [
      jobId,
      totalRecords,
      startedAt,
      prepareRun ?? null,
    ]);
    const row = result.rows[0] as { status: JobStatus } | undefined;
    return row ? row.status : this.getJobStatus(jobId);
  }

  /** Gives the job's prepare to `prepareRun` unless a live run holds it (see the port). */
  async takeOverPrepare(
    jobId: string,
    prepareRun: string,
    staleAfterMs: number,
  ): Promise<PrepareTakeover> {
    checkTakeoverArguments(prepareRun, staleAfterMs);
    for (;;) {
      const taken = await this.query(this.sql.takeOverPrepare, [jobId, prepareRun, staleAfterMs]);
      if ((taken.rowCount ?? 0) > 0) return { taken: true };
      // Nothing changed: the same rules, on the row as it is now, name the reason. If they
      // would take it now (the owner stopped, or its heartbeat aged, in between), try again.
      const refusal = prepareTakeoverFor(
        await this.prepareStanding(jobId),
        prepareRun,
        staleAfterMs,
      );
      if (!refusal.taken) return refusal;
    }
  }

  /** `prepareRun` gives up the job's prepare before its end; true when it owned it. */
  async stopPrepare(jobId: string, prepareRun: string): Promise<boolean> {
    const result = await this.query(this.sql.stopPrepare, [jobId, prepareRun]);
    return (result.rowCount ?? 0) > 0;
  }

  /** `prepareRun` fails the job for good, only while it owns the prepare (see the port). */
  async failPrepare(jobId: string, prepareRun: string): Promise<boolean> {
    const result = await this.query(this.sql.failPrepare, [jobId, prepareRun]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Every batch of the job in index order, with its source cursor. */
  async listPreparedBatches(jobId: string): Promise<readonly PreparedBatch[]> {
    const result = await this.query(this.sql.listPreparedBatches, [jobId]);
    return (result.rows as PreparedBatchRow[]).map((row) => ({
      batchId: row.id,
      batchIndex: row.batch_index,
      recordStartIndex: row.record_start_index,
      recordEndIndex: row.record_end_index,
      ...(row.source_cursor === null ? {} : { sourceCursor: row.source_cursor }),
    }));
  }

  /** The job's row without batches, with its prepare heartbeat's age and stored summary. */
  async getJobDetails(jobId: string): Promise<JobDetails | null> {
    const result = await this.query(this.sql.selectJobDetails, [jobId]);
    const row = result.rows[0] as JobDetailsRow | undefined;
    if (!row) return null;
    return {
      jobId,
      status: row.status,
      totalRecords: row.total_records,
      createdAt: row.created_at,
      ...(row.started_at === null ? {} : { startedAt: row.started_at }),
      ...(row.completed_at === null ? {} : { completedAt: row.completed_at }),
      ...(row.prepare_heartbeat_age_ms === null
        ? {}
        : { prepareHeartbeatAgeMs: row.prepare_heartbeat_age_ms }),
      ...(row.summary === null ? {} : { summary: JSON.parse(row.summary) as JobSummary }),
      ...(row.open_early ? { openEarly: true } : {}),
      ...(row.prepare_stopped ? { prepareStopped: true } : {}),
    };
  }

  /** Gives the job's completion to one claimant (see the port). */
  async claimJobCompletion(
    jobId: string,
    claimant: string,
    options: CompletionClaimOptions = {},
  ): Promise<JobSummary | null> {
    const result = await this.query(this.sql.claimJobCompletion, [
      jobId,
      claimant,
      options.takeOverAfterMs ?? null,
    ]);
    const row = result.rows[0] as { summary: string } | undefined;
    return row ? (JSON.parse(row.summary) as JobSummary) : null;
  }

  /** Records that the claimant emitted the job's completion (see the port). */
  async acknowledgeJobCompletion(jobId: string, claimant: string): Promise<boolean> {
    const result = await this.query(this.sql.acknowledgeJobCompletion, [jobId, claimant]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Unknown job or batch: does nothing, as the published stores. */
  async updateBatchState(jobId: string, batchId: string, state: BatchState): Promise<void> {
    await this.query(this.sql.updateBatchState, [
      jobId,
      batchId,
      state.status,
      state.processedCount,
      state.failedCount,
    ]);
  }

  async saveProcessedRecord(
    jobId: string,
    batchId: string,
    record: ProcessedRecord,
  ): Promise<void> {
    await this.saveBatchRecords(jobId, batchId, [record]);
  }

  async saveBatchRecords(
    jobId: string,
    batchId: string,
    records: readonly ProcessedRecord[],
  ): Promise<void> {
    if (records.length === 0) {
      const found = await this.query(this.sql.jobExists, [jobId]);
      if (found.rowCount === 0) throw new JobNotFoundError(jobId);
      return;
    }
    const written = await this.upsertRecords(this.pool, jobId, batchId, records);
    if (written === 0) throw new JobNotFoundError(jobId);
  }

  async getBatchRecords(jobId: string, batchId: string): Promise<readonly ProcessedRecord[]> {
    const result = await this.query(this.sql.selectBatchRecords, [jobId, batchId]);
    return (result.rows as RecordRow[]).map(decodeRecord);
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

  /** Unknown job: all zeros, as the published stores. */
  async getProgress(jobId: string): Promise<JobProgress> {
    const result = await this.query(this.sql.progress, [jobId]);
    const row = result.rows[0] as ProgressRow | undefined;
    if (!row) return unknownJobProgress();
    return progressFromRow(row);
  }

  /** The same as `getProgress` here: this store has no published formula to keep. */
  getJobProgress(jobId: string): Promise<JobProgress> {
    return this.getProgress(jobId);
  }

  async claimBatch(jobId: string, workerId: string): Promise<ClaimBatchResult> {
    const result = await this.query(this.sql.claimBatch, [jobId, workerId]);
    const row = result.rows[0] as ClaimRow | undefined;
    if (!row) return { claimed: false, reason: 'JOB_NOT_FOUND' };
    if (row.id === null) {
      return {
        claimed: false,
        reason: row.job_status === 'PROCESSING' ? 'NO_PENDING_BATCHES' : 'JOB_NOT_PROCESSING',
      };
    }
    return {
      claimed: true,
      reservation: {
        jobId,
        batchId: row.id,
        batchIndex: row.batch_index,
        workerId,
        claimedAt: row.claimed_at,
        recordStartIndex: row.record_start_index,
        recordEndIndex: row.record_end_index,
        attempt: row.attempt,
      },
    };
  }

  async releaseBatch(
    jobId: string,
    batchId: string,
    workerId: string,
    attempt?: number,
  ): Promise<void> {
    await this.query(this.sql.releaseBatch, [jobId, batchId, workerId, attempt ?? null]);
  }

  async reclaimStaleBatches(
    jobId: string,
    timeoutMs: number,
    maxAttempts?: number,
  ): Promise<number> {
    checkReclaimArguments(timeoutMs, maxAttempts);
    const result = await this.query(this.sql.reclaimStaleBatches, [
      jobId,
      timeoutMs,
      maxAttempts ?? null,
    ]);
    return (result.rows[0] as { reclaimed: number } | undefined)?.reclaimed ?? 0;
  }

  /** Unknown job: all zeros and not complete, as the published `SequelizeStateStore`. */
  async getDistributedStatus(jobId: string): Promise<DistributedJobStatus> {
    const result = await this.query(this.sql.distributedStatus, [jobId]);
    const row = result.rows[0] as StatusRow | undefined;
    if (!row) return unknownJobDistributedStatus(jobId);
    const status = distributedStatusFromCounts(jobId, {
      pending: row.pending,
      processing: row.processing,
      completed: row.completed,
      failed: row.failed,
    });
    // While a prepare that opened the job early stores batches, more may come.
    return row.open_early ? { ...status, isComplete: false } : status;
  }

  async tryFinalizeJob(jobId: string): Promise<boolean> {
    const result = await this.query(this.sql.finalizeJob, [jobId]);
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * One statement in the usual case: the records `prepare` stored are updated in place (their
   * raw payloads are kept as stored, neither sent nor rewritten). Records this batch does not
   * hold yet are written by a second, upserting statement, under the same lease.
   */
  async completeBatch(
    lease: BatchLease,
    records: readonly ProcessedRecord[],
    outcome: BatchOutcome,
  ): Promise<void> {
    const batchOutcome = [
      outcome.status,
      outcome.processedCount,
      outcome.failedCount,
      outcome.error === undefined ? null : toPgText(outcome.error),
      lease.workerId,
      lease.attempt,
    ];
    const inPlace = await this.query(this.sql.completeBatchInPlace, [
      lease.jobId,
      lease.batchId,
      ...outcomeParameters(encodeOutcomes(records)),
      ...batchOutcome,
    ]);
    if (leasedCount(inPlace) === 1) return;
    // The lease is gone, or some records are not stored under this batch: the upserting write
    // tells the two apart (it writes everything when the lease holds).
    const upserted = await this.query(this.sql.completeBatch, [
      lease.jobId,
      lease.batchId,
      ...recordParameters(encodeRecords(records)),
      ...batchOutcome,
    ]);
    if (leasedCount(upserted) === 0) {
      throw new LeaseLostError(lease.jobId, lease.batchId, lease.workerId, lease.attempt);
    }
  }

  async heartbeatBatch(lease: BatchLease): Promise<void> {
    const result = await this.query(this.sql.heartbeatBatch, [
      lease.jobId,
      lease.batchId,
      lease.workerId,
      lease.attempt,
    ]);
    if (result.rowCount === 0) {
      throw new LeaseLostError(lease.jobId, lease.batchId, lease.workerId, lease.attempt);
    }
  }

  /**
   * Moves the job to `to` if its status is one of `from` (one conditional UPDATE). A move to
   * ABORTED releases the job's batches in flight in the same transaction, in a second statement
   * that sees every claim that overlapped it (claims hold the job row `FOR SHARE`).
   */
  async updateJobStatus(
    jobId: string,
    from: readonly JobStatus[],
    to: JobStatus,
  ): Promise<boolean> {
    if (to !== JobStatus.ABORTED) {
      const result = await this.query(this.sql.updateJobStatus, [jobId, from, to]);
      return (result.rowCount ?? 0) > 0;
    }
    return this.translateErrors(() =>
      withTransaction(this.pool, async (client) => {
        const changed = await client.query(this.sql.updateJobStatus, [jobId, from, to]);
        if ((changed.rowCount ?? 0) === 0) return false;
        await client.query(this.sql.releaseAbortedBatches, [jobId]);
        return true;
      }),
    );
  }

  /**
   * Job-wide `uniqueFields`: gives each value to the first record that claims it and returns,
   * per claim, the index of the record holding the value. One statement, plus one read for
   * values a concurrent claimant committed in between.
   */
  async claimUniqueValues(
    jobId: string,
    claims: readonly UniqueValueClaim[],
  ): Promise<readonly number[]> {
    if (claims.length === 0) return [];
    const fields = claims.map((c) => c.field);
    const values = claims.map((c) => toPgText(c.value));
    const result = await this.query(this.sql.claimUniqueValues, [
      jobId,
      fields,
      values,
      claims.map((c) => c.recordIndex),
    ]);
    const holders = (result.rows as { holder: number | null }[]).map((r) => r.holder);
    const missing = holders.flatMap((h, k) => (h === null ? [k] : []));
    if (missing.length > 0) {
      const reread = await this.query(this.sql.selectUniqueHolders, [
        jobId,
        missing.map((k) => fields[k]),
        missing.map((k) => values[k]),
      ]);
      const byPair = new Map(
        (reread.rows as { field: string; value: string; holder: number }[]).map((r) => [
          JSON.stringify([r.field, r.value]),
          r.holder,
        ]),
      );
      for (const k of missing) {
        holders[k] = byPair.get(JSON.stringify([fields[k], values[k]])) ?? null;
      }
    }
    return holders.map((holder, k) => {
      if (holder === null) {
        // Only a concurrent deleteJob of this very job can take the row away in between.
        throw new BatchActionsError(
          'UNIQUE_CLAIM_LOST',
          `claimUniqueValues: no holder found for ${JSON.stringify(claims[k])} of job "${jobId}" after inserting it`,
        );
      }
      return holder;
    });
  }

  /** Every job with its counts, newest first (see `DistributedStateStore.listJobs`). */
  async listJobs(filter?: JobListFilter): Promise<readonly JobListEntry[]> {
    const { statuses, limit } = checkJobListFilter(filter);
    const result = await this.query(listJobsSql(this.tables), [statuses ?? null, limit ?? null]);
    return (result.rows as JobListRow[]).map(jobListEntryFromRow);
  }

  /** The job's PROCESSING batches with holder, attempt and heartbeat age (see the port). */
  async listBatchesInFlight(jobId: string): Promise<readonly BatchInFlight[]> {
    const result = await this.query(this.sql.batchesInFlight, [jobId]);
    return (result.rows as BatchInFlightRow[]).map((row) => ({
      batchId: row.id,
      batchIndex: row.batch_index,
      workerId: row.worker_id,
      attempt: row.attempt,
      heartbeatAgeMs: row.heartbeat_age_ms,
    }));
  }

  /** The job's status alone, or null for an unknown job. */
  async getJobStatus(jobId: string): Promise<JobStatus | null> {
    const result = await this.query(this.sql.selectJobStatus, [jobId]);
    const row = result.rows[0] as { status: JobStatus } | undefined;
    return row?.status ?? null;
  }

  /**
   * Deletes a job with its batches and records, in one transaction (retention). Returns false
   * when the job did not exist. Workers still processing it fail their next fenced write with
   * `LeaseLostError`.
   */
  async deleteJob(jobId: string): Promise<boolean> {
    return this.translateErrors(() =>
      withTransaction(this.pool, async (client) => {
        let deletedJobs = 0;
        for (const statement of this.sql.deleteJob) {
          deletedJobs = (await client.query(statement, [jobId])).rowCount ?? 0;
        }
        // The last statement deletes the job row itself.
        return deletedJobs > 0;
      }),
    );
  }

  private async recordsWithStatus(
    jobId: string,
    statuses: readonly RecordStatus[],
  ): Promise<readonly ProcessedRecord[]> {
    const result = await this.query(this.sql.selectRecordsByStatus, [jobId, statuses]);
    return (result.rows as RecordRow[]).map(decodeRecord);
  }

  /** Upserts records of a batch; returns how many were written (0 when the job is unknown). */
  private async upsertRecords(
    client: PgQueryable,
    jobId: string,
    batchId: string,
    records: readonly ProcessedRecord[],
  ): Promise<number> {
    const columns = encodeRecords(records);
    const result = await client.query(this.sql.upsertRecords, [
      jobId,
      batchId,
      ...recordParameters(columns),
    ]);
    return result.rowCount ?? 0;
  }

  private query(text: string, values: unknown[]): Promise<PgQueryResultLike> {
    return this.translateErrors(() => this.pool.query(text, values));
  }

  /** Turns "relation does not exist" into an error that says to call `initialize()`. */
  private async translateErrors<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const state = sqlState(error);
      if (state === PgErrorCode.UNDEFINED_TABLE || state === PgErrorCode.INVALID_SCHEMA_NAME) {
        throw new SchemaNotInitializedError(this.schema, error);
      }
      throw error;
    }
  }
}

/** The `leased` column of a fenced write: 1 when the lease held (and the write happened). */
function leasedCount(result: { readonly rows: readonly unknown[] }): number {
  return (result.rows[0] as { leased: number } | undefined)?.leased ?? 0;
}
