import {
  RECORD_INPUT_VALUES,
  RECORD_INSERT_COLUMNS,
  RECORD_UPSERT,
  recordInput,
} from './record-input';
import { preparable } from './prepare-liveness';
import { DB_NOW_MS, fromEpochMs, type SchemaTables } from './tables';

/**
 * Stores batch `$2` of job `$1` and its records in one statement (so in one transaction).
 * Record columns are `$3`..`$9`; the batch's fields `$10`..`$19`; the prepare run `$20` (NULL: no
 * ownership check) and the batch's source cursor `$21`. A batch the store already holds keeps its
 * state.
 *
 * With `replaceRecords: false` the records are plainly inserted, the fast path for `prepare`,
 * where they are new (a duplicate fails with a unique violation); with `true` they are upserted.
 *
 * Only a job being prepared (CREATED or PAUSED, or PROCESSING when opened early), whose prepare
 * `$20` owns when given, takes batches: the statement reads the job row
 * with `FOR KEY SHARE` and inserts nothing when it is not there in such a status (unknown,
 * purged or cancelled job). That lock lets the batch writes `prepare` keeps in flight run side
 * by side, but makes `deleteJob` (which locks the job row `FOR UPDATE` first) wait for this
 * insert and then delete its rows too; an insert after the delete finds no job. `takeOverPrepare`
 * locks the row `FOR UPDATE`, which waits for this lock too: a takeover never passes a batch
 * write of the previous owner in flight. The job's `total_records` is not touched: while it is
 * being prepared, readers sum its batches' ranges.
 *
 * The registration renews the prepare heartbeat (a batch stored is a sign of life), only when it
 * is more than a second old: the renewal locks the job row against the other batch write in
 * flight until this statement commits, so renewing on every batch would make them queue.
 */
export function registerBatchSql(t: SchemaTables, options: { replaceRecords: boolean }): string {
  return `
    WITH job AS (
      SELECT id FROM ${t.jobs}
      WHERE id = $1 AND ${preparable()}
        AND ($20::text IS NULL OR prepare_owner = $20::text)
      FOR KEY SHARE
    ),
    renewed AS (
      UPDATE ${t.jobs}
      SET prepare_heartbeat_at = ${DB_NOW_MS}
      WHERE id = (SELECT id FROM job)
        AND prepare_heartbeat_at < ${DB_NOW_MS} - interval '1 second'
    ),
    batch AS (
      INSERT INTO ${t.batches} (job_id, id, batch_index, status, record_start_index,
                                record_end_index, processed_count, failed_count, attempt,
                                worker_id, claimed_at, error, source_cursor)
      SELECT $1, $2, $10, $11, $12, $13, $14, $15, $16, $17, ${fromEpochMs('$18')}, $19, $21
      FROM job
      ON CONFLICT (job_id, id) DO NOTHING
    )
    INSERT INTO ${t.records} (${RECORD_INSERT_COLUMNS})
    SELECT ${RECORD_INPUT_VALUES}
    FROM ${recordInput(3)}
    WHERE EXISTS (SELECT 1 FROM job)
    ${options.replaceRecords ? RECORD_UPSERT : ''}`;
}
