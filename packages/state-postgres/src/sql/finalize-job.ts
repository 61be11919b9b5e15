import { DB_NOW_MS, type SchemaTables } from './tables';

/**
 * Moves job `$1` from PROCESSING to COMPLETED (FAILED when a batch failed) once no batch is
 * open, in one conditional UPDATE. Concurrent callers queue on the job row; the first one
 * changes it, the others then re-check `status = 'PROCESSING'`, find it false and return no
 * row. So exactly one caller gets a row back.
 */
export function finalizeJobSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs} j
    SET status = CASE
                   WHEN EXISTS (SELECT 1 FROM ${t.batches} b
                                WHERE b.job_id = j.id AND b.status = 'FAILED')
                   THEN 'FAILED'
                   ELSE 'COMPLETED'
                 END,
        completed_at = ${DB_NOW_MS},
        updated_at = now()
    WHERE j.id = $1
      AND j.status = 'PROCESSING'
      AND NOT EXISTS (SELECT 1 FROM ${t.batches} b
                      WHERE b.job_id = j.id AND b.status IN ('PENDING', 'PROCESSING', 'PAUSED'))
    RETURNING j.status`;
}
