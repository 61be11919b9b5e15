import { DB_NOW_MS, type SchemaTables } from './tables';

/** Renews the claim time of batch `$2` of job `$1` if worker `$3` still holds it at attempt `$4`. */
export function heartbeatBatchSql(t: SchemaTables): string {
  return `
    UPDATE ${t.batches}
    SET claimed_at = ${DB_NOW_MS}
    WHERE job_id = $1 AND id = $2 AND status = 'PROCESSING' AND worker_id = $3 AND attempt = $4`;
}
