import { DB_NOW_MS, type SchemaTables } from './tables';

const TERMINAL = `('COMPLETED', 'FAILED', 'ABORTED')`;

/**
 * Moves job `$1` to status `$3` only if its status is one of `$2` (a text array), in one
 * statement: concurrent callers queue on the job row and re-check the status, so exactly one of
 * them changes it. Terminal statuses stamp `completed_at` from the database clock and end a
 * prepare in progress. A job being prepared is never opened: a move to PROCESSING leaves it
 * CREATED (`finishPrepare` opens it), unless its prepare opened it early.
 *
 * A move to ABORTED is followed, in the same transaction, by {@link releaseAbortedBatchesSql}:
 * a second statement, so that its snapshot includes the claims that held the job row (`FOR
 * SHARE`) while this UPDATE waited for them.
 */
export function updateJobStatusSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET status = CASE WHEN $3::text = 'PROCESSING' AND NOT prepare_open_early
                           AND prepare_finished_at IS NULL
                           AND (prepare_heartbeat_at IS NOT NULL
                                OR prepare_stopped_at IS NOT NULL)
                      THEN 'CREATED' ELSE $3::text END,
        completed_at = CASE WHEN $3::text IN ${TERMINAL} THEN ${DB_NOW_MS}
                            ELSE completed_at END,
        prepare_heartbeat_at = CASE WHEN $3::text IN ${TERMINAL} THEN NULL
                                    ELSE prepare_heartbeat_at END,
        prepare_open_early = CASE WHEN $3::text IN ${TERMINAL} THEN false
                                  ELSE prepare_open_early END,
        updated_at = now()
    WHERE id = $1 AND status = ANY($2::text[])
    RETURNING status`;
}

/**
 * Puts the PROCESSING batches of the ABORTED job `$1` back to PENDING, so their holders' fenced
 * writes are refused. Run after {@link updateJobStatusSql} in its transaction: the job row is
 * then locked by us, so no claim can take a batch any more, and every claim that held the row
 * before committed its batch, which this statement sees.
 *
 * Lock order: the job row, then its batches (as `deleteJob`); a batch locked by a worker's write
 * in flight is waited for and then re-checked (its write went first).
 */
export function releaseAbortedBatchesSql(t: SchemaTables): string {
  return `
    UPDATE ${t.batches} b
    SET status = 'PENDING', worker_id = NULL, claimed_at = NULL
    WHERE b.job_id = $1 AND b.status = 'PROCESSING'`;
}

/** The status of job `$1` alone. */
export function selectJobStatusSql(t: SchemaTables): string {
  return `SELECT status FROM ${t.jobs} WHERE id = $1`;
}
