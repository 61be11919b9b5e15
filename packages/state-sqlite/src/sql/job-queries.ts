/** Creates the job or replaces its fields; returns its integer key. */
export const UPSERT_JOB = `
INSERT INTO batchactions_jobs (id, status, config, total_records, started_at, completed_at, distributed)
VALUES (@id, @status, @config, @totalRecords, @startedAt, @completedAt, @distributed)
ON CONFLICT (id) DO UPDATE SET
  status        = excluded.status,
  config        = excluded.config,
  total_records = excluded.total_records,
  started_at    = excluded.started_at,
  completed_at  = excluded.completed_at,
  distributed   = excluded.distributed
RETURNING pk`;

export const SELECT_JOB = `
SELECT pk, id, status, config, total_records, started_at, completed_at, distributed
FROM batchactions_jobs WHERE id = ?`;

export const SELECT_JOB_KEY = `SELECT pk, status FROM batchactions_jobs WHERE id = ?`;

/**
 * Exactly-once finalisation: one conditional statement, so of many concurrent callers only the
 * first one that runs it finds the job still PROCESSING and changes a row. The open statuses are
 * listed (not `NOT IN` the finished ones) so each probe is an index lookup, not a scan of the
 * job's batches.
 */
export const FINALIZE_JOB = `
UPDATE batchactions_jobs
SET status = CASE
      WHEN EXISTS (SELECT 1 FROM batchactions_batches b WHERE b.job_pk = batchactions_jobs.pk AND b.status = 'FAILED')
      THEN 'FAILED' ELSE 'COMPLETED' END,
    completed_at = @now
WHERE id = @jobId
  AND status = 'PROCESSING'
  AND NOT EXISTS (
    SELECT 1 FROM batchactions_batches b
    WHERE b.job_pk = batchactions_jobs.pk AND b.status IN ('PENDING', 'PROCESSING', 'PAUSED')
  )`;

export const DELETE_JOB_RECORDS = `DELETE FROM batchactions_records WHERE job_pk = ?`;
export const DELETE_JOB_UNIQUE_VALUES = `DELETE FROM batchactions_unique_values WHERE job_pk = ?`;

/** Takes a unique value for a record unless a record of the job holds it already. */
export const INSERT_UNIQUE_VALUE = `
INSERT INTO batchactions_unique_values (job_pk, field, value, record_index)
VALUES (@jobPk, @field, @value, @recordIndex)
ON CONFLICT DO NOTHING`;

/** The record holding a unique value. */
export const SELECT_UNIQUE_HOLDER = `
SELECT record_index FROM batchactions_unique_values
WHERE job_pk = @jobPk AND field = @field AND value = @value`;
export const DELETE_JOB_BATCHES = `DELETE FROM batchactions_batches WHERE job_pk = ?`;
export const DELETE_JOB = `DELETE FROM batchactions_jobs WHERE pk = ?`;

/**
 * Control plane: moves the job to `@to` only if its status is one of `@from` (a JSON array), in
 * one conditional statement. Terminal statuses stamp `completed_at`.
 */
export const UPDATE_JOB_STATUS = `
UPDATE batchactions_jobs
SET status = @to,
    completed_at = CASE WHEN @to IN ('COMPLETED', 'FAILED', 'ABORTED') THEN @now ELSE completed_at END
WHERE id = @jobId AND status IN (SELECT value FROM json_each(@from))`;
