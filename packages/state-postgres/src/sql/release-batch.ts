import type { SchemaTables } from './tables';

/**
 * Puts batch `$2` of job `$1` back to PENDING if worker `$3` holds it at attempt `$4` (any
 * attempt when `$4` is NULL); otherwise no row changes.
 */
export function releaseBatchSql(t: SchemaTables): string {
  return `
    UPDATE ${t.batches}
    SET status = 'PENDING', worker_id = NULL, claimed_at = NULL
    WHERE job_id = $1 AND id = $2 AND status = 'PROCESSING' AND worker_id = $3
      AND ($4::integer IS NULL OR attempt = $4::integer)`;
}
