import {
  RECORD_INPUT_VALUES,
  RECORD_INSERT_COLUMNS,
  RECORD_UPSERT,
  recordInput,
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
