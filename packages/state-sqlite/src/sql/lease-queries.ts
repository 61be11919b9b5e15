import { QUARANTINE_REASON_TEMPLATE, sqlStringLiteral } from '@batchactions/core';

/**
 * The claim: one statement takes the lowest-index PENDING batch of a PROCESSING job (through the
 * partial index on PENDING rows) and returns the reservation. It runs inside BEGIN IMMEDIATE, so
 * the write lock is held before the row is chosen and no two connections can choose the same row.
 */
export const CLAIM_BATCH = `
UPDATE batchactions_batches
SET status = 'PROCESSING', worker_id = @workerId, claimed_at = @now, attempt = attempt + 1, error = NULL
WHERE pk = (
  SELECT b.pk FROM batchactions_batches b
  WHERE b.job_pk = (SELECT j.pk FROM batchactions_jobs j WHERE j.id = @jobId AND j.status = 'PROCESSING')
    AND b.status = 'PENDING'
  ORDER BY b.batch_index
  LIMIT 1
)
RETURNING id, batch_index, claimed_at, record_start, record_end, attempt`;

export const RELEASE_BATCH = `
UPDATE batchactions_batches
SET status = 'PENDING', worker_id = NULL, claimed_at = NULL
WHERE job_pk = (SELECT pk FROM batchactions_jobs WHERE id = @jobId)
  AND id = @batchId AND status = 'PROCESSING' AND worker_id = @workerId
  AND (@attempt IS NULL OR attempt = @attempt)`;

/** Ownership test shared by the fenced writes: the lease is the batch's current claim. */
const HELD_BY_LEASE = `
  job_pk = (SELECT pk FROM batchactions_jobs WHERE id = @jobId)
  AND id = @batchId AND status = 'PROCESSING' AND worker_id = @workerId AND attempt = @attempt`;

/** Fence and batch outcome in one statement: no row back means the lease is lost. */
export const COMPLETE_BATCH = `
UPDATE batchactions_batches
SET status = @status, processed_count = @processedCount, failed_count = @failedCount, error = @error
WHERE ${HELD_BY_LEASE}
RETURNING job_pk`;

export const HEARTBEAT_BATCH = `
UPDATE batchactions_batches SET claimed_at = @now WHERE ${HELD_BY_LEASE}`;

const STALE = `job_pk = @jobPk AND status = 'PROCESSING' AND coalesce(claimed_at, 0) + @timeoutMs <= @now`;

/** Stale batches claimed `maxAttempts` times or more become FAILED with their reason. */
export const QUARANTINE_STALE_BATCHES = `
UPDATE batchactions_batches
SET status = 'FAILED',
    error = printf(${sqlStringLiteral(QUARANTINE_REASON_TEMPLATE)},
                   batch_index, attempt, coalesce(worker_id, 'unknown')),
    processed_count = 0,
    failed_count = record_end - record_start + 1
WHERE ${STALE} AND attempt >= @maxAttempts
RETURNING id, record_start, record_end, error`;

export const FAIL_UNPROCESSED_RECORDS = `
UPDATE batchactions_records
SET status = 'failed', processing_error = @error
WHERE job_pk = @jobPk AND record_index >= @recordStart AND record_index <= @recordEnd
  AND batch_id = @batchId AND status <> 'processed'`;

export const RESET_STALE_BATCHES = `
UPDATE batchactions_batches SET status = 'PENDING', worker_id = NULL, claimed_at = NULL
WHERE ${STALE}`;

/** The job's PROCESSING batches in index order, with holder, attempt and claim (heartbeat) time. */
export const SELECT_BATCHES_IN_FLIGHT = `
SELECT b.id, b.batch_index, coalesce(b.worker_id, '') AS worker_id, b.attempt, b.claimed_at
FROM batchactions_batches b
WHERE b.job_pk = (SELECT j.pk FROM batchactions_jobs j WHERE j.id = ?) AND b.status = 'PROCESSING'
ORDER BY b.batch_index`;
