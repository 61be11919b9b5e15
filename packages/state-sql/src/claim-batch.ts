import type { ClaimBatchResult } from '@batchactions/core';
import type { Db } from './db';
import type { Statements } from './statements';

interface ClaimedRow {
  readonly id: string;
  readonly batchIndex: number | string;
  readonly recordStartIndex: number | string;
  readonly recordEndIndex: number | string;
  readonly attempt: number | string;
  readonly claimedAt: number | string | bigint;
}

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
 */
export async function claimBatch(
  db: Db,
  s: Statements,
  jobId: string,
  workerId: string,
): Promise<ClaimBatchResult> {
  if (db.family === 'postgres') {
    const rows = await db.select<Omit<ClaimedRow, 'id'> & { jobStatus: string; id: string | null }>(
      s.claimBatchPostgres(),
      [jobId, workerId],
    );
    const row = rows[0];
    if (row === undefined) return notClaimed(undefined);
    return row.id === null
      ? notClaimed(row.jobStatus)
      : claimed(jobId, workerId, { ...row, id: row.id });
  }
  if (db.family === 'sqlite') {
    const rows = await db.select<ClaimedRow>(s.claimBatchSqlite(), [jobId, workerId]);
    const row = rows[0];
    if (row !== undefined) return claimed(jobId, workerId, row);
    const job = await db.select<{ status: string }>(s.selectJobStatus(), [jobId]);
    return notClaimed(job[0]?.status);
  }
  return db.transaction(
    async (transaction) => {
      // The job row first, share-locked to the end of the claim: a cancel waits for us.
      const job = await db.select<{ status: string }>(s.lockJobForClaim(), [jobId], transaction);
      const jobStatus = job[0]?.status;
      if (jobStatus !== 'PROCESSING') return notClaimed(jobStatus);
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
      });
    },
    { lockingReads: true },
  );
}
