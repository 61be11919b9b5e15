import type { Batch, BatchStatus } from '../model/batch';
import type { JobState, JobStatus, JobSummary } from '../model/job';
import type { ProcessedRecord } from '../model/record';
import type { StateStore } from './state-store';
import type { JobLimitsChange, JobLimitsState, TokenLease } from '../limits/job-limits';

/** A batch held by one worker. */
export interface BatchReservation {
  readonly jobId: string;
  readonly batchId: string;
  readonly batchIndex: number;
  readonly workerId: string;
  /** Epoch ms of the claim. */
  readonly claimedAt: number;
  /** Index of the batch's first record (inclusive). */
  readonly recordStartIndex: number;
  /** Index of the batch's last record (inclusive, as published: a 5-record batch at 0 is 0..4). */
  readonly recordEndIndex: number;
  /**
   * Fencing token: 1 on the first claim of the batch, one more on every later claim. Stores
   * with fenced writes reject writes carrying an older attempt. Absent on stores without fencing.
   */
  readonly attempt?: number;
  /**
   * Present (true) when the job has a rate limit (stores with `setJobLimits`): the worker leases
   * tokens (`leaseRateTokens`) before its processor calls. Absent: no rate limit, no lease.
   */
  readonly rateLimited?: true;
  /**
   * Addition (issue 27): the batch's first lease of rate tokens, taken by the claim itself
   * (stores that lease in the claim's step save the worker a `leaseRateTokens` round trip).
   * Present only with `rateLimited`; the worker spends these tokens first (and returns what it
   * does not spend). Absent: the worker leases on its own.
   */
  readonly rateLease?: RateLeaseGrant;
}

/** Tokens granted by one lease: `granted` of them, the first after `waitMs`, then one per `intervalMs`. */
export interface RateLeaseGrant {
  readonly granted: number;
  readonly waitMs: number;
  readonly intervalMs: number;
}

/** Why a claim returned no batch. */
export type ClaimBatchFailureReason = 'JOB_NOT_FOUND' | 'JOB_NOT_PROCESSING' | 'NO_PENDING_BATCHES';

export type ClaimBatchResult =
  | { readonly claimed: true; readonly reservation: BatchReservation }
  | {
      readonly claimed: false;
      readonly reason: ClaimBatchFailureReason;
      /**
       * Addition (issue 27), with reason NO_PENDING_BATCHES: batches are pending, but the job
       * already has `maxConcurrentBatches` PROCESSING (stores with `setJobLimits`). Claim again
       * once one ends.
       */
      readonly limitReached?: true;
    };

/** Batch counts of a distributed job. */
export interface DistributedJobStatus {
  readonly jobId: string;
  readonly totalBatches: number;
  readonly pendingBatches: number;
  readonly processingBatches: number;
  readonly completedBatches: number;
  readonly failedBatches: number;
  /** True when every batch is COMPLETED or FAILED. */
  readonly isComplete: boolean;
}

/** One record's claim on one value of a unique field. */
export interface UniqueValueClaim {
  readonly field: string;
  /** The value as text (non-strings as JSON). */
  readonly value: string;
  readonly recordIndex: number;
}

/** Identifies one claim of one batch: the fencing token of a write. */
export interface BatchLease {
  readonly jobId: string;
  readonly batchId: string;
  readonly workerId: string;
  readonly attempt: number;
}

/** Final state of a batch, written with its records. */
export interface BatchOutcome {
  readonly status: typeof BatchStatus.COMPLETED | typeof BatchStatus.FAILED;
  readonly processedCount: number;
  readonly failedCount: number;
  /** Why the batch FAILED. */
  readonly error?: string;
}

/** A batch a worker holds right now, as `listBatchesInFlight` reports it. */
export interface BatchInFlight {
  readonly batchId: string;
  readonly batchIndex: number;
  /** The worker holding the claim. */
  readonly workerId: string;
  /** The claim's fencing token: 1 on the first claim of the batch, one more on every later one. */
  readonly attempt: number;
  /**
   * Milliseconds since the claim or its last heartbeat, by the store's clock (never negative).
   * A live worker keeps it below its heartbeat interval (plus the time a heartbeat takes); a
   * batch whose age passes the lease timeout is reclaimed by the next worker.
   */
  readonly heartbeatAgeMs: number;
}

/** Which batches `listBatches` returns: a page of the job's batches in index order. */
export interface BatchListPage {
  /** Only batches whose index is greater than this. Default `-1`: from the first batch. */
  readonly afterIndex?: number;
  /** At most this many batches (an integer >= 1). Default: all the remaining ones. */
  readonly limit?: number;
}

/** One batch as `listBatches` reports it: its state, holder and counters, without records. */
export interface BatchListEntry {
  readonly batchId: string;
  readonly batchIndex: number;
  readonly status: BatchStatus;
  /** Index of the batch's first record (inclusive). */
  readonly recordStartIndex: number;
  /** Index of the batch's last record (inclusive). */
  readonly recordEndIndex: number;
  readonly processedCount: number;
  readonly failedCount: number;
  /** Claims of the batch so far (the fencing token of the last one); 0 before the first claim. */
  readonly attempt: number;
  /** The worker holding the batch, or the one that held it last; absent when none is known. */
  readonly workerId?: string;
  /**
   * Present while the batch is PROCESSING: milliseconds since its claim or last heartbeat, by
   * the store's clock (never negative).
   */
  readonly heartbeatAgeMs?: number;
  /** Why the batch FAILED (a quarantine reason), when stored. */
  readonly error?: string;
  /**
   * Present once the batch is COMPLETED or FAILED, on stores that record it (every store in
   * this repository, for batches finished since they do): epoch ms, by the store's clock, when
   * it reached that state.
   */
  readonly completedAt?: number;
  /**
   * How long the batch's last attempt ran, in milliseconds by the store's clock (never
   * negative): from its claim to `completedAt` once finished, from its claim to now while
   * PROCESSING (heartbeats do not restart it). Absent when unknown: a batch never claimed, one
   * finished before the store recorded it, and on stores that do not.
   */
  readonly durationMs?: number;
}

/** One batch as `listBatchStatuses` reports it: what a status grid draws, nothing more. */
export interface BatchStatusEntry {
  readonly batchIndex: number;
  readonly status: BatchStatus;
  readonly failedCount: number;
  /** Present while the batch is PROCESSING, as in {@link BatchListEntry}. */
  readonly heartbeatAgeMs?: number;
}

/** Which failed records `listFailedRecords` returns: a page in record index order. */
export interface FailedRecordPage {
  /** Only records whose index is greater than this. Default `-1`: from the first record. */
  readonly afterIndex?: number;
  /** At most this many records (an integer >= 1). Default: all the remaining ones. */
  readonly limit?: number;
}

/** Which jobs `listJobs` returns. */
export interface JobListFilter {
  /** Only jobs whose status is one of these. Absent or empty: every status. */
  readonly statuses?: readonly JobStatus[];
  /** At most this many jobs (an integer >= 1), the first ones in the list's order. Absent: all. */
  readonly limit?: number;
  /**
   * Only jobs whose id or `sourceName` contains this text, compared case-insensitively (ASCII
   * letters; `%` and `_` are plain characters). A string of at most 1,000 characters; absent or
   * empty: every job. Applied before `limit`. A store that predates it ignores it.
   */
  readonly search?: string;
}

/** One job as `listJobs` returns it: its status and counts, without batches or records. */
export interface JobListEntry {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly totalRecords: number;
  /** Sum of the batches' `processedCount`. */
  readonly processedRecords: number;
  /** Sum of the batches' `failedCount`. */
  readonly failedRecords: number;
  readonly totalBatches: number;
  /** Batches neither claimed nor finished (PENDING or PAUSED). */
  readonly pendingBatches: number;
  readonly processingBatches: number;
  readonly completedBatches: number;
  readonly failedBatches: number;
  /**
   * Epoch ms, by the store's clock, when the job was first stored (when `prepare` started it).
   * Absent on stores that do not record it, and for jobs stored before the store did.
   */
  readonly createdAt?: number;
  /** Epoch ms, as `JobState.startedAt`. */
  readonly startedAt?: number;
  /** Epoch ms, as `JobState.completedAt`. */
  readonly completedAt?: number;
  /**
   * Present only while `prepare` is storing the job's records (stores with `heartbeatPrepare`):
   * milliseconds since its last heartbeat, by the store's clock.
   */
  readonly prepareHeartbeatAgeMs?: number;
  /** True while a prepare that opened the job early (`openEarly`) has not finished. */
  readonly openEarly?: true;
  /** The prepare stopped before the end (`stopPrepare`) and waits for `resumePrepare`. */
  readonly prepareStopped?: true;
  /**
   * The name of the file (or other source) the job was prepared from (`JobState.sourceName`).
   * Absent when unknown, and on stores that do not record it.
   */
  readonly sourceName?: string;
}

/** A job's row alone, without batches: what `getJobDetails` returns. */
export interface JobDetails {
  readonly jobId: string;
  readonly status: JobStatus;
  /** Records stored so far while the job is being prepared; all of them afterwards. */
  readonly totalRecords: number;
  /**
   * Epoch ms, by the store's clock, when the job was first stored (when `prepare` started it).
   * Absent on stores that do not record it, and for jobs stored before the store did.
   */
  readonly createdAt?: number;
  /** Epoch ms, as `JobState.startedAt`. */
  readonly startedAt?: number;
  /** Epoch ms, as `JobState.completedAt`. */
  readonly completedAt?: number;
  /**
   * Present only while `prepare` is storing the job's records: milliseconds since its last
   * heartbeat (`heartbeatPrepare` or `registerBatch`), by the store's clock. A value that keeps
   * growing means the preparing process died.
   */
  readonly prepareHeartbeatAgeMs?: number;
  /** The summary `tryFinalizeJob` stored when it finalised the job. */
  readonly summary?: JobSummary;
  /**
   * True while a prepare that opened the job early (`openEarly`) has not finished: workers
   * process its batches, `totalRecords` is the running count, and the job cannot be finalised.
   */
  readonly openEarly?: true;
  /** The prepare stopped before the end (`stopPrepare`) and waits for `resumePrepare`. */
  readonly prepareStopped?: true;
}

/** Options of `claimJobCompletion`. */
export interface CompletionClaimOptions {
  /**
   * Take over a claim of another claimant that is not acknowledged and at least this many ms
   * old (store clock). Absent: never take one over.
   */
  readonly takeOverAfterMs?: number;
}

/** How a prepare run writes a batch (third argument of `registerBatch`). */
export interface RegisterBatchOptions {
  /**
   * The prepare run writing the batch. With it, the batch is stored only while this run owns
   * the job's prepare (see `heartbeatPrepare` and `takeOverPrepare`); otherwise nothing is
   * written and `JobNotPreparingError` is thrown. Absent (the default): no ownership check, the
   * earlier behaviour.
   */
  readonly prepareRun?: string;
  /**
   * Where the source stands after the batch's last record: opaque text, returned by
   * `listPreparedBatches`. Absent (the default): none is stored.
   */
  readonly sourceCursor?: string;
}

/** A batch stored by prepare, as `listPreparedBatches` gives it. */
export interface PreparedBatch {
  readonly batchId: string;
  readonly batchIndex: number;
  /** Index of the batch's first record (inclusive). */
  readonly recordStartIndex: number;
  /** Index of the batch's last record (inclusive). */
  readonly recordEndIndex: number;
  /** As given to `registerBatch`; absent when none was given. */
  readonly sourceCursor?: string;
}

/** Why `takeOverPrepare` did not take a job's prepare. */
export type PrepareTakeoverRefusal = 'NOT_FOUND' | 'FINISHED' | 'NOT_PREPARING' | 'RUNNING';

/** What `takeOverPrepare` did. */
export type PrepareTakeover =
  | { readonly taken: true }
  | {
      readonly taken: false;
      /**
       * NOT_FOUND: unknown job. FINISHED: its prepare finished (`finishPrepare`), or the job was
       * opened without prepare liveness (PROCESSING, not opened early). NOT_PREPARING: the job
       * is COMPLETED, FAILED or ABORTED (cancelled, failed) before its prepare finished.
       * RUNNING: another run holds it and its heartbeat is younger than `staleAfterMs`.
       */
      readonly reason: PrepareTakeoverRefusal;
      /** With RUNNING: the age of that run's last heartbeat, by the store's clock. */
      readonly heartbeatAgeMs?: number;
    };

/**
 * A store that many workers share. The required methods are the published port; the optional
 * ones below them make a store faster and safer and are detected at runtime, so a store written
 * for the published port keeps working without them.
 */
export interface DistributedStateStore extends StateStore {
  /**
   * Atomically moves the job's lowest PENDING batch to PROCESSING for `workerId`. Only jobs in
   * PROCESSING status hand out batches.
   */
  claimBatch(jobId: string, workerId: string): Promise<ClaimBatchResult>;
  /** Puts a PROCESSING batch back to PENDING, only when `workerId` holds it. */
  releaseBatch(
    jobId: string,
    batchId: string,
    workerId: string,
    /**
     * Optional fence (stores with leases): release only if the batch is still at this claim
     * attempt, so a worker id reused by a later claim (two hosts with the same id, a restarted
     * worker) cannot hand back a batch it no longer holds. Absent: the published check alone.
     */
    attempt?: number,
  ): Promise<void>;
  /**
   * Puts PROCESSING batches claimed more than `timeoutMs` ago back to PENDING and returns how
   * many. Stores with fencing accept `maxAttempts`: a stale batch already claimed that many
   * times is marked FAILED (quarantined) instead, with its reason.
   */
  reclaimStaleBatches(jobId: string, timeoutMs: number, maxAttempts?: number): Promise<number>;
  /** Stores a batch's records (one bulk write). */
  saveBatchRecords(
    jobId: string,
    batchId: string,
    records: readonly ProcessedRecord[],
  ): Promise<void>;
  /** A batch's records in index order. */
  getBatchRecords(jobId: string, batchId: string): Promise<readonly ProcessedRecord[]>;
  getDistributedStatus(jobId: string): Promise<DistributedJobStatus>;
  /**
   * When every batch is COMPLETED or FAILED and the job is still PROCESSING, moves the job to
   * COMPLETED (or FAILED when a batch failed) and returns true. Exactly one caller ever gets true.
   * Stores with `claimJobCompletion` store the job's summary in the same step.
   */
  tryFinalizeJob(jobId: string): Promise<boolean>;

  /**
   * Optional, used by `prepare` with its `jobId` option (one job per key): saves `job` (its
   * fields as `saveJobState` saves them; `job.batches` is empty) only when the store holds no job
   * with `job.id`, and returns true; when it holds one (in any status), writes nothing and
   * returns false. Atomic: of concurrent calls with one id exactly one returns true. Stores
   * without it get a `getJobState` check followed by `saveJobState`, which two concurrent
   * prepares can both pass.
   */
  createJobIfAbsent?(job: JobState): Promise<boolean>;
  /**
   * Optional, used by `prepare`: stores a new PENDING batch and its records (`batch.records`) in
   * one transaction. The batch is claimable once the job is PROCESSING. Stores without it get
   * `saveBatchRecords` per batch and the batch list in the final `saveJobState`.
   *
   * Stores that also have `heartbeatPrepare` register batches only into a job being prepared:
   * CREATED or PAUSED, or PROCESSING while opened early (`openEarly`). In the same transaction
   * they add the batch's records to the job's `totalRecords` (the running count) and store
   * `options.sourceCursor` with the batch; they also renew its prepare heartbeat, if one is set
   * (with `options.prepareRun`: only while that run owns the prepare). A store may skip renewing
   * a heartbeat younger than a second, so that the batch writes in flight do not queue on the
   * job's row. A registration holds the job's row against `takeOverPrepare` until it commits:
   * a takeover waits for the previous owner's writes in flight. Otherwise they write
   * nothing and throw: `JobNotFoundError` for a job that is gone (purged),
   * `JobNotPreparingError` for one that moved on (cancelled) or, with `options.prepareRun`, whose
   * prepare that run does not own. A record index the job already holds under another batch
   * is never stored twice: the registration throws `RecordAlreadyStoredError` and writes nothing.
   * `deleteJob` and this call exclude each other, so a purge never leaves records behind.
   */
  registerBatch?(jobId: string, batch: Batch, options?: RegisterBatchOptions): Promise<void>;
  /**
   * Optional prepare liveness: marks the job as being prepared, now (the prepare heartbeat),
   * and returns true, if `finishPrepare` did not run for it yet and it is CREATED or PAUSED, or
   * PROCESSING while opened early; returns false otherwise (unknown, purged, cancelled or
   * failed: the prepare must stop). With `prepareRun`, also requires that run to own the job's
   * prepare, and returns false otherwise: a heartbeat never acquires a prepare, not even one
   * that nobody owns (after `stopPrepare`), so a run that lost its prepare (taken over, stopped)
   * cannot take it back. A run becomes the owner only through `takeOverPrepare`, which `prepare`
   * calls right after saving a new job. A store with it keeps these
   * rules for jobs being prepared (heartbeat set, or stopped by `stopPrepare`):
   * - `updateJobStatus` never moves such a job to PROCESSING unless it was opened early (a
   *   resume during prepare leaves it CREATED; `finishPrepare` opens it); a move to a terminal
   *   status ends the preparation (heartbeat, owner, stop and open-early marks are cleared);
   * - `registerBatch` as described there.
   */
  heartbeatPrepare?(jobId: string, prepareRun?: string): Promise<boolean>;
  /**
   * Optional, with `heartbeatPrepare`: opens a job being prepared to workers before its
   * prepare finished. For a job being prepared and not yet opened early, in one atomic step:
   * marks it opened early, sets `startedAt` (epoch ms), and moves CREATED to PROCESSING (PAUSED
   * stays PAUSED). Returns the status afterwards; a job not being prepared (or opened early
   * already) is left untouched and its status returned; `null` for an unknown job. Until
   * `finishPrepare`: `claimBatch` hands out its batches as they are registered,
   * `tryFinalizeJob` returns false, `getDistributedStatus(...).isComplete` is false,
   * `updateJobStatus` may move it from PAUSED to PROCESSING, and `getJobDetails`/`listJobs`
   * report `openEarly: true` with `totalRecords` the running count.
   */
  openEarly?(jobId: string, startedAt: number): Promise<JobStatus | null>;
  /**
   * Optional, with `heartbeatPrepare`: ends the preparation of a job being prepared, in one
   * atomic step: sets `totalRecords` and `startedAt`, and moves it from CREATED to PROCESSING
   * (a PAUSED job stays PAUSED; `resume` opens it). For a job opened early the status is kept
   * (PROCESSING or PAUSED), `startedAt` stays the one `openEarly` set, and the open-early mark
   * is cleared, so the job can now be finalised. Returns the job's status afterwards:
   * PROCESSING or PAUSED when it was being prepared; any other status (ABORTED: cancelled
   * during prepare) leaves the job untouched. `null` for an unknown (purged) job.
   *
   * With `prepareRun`, only the run that owns the prepare finishes it; for another run (or a
   * prepare without owner) the job is left untouched and its status returned, so a caller that
   * finds the job not finished treats its prepare as interrupted.
   */
  finishPrepare?(
    jobId: string,
    totalRecords: number,
    startedAt: number,
    prepareRun?: string,
  ): Promise<JobStatus | null>;
  /**
   * Optional, for resumable prepare: in one atomic step, if the job is being prepared
   * (CREATED, PAUSED, or PROCESSING while opened early, and not finished) and its prepare owner
   * is unset, is `prepareRun`, or its prepare heartbeat is unset or at least `staleAfterMs` old
   * (so `0` takes any prepare: for a process known to be dead),
   * makes `prepareRun` the owner, renews the heartbeat, clears the `stopPrepare` mark and
   * returns `{ taken: true }`. Otherwise `{ taken: false, reason }` and nothing changes. Of
   * concurrent takers of one prepare exactly one gets `taken: true`. This is also how a run
   * acquires the prepare of a job it has just saved (no owner yet).
   *
   * A takeover serialises against every write of the previous owner still in flight: it waits
   * for a `registerBatch` that already checked the owner to commit (so the new owner's
   * `listPreparedBatches` sees that batch), and any later write of the previous owner is
   * refused. Staleness is judged by the store's clock once the job's row is locked, so a run
   * that has just taken over is never stale to a taker that waited for it.
   */
  takeOverPrepare?(
    jobId: string,
    prepareRun: string,
    staleAfterMs: number,
  ): Promise<PrepareTakeover>;
  /**
   * Optional, for resumable prepare: a run that stops cleanly (deadline reached, asked to stop)
   * gives the prepare up. If `prepareRun` owns the job's prepare: clears the owner and the
   * heartbeat (`prepareHeartbeatAgeMs` becomes absent), marks the job `prepareStopped` and
   * returns true; otherwise changes nothing and returns false. The job keeps its status
   * (CREATED, or PROCESSING/PAUSED when opened early); `takeOverPrepare` succeeds at once.
   */
  stopPrepare?(jobId: string, prepareRun: string): Promise<boolean>;
  /**
   * Optional, for resumable prepare: a run that gives its prepare up for good (input that cannot
   * be parsed, an explicit give-up) fails the job, only while it still owns the prepare. If
   * `prepareRun` owns the prepare of a job being prepared, in one atomic step moves the job to
   * FAILED (`completedAt` set, the prepare's owner, heartbeat and marks cleared, as
   * `updateJobStatus` to FAILED does) and returns true; otherwise changes nothing and returns
   * false: the run lost its prepare (taken over, stopped, cancelled, purged, finished) and the
   * job is not its to fail. `prepare` without it leaves such a job stopped (`stopPrepare`)
   * rather than changing a status it cannot check the owner of.
   */
  failPrepare?(jobId: string, prepareRun: string): Promise<boolean>;
  /**
   * Optional, for resumable prepare: every batch of the job in index order with the source
   * cursor it was registered with; `[]` for an unknown job. One query, cheap for tens of
   * thousands of batches.
   */
  listPreparedBatches?(jobId: string): Promise<readonly PreparedBatch[]>;
  /** Optional: the job's row without batches (cheap), or `null` for an unknown job. */
  getJobDetails?(jobId: string): Promise<JobDetails | null>;
  /**
   * Optional, for `job:completed` exactly once: if the job was finalised by `tryFinalizeJob`
   * (which then stores its summary with the final status) and nobody else claimed its
   * completion, records `claimant` as the one who reports it (with the claim time, by the
   * store's clock) and returns the stored summary. Returns the summary again to the same
   * `claimant` (a retry after a lost answer), `null` to anyone else and for jobs not finalised
   * (or finalised before the store kept summaries).
   *
   * With `options.takeOverAfterMs`, a claim of another claimant that was never acknowledged
   * (`acknowledgeJobCompletion`) and is at least that old is taken over (its claimant died, or
   * never got the answer): `claimant` becomes the one who reports it. Stores without
   * `acknowledgeJobCompletion` ignore the option.
   */
  claimJobCompletion?(
    jobId: string,
    claimant: string,
    options?: CompletionClaimOptions,
  ): Promise<JobSummary | null>;
  /**
   * Optional, with `claimJobCompletion`: records that `claimant`, which holds the job's
   * completion, emitted `job:completed`, so that no later claim takes it over. Returns false
   * (and changes nothing) when `claimant` does not hold it.
   */
  acknowledgeJobCompletion?(jobId: string, claimant: string): Promise<boolean>;
  /**
   * Optional, fenced: writes every record of the batch and its final status and counters in one
   * transaction, only if `lease` is still the batch's current claim; otherwise throws
   * `LeaseLostError` and writes nothing.
   */
  completeBatch?(
    lease: BatchLease,
    records: readonly ProcessedRecord[],
    outcome: BatchOutcome,
  ): Promise<void>;
  /**
   * Optional, fenced: renews the claim time of a batch the worker still holds, so it is not
   * reclaimed as stale while it runs. Throws `LeaseLostError` when the lease is gone.
   */
  heartbeatBatch?(lease: BatchLease): Promise<void>;
  /**
   * Optional control plane: moves the job to `to` only if its status is one of `from`, in one
   * atomic step, and returns whether it did. Backs pause, resume, cancel and the failure
   * threshold; claims and finalisation only happen while the job is PROCESSING. A move to
   * ABORTED also puts the job's PROCESSING batches back to PENDING in the same step, so that the
   * workers holding them lose their leases and write nothing into the cancelled job.
   */
  updateJobStatus?(jobId: string, from: readonly JobStatus[], to: JobStatus): Promise<boolean>;
  /** Optional: the job's status alone (cheap; no batches), or `null` for an unknown job. */
  getJobStatus?(jobId: string): Promise<JobStatus | null>;
  /**
   * Optional, for `uniqueFields` across the whole job: for each claim in order, records that
   * `recordIndex` holds `value` of `field` unless a record of the job holds it already, and
   * returns the index of the record that holds it (the claimant's own index when it took the
   * value, or had taken it before: reprocessing a batch is not a duplicate). Atomic against
   * concurrent claims of the same value.
   */
  claimUniqueValues?(
    jobId: string,
    claims: readonly UniqueValueClaim[],
  ): Promise<readonly number[]>;
  /** Optional purge: deletes the job, its batches and its records; false when it did not exist. */
  deleteJob?(jobId: string): Promise<boolean>;
  /**
   * Optional, for operators (the CLI's `list`): every job of the store, distributed or not, with
   * its counts; newest first (`startedAt` descending, jobs without it last, ties by `jobId`
   * ascending). A bad filter throws `InvalidOptionError` naming `filter.statuses` or
   * `filter.limit` (check it with `checkJobListFilter`).
   */
  listJobs?(filter?: JobListFilter): Promise<readonly JobListEntry[]>;
  /**
   * Optional, for operators (`getStatus`, the CLI's `status`): the job's PROCESSING batches in
   * index order, each with its worker, attempt and heartbeat age. An unknown job gives `[]`.
   */
  listBatchesInFlight?(jobId: string): Promise<readonly BatchInFlight[]>;
  /**
   * Optional, job-wide limits (issue 27): changes the limits of `jobId` (a field absent keeps
   * its limit, `null` removes it) and returns true; false for an unknown job. A store with it
   * honours the limits everywhere:
   * - `claimBatch` claims nothing while the job has `maxConcurrentBatches` PROCESSING batches
   *   (reason NO_PENDING_BATCHES with `limitReached: true`), checked atomically with the claim (concurrent claimers
   *   never pass the cap together);
   * - `claimBatch` marks the reservation `rateLimited` while the job has a rate limit;
   * - `leaseRateTokens`, `returnRateTokens`, `throttleJob` and `getJobLimits` below;
   * - `deleteJob` removes the job's limits with it.
   * A job whose limits were never set costs nothing extra in any call.
   */
  setJobLimits?(jobId: string, change: JobLimitsChange): Promise<boolean>;
  /** Optional, with `setJobLimits`: the job's limits (`{}` if none), `null` for an unknown job. */
  getJobLimits?(jobId: string): Promise<JobLimitsState | null>;
  /**
   * Optional, with `setJobLimits`: one lease of the job's rate bucket, in one atomic step by the
   * store's clock: between 1 and `min(wanted, lease size)` tokens, spendable after `waitMs`
   * (see `leaseTokens`). `{ limited: false }` when the job has no rate limit (or is unknown).
   */
  leaseRateTokens?(jobId: string, wanted: number): Promise<TokenLease>;
  /** Optional, with `setJobLimits`: gives back leased tokens a worker did not spend. */
  returnRateTokens?(jobId: string, tokens: number): Promise<void>;
  /**
   * Optional, with `setJobLimits`: the target asked the job to slow down (`ctx.throttle(ms)`):
   * no lease is spendable for `ms`, and the job's rate halves, then grows back (see
   * `throttleBucket`). A job without a rate limit keeps the pause only (its workers do not
   * lease, so only the caller waits).
   */
  throttleJob?(jobId: string, ms: number): Promise<void>;
  /**
   * Optional, for operators (the dashboard's batch grid): a page of the job's batches in index
   * order, each with its status, counters, worker, attempt and (while PROCESSING) heartbeat age;
   * no records are read. An unknown job gives `[]`. One indexed query per page. A bad page throws
   * `InvalidOptionError` naming `page.afterIndex` or `page.limit` (check it with
   * `checkBatchListPage`).
   */
  listBatches?(jobId: string, page?: BatchListPage): Promise<readonly BatchListEntry[]>;
  /**
   * Optional, for operators (the dashboard's batch grid on large jobs): the page of batches
   * `listBatches` would give, with only their index, status, failed count and heartbeat age
   * (a quarter of the columns, so a 20,000-batch job reads fast). Same order, same page checks.
   */
  listBatchStatuses?(jobId: string, page?: BatchListPage): Promise<readonly BatchStatusEntry[]>;
  /**
   * Optional, for operators (the dashboard's failed-records table): a page of the job's invalid
   * and failed records (those `getFailedRecords` returns) in index order. An unknown job gives
   * `[]`. A bad page throws `InvalidOptionError` naming `page.afterIndex` or `page.limit`.
   */
  listFailedRecords?(jobId: string, page?: FailedRecordPage): Promise<readonly ProcessedRecord[]>;
  /**
   * Optional, for OpenTelemetry context propagation (issue 29): stores the prepare's trace
   * context with the job (replacing any stored before), so that the workers' batch spans join
   * the prepare's trace. Returns false (and stores nothing) for an unknown job. A store without
   * it simply does not propagate trace context.
   */
  saveTraceContext?(jobId: string, carrier: TraceContextCarrier): Promise<boolean>;
  /**
   * Optional, with `saveTraceContext`: the trace context stored with the job, or `null` when
   * none was stored or the job is unknown.
   */
  getTraceContext?(jobId: string): Promise<TraceContextCarrier | null>;
  /**
   * Optional (issue 29): `reclaimStaleBatches` (same arguments, same effect, one call instead of
   * it), telling the stale batches put back to PENDING from those quarantined as FAILED, for
   * the `batchactions.batches.reclaimed` and `batchactions.batches.quarantined` metrics. Their
   * sum is what `reclaimStaleBatches` returns. A store without it has its sweeps made with
   * `reclaimStaleBatches`, every changed batch counted as reclaimed.
   */
  sweepStaleBatches?(
    jobId: string,
    timeoutMs: number,
    maxAttempts?: number,
  ): Promise<StaleBatchSweep>;
}

/** What `sweepStaleBatches` changed. */
export interface StaleBatchSweep {
  /** Stale batches put back to PENDING (to be claimed again). */
  readonly reclaimed: number;
  /** Stale batches marked FAILED instead: already claimed `maxAttempts` times. */
  readonly quarantined: number;
}

/**
 * A trace context as a text-map carrier (W3C `traceparent` and `tracestate`, or whatever the
 * configured propagator writes): header names to values. It holds ids only, never record data.
 */
export type TraceContextCarrier = Readonly<Record<string, string>>;

const REQUIRED_METHODS = [
  'saveJobState',
  'getJobState',
  'updateBatchState',
  'saveProcessedRecord',
  'getFailedRecords',
  'getPendingRecords',
  'getProcessedRecords',
  'getProgress',
  'claimBatch',
  'releaseBatch',
  'reclaimStaleBatches',
  'saveBatchRecords',
  'getBatchRecords',
  'getDistributedStatus',
  'tryFinalizeJob',
] as const;

/** Every method of the distributed port (the published `DistributedStateStore`, all required). */
export const DISTRIBUTED_STATE_STORE_METHODS: readonly string[] = REQUIRED_METHODS;

/** The properties the published `isDistributedStateStore` looks for (with the `in` operator). */
const PUBLISHED_GUARD_PROPERTIES = [
  'claimBatch',
  'releaseBatch',
  'getBatchRecords',
  'getDistributedStatus',
  'tryFinalizeJob',
] as const;

/**
 * True when `store` has (own or inherited) properties named `claimBatch`, `releaseBatch`,
 * `getBatchRecords`, `getDistributedStatus` and `tryFinalizeJob`: exactly the published check,
 * which does not look at `reclaimStaleBatches` or `saveBatchRecords`, nor at whether the
 * properties are functions. `DistributedImport` checks the full port itself
 * ({@link missingDistributedMethods}). Unlike the published guard, a non-object gives `false`
 * instead of a `TypeError`.
 */
export function isDistributedStateStore(store: unknown): store is DistributedStateStore {
  if ((typeof store !== 'object' && typeof store !== 'function') || store === null) return false;
  return PUBLISHED_GUARD_PROPERTIES.every((name) => name in store);
}

/** Names of the distributed port's methods (all of them, functions) that `store` lacks. */
export function missingDistributedMethods(store: unknown): string[] {
  if (typeof store !== 'object' || store === null) return [...REQUIRED_METHODS];
  const candidate = store as Record<string, unknown>;
  return REQUIRED_METHODS.filter((name) => typeof candidate[name] !== 'function');
}

/** The optional methods of job-wide limits (issue 27). */
export type JobLimitMethods = Required<
  Pick<
    DistributedStateStore,
    'setJobLimits' | 'getJobLimits' | 'leaseRateTokens' | 'returnRateTokens' | 'throttleJob'
  >
>;

/** True when the store enforces job-wide limits (`setJobLimits` and the methods with it). */
export function supportsJobLimits(
  store: DistributedStateStore,
): store is DistributedStateStore & JobLimitMethods {
  return (
    typeof store.setJobLimits === 'function' &&
    typeof store.getJobLimits === 'function' &&
    typeof store.leaseRateTokens === 'function' &&
    typeof store.returnRateTokens === 'function' &&
    typeof store.throttleJob === 'function'
  );
}

/** True when the store implements the fenced writes (`completeBatch` and `heartbeatBatch`). */
export function supportsFencedWrites(
  store: DistributedStateStore,
): store is DistributedStateStore &
  Required<Pick<DistributedStateStore, 'completeBatch' | 'heartbeatBatch'>> {
  return typeof store.completeBatch === 'function' && typeof store.heartbeatBatch === 'function';
}
