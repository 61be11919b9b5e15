import { DB_NOW_MS, epochMs, fromEpochMs, type SchemaTables } from './tables';

/** The statuses of a job whose prepare may still store batches. */
export const PREPARABLE_STATUSES = `('CREATED', 'PAUSED')`;

/**
 * Marks job `$1` as being prepared now (its prepare heartbeat), if it is CREATED or PAUSED and
 * its prepare has not finished. A row back means it did.
 */
export function heartbeatPrepareSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET prepare_heartbeat_at = ${DB_NOW_MS},
        updated_at = now()
    WHERE id = $1
      AND status IN ${PREPARABLE_STATUSES}
      AND prepare_finished_at IS NULL
    RETURNING 1`;
}

/**
 * Ends the prepare of job `$1`: total records `$2`, `started_at` `$3` (epoch ms), CREATED opens
 * as PROCESSING (PAUSED stays PAUSED). No row back when the job was not being prepared.
 */
export function finishPrepareSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET status = CASE WHEN status = 'CREATED' THEN 'PROCESSING' ELSE status END,
        total_records = $2,
        started_at = ${fromEpochMs('$3')},
        prepare_heartbeat_at = NULL,
        prepare_finished_at = ${DB_NOW_MS},
        updated_at = now()
    WHERE id = $1
      AND status IN ${PREPARABLE_STATUSES}
      AND prepare_finished_at IS NULL
    RETURNING status`;
}

/** Job `$1`'s row without batches, with its prepare heartbeat's age by the database clock. */
export function selectJobDetailsSql(t: SchemaTables): string {
  return `
    SELECT status, total_records,
           ${epochMs('started_at')} AS started_at,
           ${epochMs('completed_at')} AS completed_at,
           ${prepareHeartbeatAgeMs('prepare_heartbeat_at')} AS prepare_heartbeat_age_ms,
           summary::text AS summary
    FROM ${t.jobs}
    WHERE id = $1`;
}

/** Milliseconds since a prepare heartbeat column, NULL when it is NULL (not being prepared). */
export function prepareHeartbeatAgeMs(column: string): string {
  // greatest() ignores NULLs, hence the CASE.
  return `CASE WHEN ${column} IS NULL THEN NULL
               ELSE greatest(0, ${epochMs(DB_NOW_MS)} - ${epochMs(column)}) END`;
}

/**
 * Gives the completion of job `$1` to claimant `$2` if the job has a stored summary and nobody
 * else claimed it (the same claimant may claim again). A row back, with the summary, means it did.
 */
export function claimJobCompletionSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET completion_claimant = $2,
        updated_at = now()
    WHERE id = $1
      AND summary IS NOT NULL
      AND (completion_claimant IS NULL OR completion_claimant = $2)
    RETURNING summary::text AS summary`;
}
