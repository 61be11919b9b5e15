import {
  RECORD_INPUT_VALUES,
  RECORD_INSERT_COLUMNS,
  RECORD_UPSERT,
  recordInput,
} from './record-input';
import { fromEpochMs, type SchemaTables } from './tables';

/**
 * Stores batch `$2` of job `$1` and its records in one statement (so in one transaction).
 * Record columns are `$3`..`$9`; the batch's fields `$10`..`$19`. A batch the store already holds
 * keeps its state.
 *
 * With `replaceRecords: false` the records are plainly inserted, the fast path for `prepare`,
 * where they are new (a duplicate fails with a unique violation); with `true` they are upserted.
 * The foreign key of `batches` rejects an unknown job.
 */
export function registerBatchSql(t: SchemaTables, options: { replaceRecords: boolean }): string {
  return `
    WITH batch AS (
      INSERT INTO ${t.batches} (job_id, id, batch_index, status, record_start_index,
                                record_end_index, processed_count, failed_count, attempt,
                                worker_id, claimed_at, error)
      VALUES ($1, $2, $10, $11, $12, $13, $14, $15, $16, $17, ${fromEpochMs('$18')}, $19)
      ON CONFLICT (job_id, id) DO NOTHING
    )
    INSERT INTO ${t.records} (${RECORD_INSERT_COLUMNS})
    SELECT ${RECORD_INPUT_VALUES}
    FROM ${recordInput(3)}
    ${options.replaceRecords ? RECORD_UPSERT : ''}`;
}
