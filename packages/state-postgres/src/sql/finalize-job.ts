import { DB_NOW_MS, epochMs, type SchemaTables } from './tables';

/**
 * The first batch of job `$1` with status `status`, as one probe of the
 * (job_id, status, batch_index) index. `ORDER BY batch_index LIMIT 1` keeps the planner on that
 * index whatever its statistics say: a plain `EXISTS (... status IN (...))` was planned as a
 * sequential scan of the whole table (5-20 ms at 100k batches) whenever the statistics were
 * taken while many batches were pending, and workers run this after every batch.
 */
function firstBatchWithStatus(t: SchemaTables, status: string): string {
  return `(SELECT b.batch_index FROM ${t.batches} b
            WHERE b.job_id = $1 AND b.status = ${status}
            ORDER BY b.batch_index LIMIT 1)`;
}

/**
 * The `job:completed` summary of job `j` (`$1`) from its batches' counters, as published
 * (`skipped` never negative), `elapsedMs` from `started_at` to now. Evaluated only for the row
 * the finalisation changes (a subquery in SET), so a refused finalisation sums nothing.
 */
function summarySql(t: SchemaTables): string {
  return `(
    SELECT jsonb_build_object(
             'total', j.total_records,
             'processed', s.processed,
             'failed', s.failed,
             'skipped', greatest(0, j.total_records - s.processed - s.failed),
             'elapsedMs', CASE WHEN j.started_at IS NULL THEN 0
                               ELSE greatest(0, ${epochMs(DB_NOW_MS)} - ${epochMs('j.started_at')})
                          END)
    FROM (SELECT coalesce(sum(b.processed_count), 0)::bigint AS processed,
                 coalesce(sum(b.failed_count), 0)::bigint AS failed
          FROM ${t.batches} b
          WHERE b.job_id = $1) AS s)`;
}

/**
 * Moves job `$1` from PROCESSING to COMPLETED (FAILED when a batch failed) once no batch is
 * PENDING, PROCESSING or PAUSED and no prepare that opened it early is still storing batches, in one conditional UPDATE that also stores the job's summary.
 * Concurrent callers queue on the job row; the first one changes it, the others then re-check
 * `status = 'PROCESSING'`, find it false and return no row. So exactly one caller gets a row back.
 */
export function finalizeJobSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs} j
    SET status = CASE WHEN ${firstBatchWithStatus(t, "'FAILED'")} IS NULL
                      THEN 'COMPLETED' ELSE 'FAILED' END,
        completed_at = ${DB_NOW_MS},
        summary = ${summarySql(t)},
        updated_at = now()
    WHERE j.id = $1
      AND j.status = 'PROCESSING'
      AND NOT (j.prepare_open_early AND j.prepare_finished_at IS NULL)
      AND NOT EXISTS (
        SELECT 1
        FROM unnest(ARRAY['PENDING', 'PROCESSING', 'PAUSED']) AS open_status (status)
        CROSS JOIN LATERAL ${firstBatchWithStatus(t, 'open_status.status')} AS open_batch
      )
    RETURNING j.status`;
}
