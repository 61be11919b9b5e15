import type { SqlFamily } from '../db';
import { nowMs, upsertClause } from './dialect-sql';
import type { QuotedTables } from './tables';

const LIMIT_COLUMNS = `"rateRecords", "ratePerMs", "maxBatches", "readyAt", "factor", "throttledAt",
       "throttledUntil"`;

/**
 * Job `$1`'s limits row with the database clock. With `lock` (PostgreSQL, MySQL family) the row
 * is locked to the end of the transaction: leases, throttles and capped claims of one job take
 * turns on it. SQLite needs no lock (one writer at a time).
 */
export function selectLimitsSql(t: QuotedTables, family: SqlFamily, lock: boolean): string {
  return `
    SELECT ${LIMIT_COLUMNS}, ${nowMs(family)} AS "now"
    FROM ${t.jobLimits}
    WHERE "jobId" = $1
    ${lock ? 'FOR UPDATE' : ''}`;
}

/** Whether job `$1` exists, with the database clock (no row: unknown job). */
export function selectJobClockSql(t: QuotedTables, family: SqlFamily): string {
  return `SELECT ${nowMs(family)} AS "now" FROM ${t.jobs} WHERE "id" = $1`;
}

/** Writes every column of job `$1`'s limits row ($2..$8 in {@link LIMIT_COLUMNS} order). */
export function upsertLimitsSql(t: QuotedTables, family: SqlFamily): string {
  const columns = [
    'rateRecords',
    'ratePerMs',
    'maxBatches',
    'readyAt',
    'factor',
    'throttledAt',
    'throttledUntil',
  ];
  return `
    INSERT INTO ${t.jobLimits} ("jobId", ${LIMIT_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ${upsertClause(family, ['jobId'], columns)}`;
}

/** Moves job `$1`'s rate bucket: `readyAt` $2, `factor` $3, `throttledAt` $4, `throttledUntil` $5. */
export function updateBucketSql(t: QuotedTables): string {
  return `
    UPDATE ${t.jobLimits}
    SET "readyAt" = $2, "factor" = $3, "throttledAt" = $4, "throttledUntil" = $5
    WHERE "jobId" = $1`;
}

/**
 * How many of job `$1`'s batches are PROCESSING, and whether one is PENDING: the cap check of a
 * claim, run once the limits row is locked (so that it sees every claim that took the lock
 * before).
 */
export function countBatchesForCapSql(t: QuotedTables): string {
  return `
    SELECT
      (SELECT count(*) FROM ${t.batches} WHERE "jobId" = $1 AND "status" = 'PROCESSING')
        AS "processing",
      (SELECT count(*) FROM ${t.batches} WHERE "jobId" = $1 AND "status" = 'PENDING')
        AS "pending"`;
}

/** Job `$1`'s limits row, removed (with the job). */
export function deleteLimitsSql(t: QuotedTables): string {
  return `DELETE FROM ${t.jobLimits} WHERE "jobId" = $1`;
}

/**
 * SQLite: why a claim of job `$1` took nothing, in one read: the job's status, its cap, and
 * (only with a cap) its batches PROCESSING and PENDING.
 */
export function claimRefusalSqliteSql(t: QuotedTables): string {
  return `
    SELECT j."status" AS "status", l."maxBatches" AS "maxBatches",
      CASE WHEN l."maxBatches" IS NULL THEN 0 ELSE
        (SELECT count(*) FROM ${t.batches} b WHERE b."jobId" = $1 AND b."status" = 'PROCESSING')
      END AS "processing",
      CASE WHEN l."maxBatches" IS NULL THEN 0 ELSE
        (SELECT count(*) FROM ${t.batches} b WHERE b."jobId" = $1 AND b."status" = 'PENDING')
      END AS "pending"
    FROM ${t.jobs} j LEFT JOIN ${t.jobLimits} l ON l."jobId" = j."id"
    WHERE j."id" = $1`;
}
