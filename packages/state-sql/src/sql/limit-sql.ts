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

/**
 * PostgreSQL: the arithmetic of `leaseTokens` (`@batchactions/core`) in SQL, over a CTE `cur`
 * holding job `$1`'s locked limits row (`r`, `p`, `readyAt`, `factor`, `throttledAt`,
 * `throttledUntil`, `now`), for `wanted` tokens: the same IEEE double operations in the same
 * order as the TypeScript, so both give the same bucket. Columns: `granted`, `ms` (per token),
 * `start` (the first slot), `now`. `where`: a condition on `cur` for leasing at all.
 */
export function leaseCalcSql(wanted: string, where = 'true'): string {
  return `
    SELECT cur."now",
      GREATEST(1, LEAST(floor(${wanted}), ceil(cur."r" / 5.0)))::float8 AS "granted",
      cur."p"::float8 / (cur."r"::float8 * (CASE WHEN cur."factor" >= 1 THEN 1::float8 ELSE
        LEAST(1::float8, cur."factor" + GREATEST(0::float8,
          (cur."now" - cur."throttledAt")::float8 / (10::float8 * cur."p"::float8))) END))
        AS "ms",
      GREATEST(cur."readyAt", cur."now"::float8, cur."throttledUntil"::float8) AS "start"
    FROM cur
    WHERE ${where}`;
}

/**
 * PostgreSQL: the CTEs of one lease of job `$1`'s rate bucket, inside one statement: `cur` locks
 * the limits row (a lease that waited for the lock reads the row as the holder left it, and the
 * update below follows it), `lease` computes the lease (see {@link leaseCalcSql}), `leased`
 * writes the bucket. `when`: an extra condition for leasing at all (a claim leases only with a
 * batch); `wanted`: the SQL of the tokens wanted.
 */
export function leaseCtesPostgresSql(t: QuotedTables, wanted: string, when = 'true'): string {
  return `
    cur AS (
      SELECT "rateRecords" AS "r", "ratePerMs" AS "p", "readyAt", "factor", "throttledAt",
             "throttledUntil", ${nowMs('postgres')} AS "now"
      FROM ${t.jobLimits}
      WHERE "jobId" = $1 AND "rateRecords" IS NOT NULL AND "ratePerMs" IS NOT NULL AND ${when}
      FOR UPDATE
    ),
    lease AS (${leaseCalcSql(wanted)}),
    leased AS (
      UPDATE ${t.jobLimits} l SET "readyAt" = lease."start" + lease."granted" * lease."ms"
      FROM lease
      WHERE l."jobId" = $1
    )`;
}

/** The lease's answer columns (from the `lease` CTE of {@link leaseCtesPostgresSql}). */
export const LEASE_COLUMNS = `lease."granted" AS "leaseGranted",
      GREATEST(0, ceil(lease."start" - lease."now")) AS "leaseWaitMs",
      lease."ms" AS "leaseIntervalMs"`;

/**
 * PostgreSQL: `leaseRateTokens` as one statement ($2: tokens wanted): no row of `lease` when the
 * job has no rate limit (or no limits row).
 */
export function leaseRateTokensPostgresSql(t: QuotedTables): string {
  return `
    WITH ${leaseCtesPostgresSql(t, '$2::float8')}
    SELECT ${LEASE_COLUMNS} FROM lease`;
}
