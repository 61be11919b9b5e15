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

/**
 * The total records of job `j` with its batches `b` (an aggregate): the job's `total_records`,
 * or, until its prepare finished, the records its stored batches hold if they are more (the
 * prepare sets the total only when it ends; a prepare that died never does).
 */
export function storedTotalSql(j: string, b: string): string {
  return `(CASE WHEN ${j}.prepare_finished_at IS NULL
               THEN greatest(${j}.total_records,
                             coalesce(sum(${b}.record_end_index - ${b}.record_start_index + 1), 0))
               ELSE ${j}.total_records END)::integer`;
}

/** Job `$1`'s row without batches, with its prepare heartbeat's age by the database clock. */
export function selectJobDetailsSql(t: SchemaTables): string {
  return `
    SELECT j.status, ${storedTotalSql('j', 'b')} AS total_records,
           ${epochMs('j.started_at')} AS started_at,
           ${epochMs('j.completed_at')} AS completed_at,
           ${prepareHeartbeatAgeMs('j.prepare_heartbeat_at')} AS prepare_heartbeat_age_ms,
           j.summary::text AS summary
    FROM ${t.jobs} j
    LEFT JOIN ${t.batches} b ON b.job_id = j.id
    WHERE j.id = $1
    GROUP BY j.id`;
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
