import {
  RECORD_INPUT_VALUES,
  RECORD_INSERT_COLUMNS,
  RECORD_UPSERT,
  recordInput,
} from './record-input';
import { PREPARABLE_STATUSES } from './prepare-liveness';
import { DB_NOW_MS, fromEpochMs, type SchemaTables } from './tables';

/**
 * Stores batch `$2` of job `$1` and its records in one statement (so in one transaction).
 * Record columns are `$3`..`$9`; the batch's fields `$10`..`$19`. A batch the store already holds
 * keeps its state.
 *
 * With `replaceRecords: false` the records are plainly inserted, the fast path for `prepare`,
 * where they are new (a duplicate fails with a unique violation); with `true` they are upserted.
 *
 * Only a job being prepared (CREATED or PAUSED) takes batches: the statement first updates the
 * job row, adding `$20` records to its total and renewing its prepare heartbeat, and inserts
 * nothing when that matched no row (unknown, purged or cancelled job). The row lock of that
 * update also makes `deleteJob` (which locks the job row first) wait for this insert and delete
 * its rows too, or makes this insert find no job.
 */
export function registerBatchSql(t: SchemaTables, options: { replaceRecords: boolean }): string {
  return `
    WITH job AS (
      UPDATE ${t.jobs}
      SET total_records = total_records + $20,
          prepare_heartbeat_at = CASE WHEN prepare_heartbeat_at IS NULL THEN NULL
                                      ELSE ${DB_NOW_MS} END,
          updated_at = now()
      WHERE id = $1 AND status IN ${PREPARABLE_STATUSES}
      RETURNING id
    ),
    batch AS (
      INSERT INTO ${t.batches} (job_id, id, batch_index, status, record_start_index,
                                record_end_index, processed_count, failed_count, attempt,
                                worker_id, claimed_at, error)
      SELECT $1, $2, $10, $11, $12, $13, $14, $15, $16, $17, ${fromEpochMs('$18')}, $19
      FROM job
      ON CONFLICT (job_id, id) DO NOTHING
    )
    INSERT INTO ${t.records} (${RECORD_INSERT_COLUMNS})
    SELECT ${RECORD_INPUT_VALUES}
    FROM ${recordInput(3)}
    WHERE EXISTS (SELECT 1 FROM job)
    ${options.replaceRecords ? RECORD_UPSERT : ''}`;
}
