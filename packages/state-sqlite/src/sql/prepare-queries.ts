/**
 * The job is being prepared: its prepare did not finish, and it is CREATED or PAUSED, or
 * PROCESSING while opened early (`opened_early_at` is set from `openEarly` to `finishPrepare`).
 */
const BEING_PREPARED = `prepare_finished_at IS NULL
  AND (status IN ('CREATED', 'PAUSED') OR (status = 'PROCESSING' AND opened_early_at IS NOT NULL))`;

/**
 * Renews the prepare heartbeat of a job being prepared (a change means it is). With `@run`, only
 * while that run owns the prepare: a heartbeat never takes a prepare, not even one nobody owns
 * (a run that lost it must not take it back). Clears a stop mark.
 */
export const HEARTBEAT_PREPARE = `
UPDATE batchactions_jobs
SET prepare_heartbeat_at = @now,
    prepare_stopped_at = NULL
WHERE id = @jobId AND ${BEING_PREPARED}
  AND (@run IS NULL OR prepare_owner = @run)`;

/** What `registerBatch` checks before writing: status, open-early mark and prepare owner. */
export const SELECT_REGISTER_TARGET = `
SELECT pk, status, opened_early_at IS NOT NULL AS open_early, prepare_owner
FROM batchactions_jobs WHERE id = ?`;

/** A batch was registered: its records count, and the prepare is alive. */
export const ADD_PREPARED_RECORDS = `
UPDATE batchactions_jobs
SET total_records = total_records + @added,
    prepare_heartbeat_at = CASE WHEN prepare_heartbeat_at IS NULL THEN NULL ELSE @now END
WHERE pk = @jobPk`;

/** Adds a registered batch with its source cursor, unless the job holds one with this id. */
export const REGISTER_BATCH = `
INSERT INTO batchactions_batches (job_pk, id, batch_index, status, processed_count, failed_count,
  worker_id, claimed_at, record_start, record_end, attempt, error, source_cursor)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (job_pk, id) DO NOTHING`;

/**
 * Stores a registered record, or replaces it when the same batch stored it before (a retry).
 * A record at that index under another batch is left alone: no change, which the caller turns
 * into `RecordAlreadyStoredError` (rolling the batch back).
 */
export const REGISTER_RECORD = `
INSERT INTO batchactions_records
  (job_pk, batch_id, record_index, status, raw, parsed, errors, processing_error, retry_count)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (job_pk, record_index) DO UPDATE SET
  status           = excluded.status,
  raw              = excluded.raw,
  parsed           = excluded.parsed,
  errors           = excluded.errors,
  processing_error = excluded.processing_error,
  retry_count      = excluded.retry_count
WHERE batch_id = excluded.batch_id`;

/**
 * Opens a job being prepared to workers (CREATED → PROCESSING; PAUSED stays) and marks it
 * opened early, once.
 */
export const OPEN_EARLY = `
UPDATE batchactions_jobs
SET status = CASE WHEN status = 'CREATED' THEN 'PROCESSING' ELSE status END,
    started_at = @startedAt,
    opened_early_at = @now
WHERE id = @jobId AND ${BEING_PREPARED} AND opened_early_at IS NULL
RETURNING status`;

/**
 * Ends the prepare and opens the job (CREATED → PROCESSING; PAUSED stays). A job opened early
 * keeps the `started_at` of `openEarly`. With `@run`, only the owning run finishes it.
 */
export const FINISH_PREPARE = `
UPDATE batchactions_jobs
SET status = CASE WHEN status = 'CREATED' THEN 'PROCESSING' ELSE status END,
    total_records = @totalRecords,
    started_at = CASE WHEN opened_early_at IS NULL THEN @startedAt ELSE started_at END,
    prepare_heartbeat_at = NULL,
    prepare_owner = NULL,
    prepare_stopped_at = NULL,
    opened_early_at = NULL,
    prepare_finished_at = @now
WHERE id = @jobId AND ${BEING_PREPARED} AND (@run IS NULL OR prepare_owner = @run)
RETURNING status`;

/** Where the job's prepare stands, for `takeOverPrepare`. */
export const SELECT_PREPARE_STANDING = `
SELECT status, prepare_finished_at IS NOT NULL AS finished,
       opened_early_at IS NOT NULL AS open_early, prepare_owner, prepare_heartbeat_at
FROM batchactions_jobs WHERE id = ?`;

/**
 * Gives the job's prepare to `@run`: owner, fresh heartbeat, no stop mark. Run after
 * `prepareTakeoverFor` allowed it, in the same IMMEDIATE transaction: the write lock taken
 * before the read keeps every other taker out until the commit.
 */
export const TAKE_OVER_PREPARE = `
UPDATE batchactions_jobs
SET prepare_owner = @run, prepare_heartbeat_at = @now, prepare_stopped_at = NULL
WHERE id = @jobId`;

/** The owning run gives the prepare up: no owner, no heartbeat, stopped now. */
export const STOP_PREPARE = `
UPDATE batchactions_jobs
SET prepare_owner = NULL, prepare_heartbeat_at = NULL, prepare_stopped_at = @now
WHERE id = @jobId AND prepare_owner = @run AND ${BEING_PREPARED}`;

/**
 * The owning run fails the job for good (input that cannot be parsed, an explicit give-up): it
 * becomes FAILED and its prepare ends. No change when `@run` does not own the prepare.
 */
export const FAIL_PREPARE = `
UPDATE batchactions_jobs
SET status = 'FAILED', completed_at = @now, prepare_owner = NULL, prepare_heartbeat_at = NULL,
    prepare_stopped_at = NULL, opened_early_at = NULL
WHERE id = @jobId AND prepare_owner = @run AND ${BEING_PREPARED}`;

/** The job's batches in index order with their source cursors (`listPreparedBatches`). */
export const SELECT_PREPARED_BATCHES = `
SELECT id, batch_index, record_start, record_end, source_cursor
FROM batchactions_batches
WHERE job_pk = (SELECT pk FROM batchactions_jobs WHERE id = ?)
ORDER BY batch_index`;
