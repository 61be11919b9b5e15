import {
  RECORD_INPUT_VALUES,
  RECORD_OUTCOME_COLUMNS,
  RECORD_INSERT_COLUMNS,
  RECORD_UPSERT,
  recordInput,
  recordOutcomeInput,
} from './record-input';
import type { SchemaTables } from './tables';

/**
 * Fenced write of a finished batch, in one statement (so in one transaction): sets batch `$2`
 * of job `$1` to its outcome (`$10` status, `$11` processed, `$12` failed, `$13` error) only if
 * it is still PROCESSING for worker `$14` at attempt `$15`, and only then upserts its records
 * (columns `$3`..`$9`).
 *
 * `leased` is 1 when the lease held and 0 when it was lost, in which case nothing was written.
 * The fence is the row lock the UPDATE takes: a concurrent reclaim either commits first (the
 * UPDATE then re-checks the row, finds it changed and matches nothing) or waits for us.
 */
export function completeBatchSql(t: SchemaTables): string {
  return `
    WITH lease AS (
      UPDATE ${t.batches}
      SET status = $10, processed_count = $11, failed_count = $12, error = $13
      WHERE job_id = $1 AND id = $2
        AND status = 'PROCESSING' AND worker_id = $14 AND attempt = $15
      RETURNING id
    ),
    written AS (
      INSERT INTO ${t.records} (${RECORD_INSERT_COLUMNS})
      SELECT ${RECORD_INPUT_VALUES}
      FROM ${recordInput(3)}
      WHERE EXISTS (SELECT 1 FROM lease)
      ${RECORD_UPSERT}
    )
    SELECT count(*)::integer AS leased FROM lease`;
}

/**
 * The fast path of {@link completeBatchSql}: the same fenced write, but the batch's records are
 * updated in place (status, parsed, errors, processing error, retry count) instead of upserted,
 * so their raw payloads are neither sent again nor rewritten by us. Parameters: `$1` job, `$2`
 * batch, record outcome columns `$3`..`$8` (see `recordOutcomeInput`), `$9` status, `$10`
 * processed, `$11` failed, `$12` error, `$13` worker, `$14` attempt.
 *
 * The lease is taken only when every given record is already stored under this batch (prepare
 * stored them); otherwise `leased` is 0 with nothing written, and the caller repeats the write
 * with {@link completeBatchSql}, which also inserts the missing records. `present` counts the
 * batch's records through the `(job_id, batch_id)` index.
 */
export function completeBatchInPlaceSql(t: SchemaTables): string {
  return `
    WITH present AS (
      SELECT count(*)::integer AS n
      FROM ${t.records}
      WHERE job_id = $1 AND batch_id = $2 AND record_index = ANY ($3::integer[])
    ),
    lease AS (
      UPDATE ${t.batches}
      SET status = $9, processed_count = $10, failed_count = $11, error = $12
      WHERE job_id = $1 AND id = $2
        AND status = 'PROCESSING' AND worker_id = $13 AND attempt = $14
        AND (SELECT n FROM present) = cardinality($3::integer[])
      RETURNING id
    ),
    written AS (
      UPDATE ${t.records} r
      SET ${RECORD_OUTCOME_COLUMNS}
      FROM ${recordOutcomeInput(3)}
      WHERE r.job_id = $1 AND r.batch_id = $2 AND r.record_index = input.record_index
        AND EXISTS (SELECT 1 FROM lease)
    )
    SELECT count(*)::integer AS leased FROM lease`;
}
