import type { SchemaTables } from './tables';

/**
 * Unfenced write of status `$3` and counters `$4`, `$5` of batch `$2` of job `$1` (the published
 * port's `updateBatchState`). A batch set back to PENDING loses its worker and claim time.
 */
export function updateBatchStateSql(t: SchemaTables): string {
  return `
    UPDATE ${t.batches}
    SET status = $3::text,
        processed_count = $4,
        failed_count = $5,
        worker_id = CASE WHEN $3::text = 'PENDING' THEN NULL ELSE worker_id END,
        claimed_at = CASE WHEN $3::text = 'PENDING' THEN NULL ELSE claimed_at END
    WHERE job_id = $1 AND id = $2`;
}
