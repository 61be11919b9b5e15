import { RECORD_STATUS_GROUPS } from '@batchactions/core';

const RECORD_COLUMNS = `record_index, status, raw, parsed, errors, processing_error, retry_count`;

/** Inserts a record or replaces every field of the one at the same index. */
export const UPSERT_RECORD = `
INSERT INTO batchactions_records
  (job_pk, batch_id, record_index, status, raw, parsed, errors, processing_error, retry_count)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (job_pk, record_index) DO UPDATE SET
  batch_id         = excluded.batch_id,
  status           = excluded.status,
  raw              = excluded.raw,
  parsed           = excluded.parsed,
  errors           = excluded.errors,
  processing_error = excluded.processing_error,
  retry_count      = excluded.retry_count`;

/**
 * Writes a processed record over its prepared row without re-sending `raw`, unless `parsed` is
 * the raw record itself (then `raw` is written and `parsed` stays NULL). No row changed means the
 * record was never stored; the caller then falls back to {@link UPSERT_RECORD}.
 */
export const UPDATE_RECORD_RESULT = `
UPDATE batchactions_records
SET batch_id = ?, status = ?, raw = coalesce(?, raw), parsed = ?, errors = ?,
    processing_error = ?, retry_count = ?
WHERE job_pk = ? AND record_index = ?`;

/** A batch's records: its record range on the primary key, checked against its id. */
export const SELECT_BATCH_RECORDS = `
SELECT r.record_index, r.status, r.raw, r.parsed, r.errors, r.processing_error, r.retry_count
FROM batchactions_batches b
JOIN batchactions_records r
  ON r.job_pk = b.job_pk
 AND r.record_index >= b.record_start AND r.record_index <= b.record_end
 AND r.batch_id = b.id
WHERE b.job_pk = (SELECT pk FROM batchactions_jobs WHERE id = ?) AND b.id = ?
ORDER BY r.record_index`;

export const BATCH_EXISTS = `
SELECT 1 AS found FROM batchactions_batches
WHERE job_pk = (SELECT pk FROM batchactions_jobs WHERE id = ?) AND id = ?`;

/**
 * Records saved for a batch that has no row yet (`saveBatchRecords` before `saveJobState`):
 * a scan of the job's records, only used in that case.
 */
export const SELECT_RECORDS_OF_UNKNOWN_BATCH = `
SELECT ${RECORD_COLUMNS} FROM batchactions_records
WHERE job_pk = (SELECT pk FROM batchactions_jobs WHERE id = ?) AND batch_id = ?
ORDER BY record_index`;

function selectByStatus(statuses: readonly string[]): string {
  const list = statuses.map((s) => `'${s}'`).join(', ');
  return `
SELECT ${RECORD_COLUMNS} FROM batchactions_records
WHERE job_pk = (SELECT pk FROM batchactions_jobs WHERE id = ?) AND status IN (${list})
ORDER BY record_index`;
}

export const SELECT_FAILED_RECORDS = selectByStatus(RECORD_STATUS_GROUPS.failed);
export const SELECT_PENDING_RECORDS = selectByStatus(RECORD_STATUS_GROUPS.pending);
export const SELECT_PROCESSED_RECORDS = selectByStatus(RECORD_STATUS_GROUPS.processed);
