import type { SqlFamily } from '../db';
import { nowMs } from './dialect-sql';
import { RECORD_SELECT } from './record-sql';
import type { QuotedTables } from './tables';

/** `LIMIT n` for a checked page limit (an integer), or nothing. Same text in every dialect. */
function limitClause(limit: number | undefined): string {
  return limit === undefined ? '' : `LIMIT ${String(limit)}`;
}

/**
 * A page of the batches of job `$1` whose index is above `$2`, in index order: the dashboard's
 * batch grid. Read on the unique (`jobId`, `batchIndex`) index; no record is read. The heartbeat
 * age (database clock) is given for PROCESSING batches only. `completedAt` for finished
 * batches; `durationMs` of the last attempt: while PROCESSING, from its start (`completedAt`
 * holds it then, see `finishTimes`; `claimedAt` for a batch claimed before version 9) to now,
 * once finished from `claimedAt` (its start again) to `completedAt`.
 */
export function listBatchesSql(t: QuotedTables, family: SqlFamily, limit?: number): string {
  const now = nowMs(family);
  return batchPage(
    t,
    family,
    `"id", "batchIndex", "status", "recordStartIndex", "recordEndIndex",
           "processedCount", "failedCount", "attempt", "workerId", "error",
           CASE WHEN "status" IN ('COMPLETED', 'FAILED') THEN "completedAt" END AS "completedAt",
           CASE WHEN "status" = 'PROCESSING'
                THEN ${now} - coalesce("completedAt", "claimedAt", ${now})
                WHEN "status" IN ('COMPLETED', 'FAILED')
                THEN "completedAt" - "claimedAt"
           END AS "durationMs"`,
    limit,
  );
}

/** {@link listBatchesSql} with only what a status grid draws: index, status, failed count, age. */
export function listBatchStatusesSql(t: QuotedTables, family: SqlFamily, limit?: number): string {
  return batchPage(t, family, `"batchIndex", "status", "failedCount"`, limit);
}

/**
 * `columns` and the heartbeat age (PROCESSING batches only, database clock) of the batches of
 * job `$1` whose index is above `$2`, in index order, on the (`jobId`, `batchIndex`) index.
 */
function batchPage(t: QuotedTables, family: SqlFamily, columns: string, limit?: number): string {
  return `
    SELECT ${columns},
           CASE WHEN "status" = 'PROCESSING'
                THEN ${nowMs(family)} - coalesce("claimedAt", ${nowMs(family)})
           END AS "ageMs"
    FROM ${t.batches}
    WHERE "jobId" = $1 AND "batchIndex" > $2
    ORDER BY "batchIndex"
    ${limitClause(limit)}`;
}

/**
 * A page of the invalid and failed records of job `$1` whose index is above `$2`, in index
 * order: the dashboard's failed-records table. Read on the (`jobId`, `status`) index, so the
 * job's processed records are never visited.
 */
export function listFailedRecordsSql(t: QuotedTables, limit?: number): string {
  return `
    SELECT ${RECORD_SELECT}
    FROM ${t.records}
    WHERE "jobId" = $1 AND "status" IN ('invalid', 'failed') AND "recordIndex" > $2
    ORDER BY "recordIndex"
    ${limitClause(limit)}`;
}
