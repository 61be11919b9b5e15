import { DB_NOW_MS, type SchemaTables } from './tables';

/**
 * Moves job `$1` to status `$3` only if its status is one of `$2` (a text array), in one
 * conditional UPDATE: concurrent callers queue on the job row and re-check the status, so exactly
 * one of them changes it. Terminal statuses stamp `completed_at` from the database clock.
 */
export function updateJobStatusSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET status = $3,
        completed_at = CASE WHEN $3 IN ('COMPLETED', 'FAILED', 'ABORTED') THEN ${DB_NOW_MS}
                            ELSE completed_at END,
        updated_at = now()
    WHERE id = $1 AND status = ANY($2::text[])
    RETURNING status`;
}

/** The status of job `$1` alone. */
export function selectJobStatusSql(t: SchemaTables): string {
  return `SELECT status FROM ${t.jobs} WHERE id = $1`;
}
