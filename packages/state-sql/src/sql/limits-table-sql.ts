import type { SqlFamily } from '../db';

/**
 * The job-wide limits table (issue 27), one row per job that has (or had) limits; a job that
 * never had any has no row, and its claims read nothing more. Epoch milliseconds by the
 * database clock; `readyAt` is fractional (a token of a fast rate is worth less than 1 ms):
 *
 * - `rateRecords`, `ratePerMs`: the rate limit (both NULL: none);
 * - `maxBatches`: the cap on batches PROCESSING at once (NULL: none);
 * - `readyAt`, `factor`, `throttledAt`, `throttledUntil`: the rate bucket (see `RateBucket` in
 *   `@batchactions/core`).
 *
 * `table` is the quoted (and on PostgreSQL schema-qualified) name. `IF NOT EXISTS`: a migration
 * run again after a failure between the DDL and its version row does not fail.
 */
export function createJobLimitsTableSql(family: SqlFamily, table: string): string {
  const real = family === 'postgres' ? 'DOUBLE PRECISION' : family === 'mysql' ? 'DOUBLE' : 'REAL';
  return `
    CREATE TABLE IF NOT EXISTS ${table} (
      "jobId" VARCHAR(255) NOT NULL PRIMARY KEY,
      "rateRecords" INTEGER NULL,
      "ratePerMs" INTEGER NULL,
      "maxBatches" INTEGER NULL,
      "readyAt" ${real} NOT NULL DEFAULT 0,
      "factor" ${real} NOT NULL DEFAULT 1,
      "throttledAt" BIGINT NOT NULL DEFAULT 0,
      "throttledUntil" BIGINT NOT NULL DEFAULT 0
    )`;
}

/**
 * Adds `"claimSeq"` to the job-wide limits table `table` (schema version 11 of the shared layout):
 * how many claims of a capped job moved one of its batches to PROCESSING on PostgreSQL, bumped
 * by each of them while it holds the row. A capped PostgreSQL claim is one statement that counts
 * the batches in flight from its snapshot and adds the claims made since, told by how far
 * `claimSeq` moved between its snapshot and its lock on the row (see
 * `claimCappedBatchPostgresSql`). Other databases keep 0 and never read it (they claim a capped
 * job under the write lock or in a transaction). Existing rows get 0, which needs no
 * initialisation: only its differences are read, never its value.
 */
export function addClaimSeqColumnSql(family: SqlFamily, table: string): string {
  const type = family === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return `ALTER TABLE ${table} ADD COLUMN "claimSeq" ${type} NOT NULL DEFAULT 0`;
}
