const BATCH_COLUMNS = `id, batch_index, status, processed_count, failed_count, worker_id, claimed_at,
  record_start, record_end, attempt, error`;

/** Adds a batch unless the job already holds one with this id (its state is then kept). */
export const INSERT_BATCH = `
INSERT INTO batchactions_batches (job_pk, ${BATCH_COLUMNS})
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (job_pk, id) DO NOTHING`;

export const SELECT_BATCHES = `
SELECT ${BATCH_COLUMNS} FROM batchactions_batches WHERE job_pk = ? ORDER BY batch_index`;

/** Unfenced counters update (the published port); PENDING also drops the holder. */
export const UPDATE_BATCH_STATE = `
UPDATE batchactions_batches
SET status          = @status,
    processed_count = @processedCount,
    failed_count    = @failedCount,
    worker_id       = CASE WHEN @status = 'PENDING' THEN NULL ELSE worker_id END,
    claimed_at      = CASE WHEN @status = 'PENDING' THEN NULL ELSE claimed_at END
WHERE job_pk = (SELECT pk FROM batchactions_jobs WHERE id = @jobId) AND id = @batchId`;

export const COUNT_BATCHES_BY_STATUS = `
SELECT status, count(*) AS n FROM batchactions_batches WHERE job_pk = ? GROUP BY status`;

export const SUM_BATCH_COUNTERS = `
SELECT count(*)                                       AS total_batches,
       coalesce(sum(processed_count), 0)              AS processed,
       coalesce(sum(failed_count), 0)                 AS failed,
       coalesce(sum(status IN ('COMPLETED', 'FAILED')), 0) AS done
FROM batchactions_batches WHERE job_pk = ?`;
