import type { SqlFamily } from '../db';
import { nowMs } from './dialect-sql';
import type { QuotedTables } from './tables';

/** Statuses of a job whose prepare may still store batches. */
export const PREPARABLE = `('CREATED', 'PAUSED')`;

/** The larger of two expressions (SQLite's scalar `max`, `greatest` elsewhere). */
function larger(family: SqlFamily, a: string, b: string): string {
  return family === 'sqlite' ? `max(${a}, ${b})` : `greatest(${a}, ${b})`;
}

/**
 * The total records of job `j` with its batches `b` (an aggregate): `totalRecords`, or, until its
 * prepare finished, the records its stored batches hold if they are more (`prepare` sets the
 * total when it ends; a prepare that died never does).
 */
export function storedTotalSql(family: SqlFamily): string {
  return `CASE WHEN j."prepareFinishedAt" IS NULL
               THEN ${larger(
                 family,
                 'j."totalRecords"',
                 'coalesce(sum(b."recordEndIndex" - b."recordStartIndex" + 1), 0)',
               )}
               ELSE j."totalRecords" END`;
}

/**
 * Renews the prepare heartbeat of job `$1` if it is being prepared. The new value is always
 * larger than the old one (one more millisecond when the clock did not move), so the row always
 * changes and MySQL's "changed rows" count says whether it matched.
 */
export function heartbeatPrepareSql(t: QuotedTables, family: SqlFamily): string {
  const now = nowMs(family);
  return `
    UPDATE ${t.jobs}
    SET "prepareHeartbeatAt" = CASE WHEN "prepareHeartbeatAt" IS NULL OR "prepareHeartbeatAt" < ${now}
                                    THEN ${now} ELSE "prepareHeartbeatAt" + 1 END
    WHERE "id" = $1 AND "status" IN ${PREPARABLE} AND "prepareFinishedAt" IS NULL`;
}

/**
 * Ends the prepare of job `$1`: `$2` total records, `$3` start (epoch ms); CREATED opens as
 * PROCESSING, PAUSED stays. Changes nothing when the job is not being prepared.
 */
export function finishPrepareSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.jobs}
    SET "status" = CASE WHEN "status" = 'CREATED' THEN 'PROCESSING' ELSE "status" END,
        "totalRecords" = $2,
        "startedAt" = $3,
        "prepareHeartbeatAt" = NULL,
        "prepareFinishedAt" = ${nowMs(family)}
    WHERE "id" = $1 AND "status" IN ${PREPARABLE} AND "prepareFinishedAt" IS NULL`;
}

/** Job `$1`'s row without batches, with the records stored so far and the database clock. */
export function selectJobDetailsSql(t: QuotedTables, family: SqlFamily): string {
  return `
    SELECT j."status" AS "status", ${storedTotalSql(family)} AS "totalRecords",
           j."startedAt" AS "startedAt", j."completedAt" AS "completedAt",
           j."prepareHeartbeatAt" AS "prepareHeartbeatAt", j."summary" AS "summary",
           ${nowMs(family)} AS "now"
    FROM ${t.jobs} j
    LEFT JOIN ${t.batches} b ON b."jobId" = j."id"
    WHERE j."id" = $1
    GROUP BY j."id", j."status", j."totalRecords", j."startedAt", j."completedAt",
             j."prepareHeartbeatAt", j."prepareFinishedAt", j."summary"`;
}

/** The counters the summary of job `$1` is made of, read right after its finalisation. */
export function selectSummaryCountsSql(t: QuotedTables): string {
  return `
    SELECT j."totalRecords" AS "totalRecords", j."startedAt" AS "startedAt",
           j."completedAt" AS "completedAt",
           coalesce(sum(b."processedCount"), 0) AS "processed",
           coalesce(sum(b."failedCount"), 0) AS "failed"
    FROM ${t.jobs} j
    LEFT JOIN ${t.batches} b ON b."jobId" = j."id"
    WHERE j."id" = $1
    GROUP BY j."id", j."totalRecords", j."startedAt", j."completedAt"`;
}

/** Stores summary `$2` (JSON text) on job `$1`. */
export function storeSummarySql(t: QuotedTables): string {
  return `UPDATE ${t.jobs} SET "summary" = $2 WHERE "id" = $1`;
}

/** Gives the completion of job `$1` to claimant `$2` unless another claimant has it. */
export function claimCompletionSql(t: QuotedTables): string {
  return `
    UPDATE ${t.jobs}
    SET "completionClaimant" = $2
    WHERE "id" = $1 AND "summary" IS NOT NULL AND "completionClaimant" IS NULL`;
}

/** Who has the completion of job `$1`, and its summary. */
export function selectCompletionSql(t: QuotedTables): string {
  return `SELECT "completionClaimant" AS "claimant", "summary" FROM ${t.jobs} WHERE "id" = $1`;
}

/**
 * Locks job `$1`'s row in a transaction: `share` for a batch registration (several may run at
 * once; a delete waits for them), `update` for a delete. SQLite transactions take the database's
 * write lock up front instead.
 */
export function lockJobSql(t: QuotedTables, family: SqlFamily, mode: 'share' | 'update'): string {
  if (family === 'sqlite') return `SELECT "status" FROM ${t.jobs} WHERE "id" = $1`;
  const lock =
    mode === 'update' ? 'FOR UPDATE' : family === 'mysql' ? 'LOCK IN SHARE MODE' : 'FOR KEY SHARE';
  return `SELECT "status" FROM ${t.jobs} WHERE "id" = $1 ${lock}`;
}
