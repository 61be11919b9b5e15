import { storedTotalSql } from './prepare-liveness';
import { epochMs, type SchemaTables } from './tables';

/** Batch counts of job `$1` by status; no row when the job does not exist. */
export function distributedStatusSql(t: SchemaTables): string {
  return `
    SELECT count(b.id)::integer AS total,
           count(b.id) FILTER (WHERE b.status IN ('PENDING', 'PAUSED'))::integer AS pending,
           count(b.id) FILTER (WHERE b.status = 'PROCESSING')::integer AS processing,
           count(b.id) FILTER (WHERE b.status = 'COMPLETED')::integer AS completed,
           count(b.id) FILTER (WHERE b.status = 'FAILED')::integer AS failed,
           (j.prepare_open_early AND j.prepare_finished_at IS NULL) AS open_early
    FROM ${t.jobs} j
    LEFT JOIN ${t.batches} b ON b.job_id = j.id
    WHERE j.id = $1
    GROUP BY j.id`;
}

/** Record-level totals of job `$1` from its batches' counters; no row when it does not exist. */
export function progressSql(t: SchemaTables): string {
  return `
    SELECT ${storedTotalSql('j', 'b')} AS total_records,
           ${epochMs('j.started_at')} AS started_at,
           ${epochMs('j.completed_at')} AS completed_at,
           ${epochMs('now()')} AS now,
           coalesce(sum(b.processed_count), 0)::float8 AS processed,
           coalesce(sum(b.failed_count), 0)::float8 AS failed,
           count(b.id) FILTER (WHERE b.status IN ('COMPLETED', 'FAILED'))::integer AS done_batches,
           count(b.id)::integer AS total_batches
    FROM ${t.jobs} j
    LEFT JOIN ${t.batches} b ON b.job_id = j.id
    WHERE j.id = $1
    GROUP BY j.id`;
}
