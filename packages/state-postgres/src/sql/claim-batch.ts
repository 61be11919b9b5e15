import { DB_NOW_MS, epochMs, type SchemaTables } from './tables';

/**
 * Claims the lowest-index PENDING batch of job `$1` for worker `$2`, in one statement.
 *
 * `FOR UPDATE SKIP LOCKED` makes concurrent claimers pass over a batch another claimer is
 * taking instead of queueing behind it, so each gets a different batch. A claim rewrites only
 * that batch's row. The job row is read `FOR SHARE` (claims share it; a status change waits for
 * them), so a claim only takes a batch while the job is PROCESSING: a cancel that overlaps the
 * claim either commits first (the locked read then returns its ABORTED status and nothing is
 * claimed) or waits for the claim to commit and then releases the claimed batch
 * (`releaseAbortedBatchesSql`, a later statement of the cancel's transaction).
 *
 * Returns one row when the job exists: `job_status`, plus the claimed batch's columns (all NULL
 * when nothing was claimed). No row means the job does not exist. Reading the job in the same
 * statement tells JOB_NOT_FOUND, JOB_NOT_PROCESSING and NO_PENDING_BATCHES apart without a
 * second round trip.
 */
export function claimBatchSql(t: SchemaTables): string {
  return `
    WITH job AS (
      SELECT status FROM ${t.jobs} WHERE id = $1 FOR SHARE
    ),
    next_batch AS (
      SELECT b.id
      FROM ${t.batches} b
      WHERE b.job_id = $1
        AND b.status = 'PENDING'
        AND (SELECT status FROM job) = 'PROCESSING'
      ORDER BY b.batch_index
      LIMIT 1
      FOR UPDATE OF b SKIP LOCKED
    ),
    claimed AS (
      UPDATE ${t.batches} b
      SET status = 'PROCESSING',
          worker_id = $2,
          claimed_at = ${DB_NOW_MS},
          attempt = b.attempt + 1,
          error = NULL
      FROM next_batch
      WHERE b.job_id = $1 AND b.id = next_batch.id
      RETURNING b.id, b.batch_index, b.record_start_index, b.record_end_index, b.attempt,
                ${epochMs('b.claimed_at')} AS claimed_at
    )
    SELECT job.status AS job_status, claimed.*
    FROM job LEFT JOIN claimed ON true`;
}
