/** `@to` is a status a job never leaves. */
const TERMINAL = `@to IN ('COMPLETED', 'FAILED', 'ABORTED')`;

/** Creates the job or replaces its fields (`created_at` stays the first save's); returns its integer key. */
export const UPSERT_JOB = `
INSERT INTO batchactions_jobs (id, status, config, total_records, started_at, completed_at, distributed, created_at)
VALUES (@id, @status, @config, @totalRecords, @startedAt, @completedAt, @distributed, @createdAt)
ON CONFLICT (id) DO UPDATE SET
  status        = excluded.status,
  config        = excluded.config,
  total_records = excluded.total_records,
  started_at    = excluded.started_at,
  completed_at  = excluded.completed_at,
  distributed   = excluded.distributed
RETURNING pk`;

/** Creates the job only when no job has its id; returns its key when it did. */
export const INSERT_JOB_IF_ABSENT = `
INSERT INTO batchactions_jobs (id, status, config, total_records, started_at, completed_at, distributed, created_at)
VALUES (@id, @status, @config, @totalRecords, @startedAt, @completedAt, @distributed, @createdAt)
ON CONFLICT (id) DO NOTHING
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

/** The job's key and status; `open_early` 1 while a prepare that opened it early runs. */
export const SELECT_JOB_KEY = `
SELECT pk, status, opened_early_at IS NOT NULL AS open_early FROM batchactions_jobs WHERE id = ?`;

/**
 * Exactly-once finalisation: one conditional statement, so of many concurrent callers only the
 * first one that runs it finds the job still PROCESSING and changes a row. A job opened early
 * waits for its prepare to finish (it may still add batches). The open statuses are
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
  AND opened_early_at IS NULL
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
 * progress (heartbeat, owner, stop and open-early marks cleared); a job being prepared
 * (heartbeat set, or stopped) is never opened unless it was opened early (a move to PROCESSING
 * leaves it CREATED). Returns the status set.
 */
export const UPDATE_JOB_STATUS = `
UPDATE batchactions_jobs
SET status = CASE WHEN @to = 'PROCESSING' AND opened_early_at IS NULL
                   AND (prepare_heartbeat_at IS NOT NULL OR prepare_stopped_at IS NOT NULL)
                  THEN 'CREATED' ELSE @to END,
    completed_at = CASE WHEN ${TERMINAL} THEN @now ELSE completed_at END,
    prepare_heartbeat_at = CASE WHEN ${TERMINAL} THEN NULL ELSE prepare_heartbeat_at END,
    prepare_owner = CASE WHEN ${TERMINAL} THEN NULL ELSE prepare_owner END,
    prepare_stopped_at = CASE WHEN ${TERMINAL} THEN NULL ELSE prepare_stopped_at END,
    opened_early_at = CASE WHEN ${TERMINAL} THEN NULL ELSE opened_early_at END
WHERE id = @jobId AND status IN (SELECT value FROM json_each(@from))
RETURNING pk, status`;

/** A cancel gives the job's batches in flight back (their holders' fenced writes are refused). */
export const RELEASE_PROCESSING_BATCHES = `
UPDATE batchactions_batches
SET status = 'PENDING', worker_id = NULL, claimed_at = NULL
WHERE job_pk = ? AND status = 'PROCESSING'`;

export const SELECT_JOB_DETAILS = `
SELECT status, total_records, started_at, completed_at, prepare_heartbeat_at, summary,
       opened_early_at, prepare_stopped_at, created_at
FROM batchactions_jobs WHERE id = ?`;

/** Stores the summary of a job the finalisation just changed. */
export const STORE_SUMMARY = `UPDATE batchactions_jobs SET summary = @summary WHERE id = @jobId`;

/** The stored summary of a job and who reports it. */
export const SELECT_COMPLETION = `
SELECT summary, completion_claimant AS claimant, completion_claimed_at AS claimed_at,
       completion_acknowledged_at AS acknowledged_at
FROM batchactions_jobs WHERE id = ?`;

/**
 * Gives the job's completion to `@claimant` unless another claimant has it, or, with
 * `@takeOverAfterMs` (NULL: never), when another claimant's claim was never acknowledged and
 * was made at least that long before `@now`. The claim time becomes `@now`.
 */
export const CLAIM_JOB_COMPLETION = `
UPDATE batchactions_jobs
SET completion_claimant = @claimant, completion_claimed_at = @now
WHERE id = @jobId
  AND summary IS NOT NULL
  AND (completion_claimant IS NULL OR completion_claimant = @claimant
       OR (@takeOverAfterMs IS NOT NULL
           AND completion_acknowledged_at IS NULL
           AND completion_claimed_at IS NOT NULL
           AND completion_claimed_at <= @now - @takeOverAfterMs))
RETURNING summary`;

/** Records that `@claimant`, which holds the job's completion, emitted it (once). */
export const ACKNOWLEDGE_JOB_COMPLETION = `
UPDATE batchactions_jobs
SET completion_acknowledged_at = coalesce(completion_acknowledged_at, @now)
WHERE id = @jobId AND completion_claimant = @claimant`;
