import type { SqlFamily } from '../db';
import { nowMs, upsertClause } from './dialect-sql';
import { storedTotalSql } from './prepare-sql';
import type { QuotedTables } from './tables';

/** Columns of the job row that `saveJobState` writes, in bind order `$1`..`$7`. */
const JOB_COLUMNS = [
  'id',
  'status',
  'config',
  'totalRecords',
  'startedAt',
  'completedAt',
  'distributed',
] as const;

/**
 * Creates job `$1` or replaces its fields. The published `batches` JSON column gets `[]` on
 * insert and is never rewritten: batch state lives in the batches table only. `createdAt` is
 * the database clock at the insert, never rewritten either. `$8`, the source name, is written
 * when given and kept otherwise (a save without one does not clear it).
 */
export function upsertJobSql(t: QuotedTables, family: SqlFamily): string {
  const keepName =
    family === 'mysql'
      ? `"sourceName" = coalesce(VALUES("sourceName"), "sourceName")`
      : `"sourceName" = coalesce(excluded."sourceName", ${t.jobs}."sourceName")`;
  return `
    INSERT INTO ${t.jobs} (${JOB_COLUMNS.map((c) => `"${c}"`).join(', ')}, "sourceName", "batches", "createdAt")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '[]', ${nowMs(family)})
    ${upsertClause(family, ['id'], JOB_COLUMNS.slice(1))}, ${keepName}`;
}

/**
 * Creates job `$1` (`$8` its source name, or NULL); a job with its id already there fails it
 * with a unique violation.
 */
export function insertJobSql(t: QuotedTables, family: SqlFamily): string {
  return `
    INSERT INTO ${t.jobs} (${JOB_COLUMNS.map((c) => `"${c}"`).join(', ')}, "sourceName", "batches", "createdAt")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '[]', ${nowMs(family)})`;
}

/**
 * Job `$1`'s row; `preparing` is 1 until its prepare finished (its total then counts the
 * records of its stored batches, see `decodeJob`).
 */
export function selectJobSql(t: QuotedTables): string {
  return `
    SELECT "id", "status", "config", "totalRecords", "startedAt", "completedAt", "distributed",
           "sourceName",
           CASE WHEN "prepareFinishedAt" IS NULL THEN 1 ELSE 0 END AS "preparing"
    FROM ${t.jobs}
    WHERE "id" = $1`;
}

export function selectJobStatusSql(t: QuotedTables): string {
  return `SELECT "status" FROM ${t.jobs} WHERE "id" = $1`;
}

/**
 * Moves job `$1` to status `$2` if its status is one of `$4`..: one conditional UPDATE, so
 * concurrent callers queue on the job row and exactly one changes it. `$3` says what `$2` is:
 * 1, a terminal status (stamps `completedAt` and ends a prepare in progress: heartbeat, owner,
 * stop and open-early marks cleared); 2, PROCESSING (a job still being prepared, heartbeat set
 * or stopped, is not opened unless it was opened early: it stays CREATED until
 * `finishPrepare`); 0, other. The status is set before the prepare columns are cleared (MySQL
 * evaluates SET left to right).
 */
export function updateJobStatusSql(t: QuotedTables, family: SqlFamily, from: number): string {
  const list = Array.from({ length: from }, (_, i) => `$${i + 4}`).join(', ');
  const endsPrepare = (column: string) =>
    `"${column}" = CASE WHEN $3 = 1 THEN NULL ELSE "${column}" END`;
  return `
    UPDATE ${t.jobs}
    SET "status" = CASE WHEN $3 = 2 AND "openedEarlyAt" IS NULL
                             AND ("prepareHeartbeatAt" IS NOT NULL OR "prepareStoppedAt" IS NOT NULL)
                        THEN 'CREATED' ELSE $2 END,
        "completedAt" = CASE WHEN $3 = 1 THEN ${nowMs(family)} ELSE "completedAt" END,
        ${endsPrepare('prepareHeartbeatAt')},
        ${endsPrepare('prepareOwner')},
        ${endsPrepare('prepareStoppedAt')},
        ${endsPrepare('openedEarlyAt')}
    WHERE "id" = $1 AND "status" IN (${list})`;
}

/** A cancel gives job `$1`'s batches in flight back (their holders' fenced writes are refused). */
export function releaseProcessingBatchesSql(t: QuotedTables): string {
  return `
    UPDATE ${t.batches}
    SET "status" = 'PENDING', "workerId" = NULL, "claimedAt" = NULL, "completedAt" = NULL
    WHERE "jobId" = $1 AND "status" = 'PROCESSING'`;
}

/**
 * Moves job `$1` from PROCESSING to COMPLETED (FAILED when a batch failed) once none of its
 * batches is PENDING, PROCESSING or PAUSED and it is not opened early (its prepare may still add
 * batches), in one conditional UPDATE. Concurrent callers queue
 * on the job row; the first changes it, the others re-check `status = 'PROCESSING'` and change
 * nothing. So exactly one caller sees one changed row.
 */
export function finalizeJobSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.jobs}
    SET "status" = CASE WHEN EXISTS (
                          SELECT 1 FROM ${t.batches} b
                          WHERE b."jobId" = $1 AND b."status" = 'FAILED')
                        THEN 'FAILED' ELSE 'COMPLETED' END,
        "completedAt" = ${nowMs(family)}
    WHERE "id" = $1
      AND "status" = 'PROCESSING'
      AND "openedEarlyAt" IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM ${t.batches} b
        WHERE b."jobId" = $1 AND b."status" IN ('PENDING', 'PROCESSING', 'PAUSED'))`;
}

/**
 * Whether job `$1` still has a batch to run (PENDING, PROCESSING or PAUSED): a plain read, so
 * `tryFinalizeJob` leaves the job row alone (unlocked) while work remains, which is after every
 * batch but the last. One probe of the `("jobId", "status", "batchIndex")` index per status:
 * `ORDER BY "batchIndex" LIMIT 1` keeps the planner on that index whatever its statistics say,
 * where a plain `"status" IN (...) LIMIT 1` was planned on PostgreSQL as a sequential scan of
 * the whole table (5-20 ms at 100,000 batches) whenever the statistics were taken while most
 * batches were pending; workers run this after every batch.
 *
 * SQLite: one probe of the `("jobId", "status")` index for the three statuses, without the
 * ORDER BY, which `SqliteStateStore`'s index cannot serve: with it, SQLite read every batch
 * of the job by its primary key and sorted them, for PROCESSING and again for PAUSED, after
 * every batch (a job's total work growing with the square of its batches).
 */
export function hasUnfinishedBatchSql(t: QuotedTables, family: SqlFamily): string {
  if (family === 'sqlite') {
    return `
    SELECT 1 AS "found" FROM ${t.batches}
    WHERE "jobId" = $1 AND "status" IN ('PENDING', 'PROCESSING', 'PAUSED')
    LIMIT 1`;
  }
  return ['PENDING', 'PROCESSING', 'PAUSED']
    .map(
      (status) => `
    SELECT "found" FROM (
      SELECT 1 AS "found" FROM ${t.batches}
      WHERE "jobId" = $1 AND "status" = '${status}'
      ORDER BY "batchIndex"
      LIMIT 1) AS "${status.toLowerCase()}"`,
    )
    .join('\n    UNION ALL');
}

/**
 * Batch counts of job `$1` by status, and whether it is opened early; no row when the job does
 * not exist.
 */
export function distributedStatusSql(t: QuotedTables): string {
  const count = (condition: string) => `sum(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  return `
    SELECT CASE WHEN j."openedEarlyAt" IS NULL THEN 0 ELSE 1 END AS "openEarly",
           count(b."id") AS "total",
           ${count(`b."status" IN ('PENDING', 'PAUSED')`)} AS "pending",
           ${count(`b."status" = 'PROCESSING'`)} AS "processing",
           ${count(`b."status" = 'COMPLETED'`)} AS "completed",
           ${count(`b."status" = 'FAILED'`)} AS "failed"
    FROM ${t.jobs} j
    LEFT JOIN ${t.batches} b ON b."jobId" = j."id"
    WHERE j."id" = $1
    GROUP BY j."id", j."openedEarlyAt"`;
}

/** Record-level totals of job `$1` from its batches' counters; no row when it does not exist. */
export function progressSql(t: QuotedTables, family: SqlFamily): string {
  return `
    SELECT ${storedTotalSql(family)} AS "totalRecords",
           j."startedAt" AS "startedAt",
           j."completedAt" AS "completedAt",
           ${nowMs(family)} AS "now",
           coalesce(sum(b."processedCount"), 0) AS "processed",
           coalesce(sum(b."failedCount"), 0) AS "failed",
           sum(CASE WHEN b."status" IN ('COMPLETED', 'FAILED') THEN 1 ELSE 0 END) AS "doneBatches",
           sum(CASE WHEN b."status" = 'COMPLETED' THEN 1 ELSE 0 END) AS "completedBatches",
           count(b."id") AS "totalBatches"
    FROM ${t.jobs} j
    LEFT JOIN ${t.batches} b ON b."jobId" = j."id"
    WHERE j."id" = $1
    GROUP BY j."id", j."totalRecords", j."startedAt", j."completedAt", j."prepareFinishedAt"`;
}

/** The records of job `$1` counted by status (the published `getProgress`). */
export function recordStatusCountsSql(t: QuotedTables): string {
  return `
    SELECT "status" AS "status", count(*) AS "count"
    FROM ${t.records}
    WHERE "jobId" = $1
    GROUP BY "status"`;
}

/** The deletes of `deleteJob`, in this order in one transaction; the last one is the job row. */
export function deleteJobSql(t: QuotedTables): readonly string[] {
  return [
    `DELETE FROM ${t.batches} WHERE "jobId" = $1`,
    `DELETE FROM ${t.records} WHERE "jobId" = $1`,
    `DELETE FROM ${t.uniqueValues} WHERE "jobId" = $1`,
    `DELETE FROM ${t.jobs} WHERE "id" = $1`,
  ];
}
