import { DB_NOW_MS, type SchemaTables } from './tables';

/**
 * The PROCESSING batches of job `$1` in index order, with their holder, attempt and the age of
 * their claim or last heartbeat (database clock, whole milliseconds, never negative).
 */
export function batchesInFlightSql(t: SchemaTables): string {
  return `
    SELECT id,
           batch_index,
           coalesce(worker_id, '') AS worker_id,
           attempt,
           greatest(0, round(extract(epoch FROM ${DB_NOW_MS} - coalesce(claimed_at, ${DB_NOW_MS})) * 1000))::float8
             AS heartbeat_age_ms
    FROM ${t.batches}
    WHERE job_id = $1 AND status = 'PROCESSING'
    ORDER BY batch_index`;
}
