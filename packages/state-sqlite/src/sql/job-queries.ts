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

/** The row `FINALIZE_JOB` just wrote, with the batch counters the summary is made of. */
export const SELECT_FINALIZED_COUNTS = `
SELECT j.total_records, j.started_at, j.completed_at,
       coalesce(sum(b.processed_count), 0) AS processed,
       coalesce(sum(b.failed_count), 0) AS failed
FROM batchactions_jobs j
LEFT JOIN batchactions_batches b ON b.job_pk = j.pk
WHERE j.id = ?
GROUP BY j.pk`;

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
 * one conditional statement. Terminal statuses stamp `completed_at` and end a prepare in
 * progress; a job being prepared is never opened (a move to PROCESSING leaves it CREATED).
 * Returns the status set.
 */
export const UPDATE_JOB_STATUS = `
UPDATE batchactions_jobs
SET status = CASE WHEN @to = 'PROCESSING' AND prepare_heartbeat_at IS NOT NULL
                  THEN 'CREATED' ELSE @to END,
    completed_at = CASE WHEN @to IN ('COMPLETED', 'FAILED', 'ABORTED') THEN @now ELSE completed_at END,
    prepare_heartbeat_at = CASE WHEN @to IN ('COMPLETED', 'FAILED', 'ABORTED') THEN NULL
                                ELSE prepare_heartbeat_at END
WHERE id = @jobId AND status IN (SELECT value FROM json_each(@from))
RETURNING pk, status`;

/** A cancel gives the job's batches in flight back (their holders' fenced writes are refused). */
export const RELEASE_PROCESSING_BATCHES = `
UPDATE batchactions_batches
SET status = 'PENDING', worker_id = NULL, claimed_at = NULL
WHERE job_pk = ? AND status = 'PROCESSING'`;

/** Statuses of a job whose prepare may store batches. */
const PREPARABLE = `('CREATED', 'PAUSED')`;

/** Renews the prepare heartbeat of a job being prepared (a change means it is). */
export const HEARTBEAT_PREPARE = `
UPDATE batchactions_jobs
SET prepare_heartbeat_at = @now
WHERE id = @jobId AND status IN ${PREPARABLE} AND prepare_finished_at IS NULL`;

/** A batch was registered: its records count, and the prepare is alive. */
export const ADD_PREPARED_RECORDS = `
UPDATE batchactions_jobs
SET total_records = total_records + @added,
    prepare_heartbeat_at = CASE WHEN prepare_heartbeat_at IS NULL THEN NULL ELSE @now END
WHERE pk = @jobPk`;

/** Ends the prepare and opens the job (CREATED → PROCESSING; PAUSED stays). */
export const FINISH_PREPARE = `
UPDATE batchactions_jobs
SET status = CASE WHEN status = 'CREATED' THEN 'PROCESSING' ELSE status END,
    total_records = @totalRecords,
    started_at = @startedAt,
    prepare_heartbeat_at = NULL,
    prepare_finished_at = @now
WHERE id = @jobId AND status IN ${PREPARABLE} AND prepare_finished_at IS NULL
RETURNING status`;

export const SELECT_JOB_DETAILS = `
SELECT status, total_records, started_at, completed_at, prepare_heartbeat_at, summary
FROM batchactions_jobs WHERE id = ?`;

/** Stores the summary of a job the finalisation just changed. */
export const STORE_SUMMARY = `UPDATE batchactions_jobs SET summary = @summary WHERE id = @jobId`;

/** The stored summary of a job and who reports it. */
export const SELECT_COMPLETION = `
SELECT summary, completion_claimant AS claimant FROM batchactions_jobs WHERE id = ?`;

/** Gives the job's completion to `@claimant` unless another claimant has it. */
export const CLAIM_JOB_COMPLETION = `
UPDATE batchactions_jobs
SET completion_claimant = @claimant
WHERE id = @jobId
  AND summary IS NOT NULL
  AND (completion_claimant IS NULL OR completion_claimant = @claimant)
RETURNING summary`;
