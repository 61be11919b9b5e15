import type { ClaimBatchResult } from '@batchactions/core';
import type { Db, Transaction } from './db';
import { checkBatchCap, type LimitStatements } from './job-limits';
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

/** Called with the payload of a batch a claim took (PostgreSQL and SQLite claims read it). */
export type OnClaimedPayload = (batchId: string, payload: PayloadRow) => void;

function notePayload(row: ClaimedRow, onPayload: OnClaimedPayload | undefined): void {
  if (onPayload === undefined || row.payloadRecords === null || row.payloadRecords === undefined) {
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
 * the claim statement; PostgreSQL and the MySQL family lock the job's limits row and count in
 * the claim's transaction (`checkBatchCap`), so capped claims of one job take turns. A refused
 * claim with a batch pending says NO_PENDING_BATCHES with `limitReached`.
 */
export async function claimBatch(
  db: Db,
  s: Statements,
  limits: LimitStatements,
  jobId: string,
  workerId: string,
  onPayload?: OnClaimedPayload,
): Promise<ClaimBatchResult> {
  if (db.family === 'postgres') {
    const row = await claimPostgres(db, s, jobId, workerId, false);
    if (row === undefined) return notClaimed(undefined);
    if (row.id !== null) {
      notePayload({ ...row, id: row.id }, onPayload);
      return claimed(jobId, workerId, { ...row, id: row.id });
    }
    if (row.jobStatus !== 'PROCESSING' || row.maxBatches === null) return notClaimed(row.jobStatus);
    // A capped job (issue 27): the claim again, holding the job's limits row.
    return db.transaction(
      async (transaction) => {
        const cap = await checkBatchCap(db, limits, jobId, transaction);
        if (cap.state !== 'free') return cap.state === 'full' ? LIMIT_REACHED : NOTHING_PENDING;
        const again = await claimPostgres(db, s, jobId, workerId, true, transaction);
        if (again === undefined) return notClaimed(undefined);
        if (again.id === null) return notClaimed(again.jobStatus);
        notePayload({ ...again, id: again.id }, onPayload);
        return claimed(jobId, workerId, { ...again, id: again.id });
      },
      { lockingReads: true },
    );
  }
  if (db.family === 'sqlite') {
    const rows = await db.select<ClaimedRow>(s.claimBatchSqlite(), [jobId, workerId]);
    const row = rows[0];
    if (row !== undefined) {
      notePayload(row, onPayload);
      return claimed(jobId, workerId, row);
    }
    const refusal = await db.select<{
      status: string;
      maxBatches: Count;
      processing: Count;
      pending: Count;
    }>(limits.claimRefusalSqlite, [jobId]);
    const job = refusal[0];
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
  return db.transaction(
    async (transaction) => {
      // The job row first, share-locked to the end of the claim: a cancel waits for us.
      const job = await db.select<{ status: string }>(s.lockJobForClaim(), [jobId], transaction);
      const jobStatus = job[0]?.status;
      if (jobStatus !== 'PROCESSING') return notClaimed(jobStatus);
      // Job-wide limits (issue 27): a job without a limits row locks nothing here.
      const cap = await checkBatchCap(db, limits, jobId, transaction);
      if (cap.state !== 'free') return cap.state === 'full' ? LIMIT_REACHED : NOTHING_PENDING;
      const picked = await db.select<
        Omit<ClaimedRow, 'claimedAt'> & { now: number | string | bigint }
      >(s.pickBatch(), [jobId], transaction);
      const batch = picked[0];
      if (batch === undefined) return notClaimed(jobStatus);
      const now = Number(batch.now);
      await db.run(s.takeBatch(), [batch.id, workerId, now], transaction);
      return claimed(jobId, workerId, {
        ...batch,
        attempt: Number(batch.attempt) + 1,
        claimedAt: now,
        ...(cap.rateLimited ? { rateRecords: 1 } : {}),
      });
    },
    { lockingReads: true },
  );
}

type PostgresClaimRow = Omit<ClaimedRow, 'id'> & {
  readonly jobStatus: string;
  readonly id: string | null;
  readonly maxBatches: Count;
};

/** The PostgreSQL claim statement; `capChecked`: the caller holds the job's limits row. */
async function claimPostgres(
  db: Db,
  s: Statements,
  jobId: string,
  workerId: string,
  capChecked: boolean,
  transaction?: Transaction,
): Promise<PostgresClaimRow | undefined> {
  const rows = await db.select<PostgresClaimRow>(
    s.claimBatchPostgres(),
    [jobId, workerId, capChecked],
    transaction,
  );
  return rows[0];
}
