import type { ClaimBatchResult, RateLeaseGrant } from '@batchactions/core';
import { DEADLOCK_ATTEMPTS, type Db, type Transaction } from './db';
import { isDeadlock } from './executor';
import { checkBatchCap, leaseInTransaction, type LimitStatements } from './job-limits';
import type { PayloadRow } from './payload-codec';
import type { Statements } from './statements';

interface ClaimedRow {
  readonly id: string;
  readonly batchIndex: number | string;
  readonly recordStartIndex: number | string;
  readonly recordEndIndex: number | string;
  readonly attempt: number | string;
  readonly claimedAt: number | string | bigint;
  /** The job's rate limit (issue 27), NULL or absent without one. */
  readonly rateRecords?: number | string | null;
  /** The batch's payload (issue 28): NULL or absent for a batch kept as rows. */
  readonly payloadRecords?: string | null;
  readonly payloadOutcome?: string | null;
}

/**
 * Called with the payload of a batch a claim took, or `undefined` when the batch has none (it
 * keeps its records as rows), then with how many rows the batch's read must find to be sure of
 * that (MySQL family; see `pickBatchMysqlSql`).
 */
export type OnClaimedPayload = (
  batchId: string,
  payload: PayloadRow | undefined,
  rowsToConfirm?: number,
) => void;

/** What a claim tells of the claimed batch's layout. */
type ClaimedLayout = Pick<ClaimedRow, 'id' | 'payloadRecords' | 'payloadOutcome'> & {
  readonly rowsToConfirm?: number;
};

function notePayload(row: ClaimedLayout, onPayload: OnClaimedPayload | undefined): void {
  if (onPayload === undefined || row.payloadRecords === undefined) return;
  if (row.payloadRecords === null) {
    onPayload(row.id, undefined, row.rowsToConfirm);
    return;
  }
  onPayload(row.id, {
    batchId: row.id,
    records: row.payloadRecords,
    outcome: row.payloadOutcome ?? null,
  });
}

type Count = number | string | bigint | null;

const LIMIT_REACHED: ClaimBatchResult = {
  claimed: false,
  reason: 'NO_PENDING_BATCHES',
  limitReached: true,
};
const NOTHING_PENDING: ClaimBatchResult = { claimed: false, reason: 'NO_PENDING_BATCHES' };
/** The limits step's answer for a job without a limits row. */
const NO_LIMITS = { state: 'free', rateLimited: false, row: undefined } as const;

function claimed(jobId: string, workerId: string, row: ClaimedRow): ClaimBatchResult {
  return {
    claimed: true,
    reservation: {
      jobId,
      batchId: row.id,
      batchIndex: Number(row.batchIndex),
      workerId,
      claimedAt: Number(row.claimedAt),
      recordStartIndex: Number(row.recordStartIndex),
      recordEndIndex: Number(row.recordEndIndex),
      attempt: Number(row.attempt),
      ...(row.rateRecords === null || row.rateRecords === undefined
        ? {}
        : { rateLimited: true as const }),
    },
  };
}

function notClaimed(jobStatus: string | undefined): ClaimBatchResult {
  if (jobStatus === undefined) return { claimed: false, reason: 'JOB_NOT_FOUND' };
  return {
    claimed: false,
    reason: jobStatus === 'PROCESSING' ? 'NO_PENDING_BATCHES' : 'JOB_NOT_PROCESSING',
  };
}

/**
 * Moves the job's lowest-index PENDING batch to PROCESSING for `workerId`, atomically:
 *
 * - PostgreSQL: one statement with `FOR UPDATE SKIP LOCKED`;
 * - MySQL family: a short transaction: the job's status `LOCK IN SHARE MODE`, the lowest batch
 *   with `FOR UPDATE SKIP LOCKED`, then its update — MariaDB >= 10.6, MySQL >= 8;
 * - SQLite: one `UPDATE ... RETURNING` under the database's write lock.
 *
 * Concurrent claimers never wait for each other's batch and never get the same one; a claim
 * fails with NO_PENDING_BATCHES only when no batch is pending. On PostgreSQL and the MySQL family
 * the claim holds the job row with a shared lock, so a cancel (job row first, then the release
 * of its batches in flight, one transaction) either commits first and the claim takes nothing,
 * or waits for the claim and releases the claimed batch; SQLite runs one writer at a time.
 *
 * A job with `maxConcurrentBatches` (issue 27) is claimed only below its cap: SQLite counts in
 * the claim statement; PostgreSQL in one statement too, which counts from its snapshot and
 * adds the claims made since (the limits row's `claimSeq`, read once it locked the row; when
 * those could have filled the cap it runs again, in the end after locking the row: see
 * `claimCappedBatchPostgresSql`); the MySQL family locks
 * the job's limits row and counts in the claim's transaction (`checkBatchCap`), so capped
 * claims of one job take turns. A refused claim with a batch
 * pending says NO_PENDING_BATCHES with `limitReached`. A batch of a rate-limited job comes with
 * its first lease of tokens (`rateLease`), taken by the claim (PostgreSQL: its statement; MySQL
 * family: its transaction, on the limits row it holds; SQLite: see above) instead of a
 * `leaseRateTokens` round trip of the worker.
 */
export async function claimBatch(
  db: Db,
  s: Statements,
  limits: LimitStatements,
  jobId: string,
  workerId: string,
  onPayload?: OnClaimedPayload,
): Promise<ClaimBatchResult> {
  if (db.family === 'postgres') return claimPostgres(db, s, limits, jobId, workerId, onPayload);
  if (db.family === 'sqlite') return claimSqlite(db, s, limits, jobId, workerId, onPayload);
  // The batch the committed attempt took (a deadlock victim's attempt runs again).
  let taken: ClaimedLayout | undefined;
  const result = await db.transaction(
    async (transaction) => {
      // The job row first, share-locked to the end of the claim: a cancel waits for us.
      const job = await db.select<{ status: string; limited: Count }>(
        s.lockJobForClaim(),
        [jobId],
        transaction,
      );
      const jobStatus = job[0]?.status;
      if (jobStatus !== 'PROCESSING') return notClaimed(jobStatus);
      // Job-wide limits (issue 27): only a job with a limits row has a limits step.
      const cap =
        Number(job[0]?.limited) === 1
          ? await checkBatchCap(db, limits, jobId, transaction)
          : NO_LIMITS;
      if (cap.state !== 'free') return cap.state === 'full' ? LIMIT_REACHED : NOTHING_PENDING;
      const picked = await db.select<
        Omit<ClaimedRow, 'claimedAt'> & { now: Count; jobHasPayloads: Count }
      >(s.pickBatch(), [jobId], transaction);
      const batch = picked[0];
      if (batch === undefined) return notClaimed(jobStatus);
      const now = Number(batch.now);
      await db.run(s.takeBatch(), [batch.id, workerId, now], transaction);
      // A job none of whose batches had a payload when the statement began keeps this one as
      // rows, which the read confirms by finding a row for every index of its range (a first
      // payload batch committed meanwhile has rows for its invalid records only).
      taken = {
        id: batch.id,
        payloadRecords: Number(batch.jobHasPayloads) === 0 ? null : undefined,
        rowsToConfirm: Math.max(
          0,
          Number(batch.recordEndIndex) - Number(batch.recordStartIndex) + 1,
        ),
      };
      // A rate-limited job's batch takes its first lease here, on the limits row already held.
      const lease = cap.rateLimited
        ? await leaseInTransaction(
            db,
            limits,
            jobId,
            Number(batch.recordEndIndex) - Number(batch.recordStartIndex) + 1,
            transaction,
            cap.row,
          )
        : undefined;
      return withLease(
        claimed(jobId, workerId, {
          ...batch,
          attempt: Number(batch.attempt) + 1,
          claimedAt: now,
          ...(cap.rateLimited ? { rateRecords: 1 } : {}),
        }),
        lease,
      );
    },
    { lockingReads: true },
  );
  if (result.claimed && taken !== undefined) notePayload(taken, onPayload);
  return result;
}

type PostgresClaimRow = Omit<ClaimedRow, 'id'> & {
  readonly jobStatus: string;
  readonly id: string | null;
  readonly maxBatches: Count;
  /** Capped claim: no room under the cap (see `claimCappedBatchPostgresSql`). */
  readonly full?: boolean;
  /** Capped claim: whether a batch of the job is PENDING. */
  readonly pending?: boolean;
  /** Capped claim: no room once claims made after its snapshot are counted (run it again). */
  readonly moved?: boolean;
  readonly leaseGranted: number | string | null;
  readonly leaseWaitMs: number | string | null;
  readonly leaseIntervalMs: number | string | null;
};

/**
 * Jobs that had a cap at their last claim by this process (PostgreSQL): their next claim goes
 * straight to the capped statement instead of first trying the uncapped one, which refuses a
 * capped job. Only a hint: both statements read the cap themselves, so a stale entry (a cap
 * removed or added by `setLimits`) costs a statement, never a wrong claim.
 */
const cappedJobs = new Set<string>();
const JOB_HINTS_KEPT = 1024;

/** Notes whether `jobId` is in `hints` (a bounded set of this process's job hints). */
function rememberHint(hints: Set<string>, jobId: string, present: boolean): void {
  if (!present) {
    hints.delete(jobId);
    return;
  }
  if (hints.size >= JOB_HINTS_KEPT) hints.clear();
  hints.add(jobId);
}

const rememberCap = (jobId: string, capped: boolean) => {
  rememberHint(cappedJobs, jobId, capped);
};

function postgresClaimed(
  jobId: string,
  workerId: string,
  row: PostgresClaimRow,
  onPayload: OnClaimedPayload | undefined,
): ClaimBatchResult {
  const batch = { ...row, id: String(row.id) };
  notePayload(batch, onPayload);
  const result = claimed(jobId, workerId, batch);
  if (row.leaseGranted === null) return result;
  return withLease(result, {
    granted: Number(row.leaseGranted),
    waitMs: Number(row.leaseWaitMs),
    intervalMs: Number(row.leaseIntervalMs),
  });
}

/**
 * Capped claim statements (PostgreSQL) run on their own before the claim falls back to a
 * transaction: each one that found no room only once it counted the claims made after its
 * snapshot took nothing, and the next one starts after those claims committed.
 */
const CAPPED_STATEMENT_ATTEMPTS = 3;

/** The answer of a capped claim statement: a claim result, or `undefined` to try again. */
function cappedOutcome(
  jobId: string,
  workerId: string,
  row: PostgresClaimRow | undefined,
  onPayload: OnClaimedPayload | undefined,
): ClaimBatchResult | undefined {
  if (row === undefined) {
    rememberCap(jobId, false);
    return notClaimed(undefined);
  }
  rememberCap(jobId, row.maxBatches !== null && row.jobStatus === 'PROCESSING');
  if (row.id !== null) return postgresClaimed(jobId, workerId, row, onPayload);
  if (row.jobStatus !== 'PROCESSING') return notClaimed(row.jobStatus);
  if (row.moved === true) return undefined;
  return row.full === true && row.pending === true ? LIMIT_REACHED : NOTHING_PENDING;
}

/**
 * PostgreSQL: one statement for a job without a cap (and its first lease of tokens with it).
 * A capped job is claimed by one statement too (see `claimCappedBatchPostgresSql`), which
 * takes nothing when the claims made since its snapshot may have filled the cap: it is run
 * again, and after {@link CAPPED_STATEMENT_ATTEMPTS} such answers in a transaction whose first
 * statement locks the limits row (the same statement then cannot be overtaken). A claim
 * statement chosen as a deadlock victim (it waits for the limits row while holding its batch)
 * is run again.
 */
async function claimPostgres(
  db: Db,
  s: Statements,
  limits: LimitStatements,
  jobId: string,
  workerId: string,
  onPayload: OnClaimedPayload | undefined,
): Promise<ClaimBatchResult> {
  const claimRow = (sql: string) =>
    retryDeadlock(async () => (await db.select<PostgresClaimRow>(sql, [jobId, workerId]))[0]);
  if (!cappedJobs.has(jobId)) {
    const row = await claimRow(s.claimBatchPostgres());
    if (row === undefined) return notClaimed(undefined);
    if (row.id !== null) return postgresClaimed(jobId, workerId, row, onPayload);
    if (row.jobStatus !== 'PROCESSING' || row.maxBatches === null) return notClaimed(row.jobStatus);
    rememberCap(jobId, true);
  }
  for (let attempt = 1; attempt <= CAPPED_STATEMENT_ATTEMPTS; attempt += 1) {
    const row = await claimRow(s.claimCappedBatchPostgres());
    const outcome = cappedOutcome(jobId, workerId, row, onPayload);
    if (outcome !== undefined) return outcome;
  }
  return db.transaction(
    async (transaction) => {
      await db.select(limits.selectLimitsLocked, [jobId], transaction);
      const rows = await db.select<PostgresClaimRow>(
        s.claimCappedBatchPostgres(),
        [jobId, workerId],
        transaction,
      );
      // With the limits row locked first, no claim can commit under the statement; should it
      // still say so, the claim is an empty one (the worker asks again).
      return cappedOutcome(jobId, workerId, rows[0], onPayload) ?? NOTHING_PENDING;
    },
    { lockingReads: true },
  );
}

/** Runs `statement` again (up to `DEADLOCK_ATTEMPTS` times) when the server chose it as a deadlock victim. */
async function retryDeadlock<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await statement();
    } catch (error) {
      if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 10 + Math.random() * 20));
    }
  }
}

/** `result` with the batch's first lease (`rateLease`) taken by the claim, if any. */
function withLease(result: ClaimBatchResult, lease: RateLeaseGrant | undefined): ClaimBatchResult {
  if (!result.claimed || lease === undefined) return result;
  return {
    claimed: true,
    reservation: { ...result.reservation, rateLimited: true, rateLease: lease },
  };
}

/**
 * Jobs that had a rate limit at their last claim by this process (SQLite): their next claim runs
 * in a transaction that also takes the batch's first lease of tokens (one write transaction
 * instead of the claim's and then the lease's). Only a hint: a stale entry costs a transaction
 * (or a lease of the worker's own), never a wrong claim.
 */
const rateJobs = new Set<string>();

const rememberRate = (jobId: string, rateLimited: boolean) => {
  rememberHint(rateJobs, jobId, rateLimited);
};

/** SQLite: the claim statement, in a transaction with the batch's first lease for a rate-limited job. */
async function claimSqlite(
  db: Db,
  s: Statements,
  limits: LimitStatements,
  jobId: string,
  workerId: string,
  onPayload: OnClaimedPayload | undefined,
): Promise<ClaimBatchResult> {
  const claimRow = async (t?: Transaction) =>
    (await db.select<ClaimedRow>(s.claimBatchSqlite(), [jobId, workerId], t))[0];
  const row = rateJobs.has(jobId)
    ? await db.transaction(async (t) => {
        const taken = await claimRow(t);
        if (taken === undefined) return undefined;
        const lease = await leaseInTransaction(
          db,
          limits,
          jobId,
          Number(taken.recordEndIndex) - Number(taken.recordStartIndex) + 1,
          t,
        );
        return { taken, lease };
      })
    : { taken: await claimRow(), lease: undefined };
  if (row?.taken !== undefined) {
    const rateLimited = row.lease !== undefined || (row.taken.rateRecords ?? null) !== null;
    rememberRate(jobId, rateLimited);
    notePayload(row.taken, onPayload);
    return withLease(claimed(jobId, workerId, row.taken), row.lease);
  }
  const refusal = await db.select<{
    status: string;
    maxBatches: Count;
    processing: Count;
    pending: Count;
  }>(limits.claimRefusalSqlite, [jobId]);
  const job = refusal[0];
  if (job?.status !== 'PROCESSING') rememberRate(jobId, false);
  if (
    job?.status === 'PROCESSING' &&
    job.maxBatches !== null &&
    Number(job.processing) >= Number(job.maxBatches) &&
    Number(job.pending) > 0
  ) {
    return LIMIT_REACHED;
  }
  return notClaimed(job?.status);
}
