import { DB_NOW_MS, epochMs, fromEpochMs, type SchemaTables } from './tables';

/**
 * True for a job row (alias `j`, or none) whose prepare may still store batches: its prepare has
 * not finished, and it is CREATED or PAUSED, or PROCESSING because its prepare opened it early.
 */
export function preparable(j = ''): string {
  const c = j === '' ? '' : `${j}.`;
  return `(${c}prepare_finished_at IS NULL
           AND (${c}status IN ('CREATED', 'PAUSED')
                OR (${c}status = 'PROCESSING' AND ${c}prepare_open_early)))`;
}

/**
 * Marks job `$1` as being prepared now (its prepare heartbeat), if its prepare may still store
 * batches. With a prepare run `$2` (NULL: no ownership check), only while that run owns the
 * prepare: a heartbeat never takes a prepare, not even one nobody owns (a run that lost it
 * must not take it back). A row back means it did.
 */
export function heartbeatPrepareSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET prepare_heartbeat_at = ${DB_NOW_MS},
        prepare_stopped_at = CASE WHEN $2::text IS NULL THEN prepare_stopped_at ELSE NULL END,
        updated_at = now()
    WHERE id = $1
      AND ${preparable()}
      AND ($2::text IS NULL OR prepare_owner = $2::text)
    RETURNING 1`;
}

/**
 * Opens job `$1`, being prepared, to workers before its prepare ends: CREATED becomes PROCESSING
 * (PAUSED stays PAUSED), `started_at` is `$2` (epoch ms), and the job is marked as opened early,
 * which keeps it from being finalised until `finishPrepare`. No row back when the job was not
 * being prepared or was already opened.
 */
export function openEarlySql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET status = CASE WHEN status = 'CREATED' THEN 'PROCESSING' ELSE status END,
        started_at = ${fromEpochMs('$2')},
        prepare_open_early = true,
        updated_at = now()
    WHERE id = $1
      AND ${preparable()}
      AND NOT prepare_open_early
    RETURNING status`;
}

/**
 * Ends the prepare of job `$1`: total records `$2`, `started_at` `$3` (epoch ms; a job opened
 * early keeps the time it opened), CREATED opens as PROCESSING (PAUSED and an early-opened
 * PROCESSING stay as they are), and the early-open mark is cleared, so the job can be finalised.
 * With a prepare run `$4`, only that run, the owner, may end it. No row back when the job was not
 * being prepared (or another run owns its prepare).
 */
export function finishPrepareSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET status = CASE WHEN status = 'CREATED' THEN 'PROCESSING' ELSE status END,
        total_records = $2,
        started_at = CASE WHEN prepare_open_early THEN coalesce(started_at, ${fromEpochMs('$3')})
                          ELSE ${fromEpochMs('$3')} END,
        prepare_heartbeat_at = NULL,
        prepare_finished_at = ${DB_NOW_MS},
        prepare_open_early = false,
        prepare_owner = NULL,
        prepare_stopped_at = NULL,
        updated_at = now()
    WHERE id = $1
      AND ${preparable()}
      AND ($4::text IS NULL OR prepare_owner = $4::text)
    RETURNING status`;
}

/**
 * Gives the prepare of job `$1` to run `$2` if it may still store batches and nobody else holds
 * it: no owner, the same run, or an owner whose heartbeat is at least `$3` ms old (or unset, as
 * after `stopPrepare`; 0 takes any). A row back means it did.
 *
 * The job row is locked `FOR UPDATE` first. A plain UPDATE would take only `FOR NO KEY UPDATE`,
 * which does not conflict with the `FOR KEY SHARE` a `registerBatch` in flight holds: the
 * previous owner's batch would commit after the takeover (and after the new owner listed the
 * stored batches). `FOR UPDATE` waits for every such write; a later one finds the new owner and
 * stores nothing. The staleness is judged after the wait, on the row as it is then, by the
 * database clock (`clock_timestamp()`), so concurrent takers queue and only the first wins.
 */
export function takeOverPrepareSql(t: SchemaTables): string {
  return `
    WITH locked AS (
      SELECT id FROM ${t.jobs} WHERE id = $1 FOR UPDATE
    )
    UPDATE ${t.jobs} j
    SET prepare_owner = $2,
        prepare_heartbeat_at = ${DB_NOW_MS},
        prepare_stopped_at = NULL,
        updated_at = now()
    FROM locked
    WHERE j.id = locked.id
      AND ${preparable('j')}
      AND (j.prepare_owner IS NULL
           OR j.prepare_owner = $2
           OR j.prepare_heartbeat_at IS NULL
           OR j.prepare_heartbeat_at <= ${DB_NOW_MS} - make_interval(secs => $3::float8 / 1000))
    RETURNING 1`;
}

/**
 * Run `$2` fails job `$1` for good (input that cannot be parsed, an explicit give-up), only
 * while it owns the job's prepare: the job becomes FAILED and its prepare ends. A row back means
 * it did; none means the run lost the prepare and the job is left as it is.
 */
export function failPrepareSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET status = 'FAILED',
        completed_at = ${DB_NOW_MS},
        prepare_heartbeat_at = NULL,
        prepare_owner = NULL,
        prepare_stopped_at = NULL,
        prepare_open_early = false,
        updated_at = now()
    WHERE id = $1
      AND ${preparable()}
      AND prepare_owner = $2
    RETURNING 1`;
}

/**
 * What the prepare rules look at in job `$1` (core's `PrepareStanding`): status, whether its
 * prepare finished or opened it early, its owner and its heartbeat's age.
 */
export function prepareStandingSql(t: SchemaTables): string {
  return `
    SELECT status, prepare_finished_at IS NOT NULL AS finished,
           prepare_open_early AS open_early, prepare_owner AS owner,
           ${prepareHeartbeatAgeMs('prepare_heartbeat_at')} AS heartbeat_age_ms
    FROM ${t.jobs}
    WHERE id = $1`;
}

/**
 * Run `$2` gives up the prepare of job `$1` before its end: no owner, no heartbeat, and the
 * stop time set (the job waits for a resume). A row back when that run owned it and the job
 * was still being prepared.
 */
export function stopPrepareSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET prepare_owner = NULL,
        prepare_heartbeat_at = NULL,
        prepare_stopped_at = ${DB_NOW_MS},
        updated_at = now()
    WHERE id = $1
      AND ${preparable()}
      AND prepare_owner = $2
    RETURNING 1`;
}

/** Every batch of job `$1` in index order, with the source cursor its prepare stored. */
export function listPreparedBatchesSql(t: SchemaTables): string {
  return `
    SELECT id, batch_index, record_start_index, record_end_index, source_cursor
    FROM ${t.batches}
    WHERE job_id = $1
    ORDER BY batch_index`;
}

/**
 * `open_early` (a prepare that opened the job early has not finished) and `prepare_stopped` (a
 * prepare stopped before its end and waits for a resume) of job row `j`.
 */
export function prepareFlagsSql(j: string): string {
  return `(${j}.prepare_open_early AND ${j}.prepare_finished_at IS NULL) AS open_early,
           (${j}.prepare_stopped_at IS NOT NULL AND ${j}.prepare_finished_at IS NULL
            AND ${j}.status NOT IN ('COMPLETED', 'FAILED', 'ABORTED')) AS prepare_stopped`;
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
           ${epochMs('j.created_at')} AS created_at,
           ${epochMs('j.started_at')} AS started_at,
           ${epochMs('j.completed_at')} AS completed_at,
           ${prepareHeartbeatAgeMs('j.prepare_heartbeat_at')} AS prepare_heartbeat_age_ms,
           j.summary::text AS summary,
           ${prepareFlagsSql('j')}
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
 * else claimed it (the same claimant may claim again), or, with `$3` (ms, NULL: never), if
 * another claimant's claim was never acknowledged and is at least `$3` ms old by the database
 * clock (a claim made before version 6 has no claim time and is never taken over). A row back,
 * with the summary, means it did; the claim time is then now.
 */
export function claimJobCompletionSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET completion_claimant = $2,
        completion_claimed_at = ${DB_NOW_MS},
        updated_at = now()
    WHERE id = $1
      AND summary IS NOT NULL
      AND (completion_claimant IS NULL OR completion_claimant = $2
           OR ($3::float8 IS NOT NULL
               AND completion_acknowledged_at IS NULL
               AND completion_claimed_at IS NOT NULL
               AND completion_claimed_at
                   <= ${DB_NOW_MS} - make_interval(secs => $3::float8 / 1000)))
    RETURNING summary::text AS summary`;
}

/** Records that claimant `$2`, which holds job `$1`'s completion, emitted it (once). */
export function acknowledgeJobCompletionSql(t: SchemaTables): string {
  return `
    UPDATE ${t.jobs}
    SET completion_acknowledged_at = coalesce(completion_acknowledged_at, ${DB_NOW_MS}),
        updated_at = now()
    WHERE id = $1 AND completion_claimant = $2`;
}
