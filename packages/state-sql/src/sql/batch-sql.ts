import { placeholders, valueRows, type SqlFamily } from '../db';
import { ignoreDuplicates, nowMs } from './dialect-sql';
import { LEASE_COLUMNS, leaseCalcSql, leaseCtesPostgresSql } from './limit-sql';
import type { QuotedTables } from './tables';

/** Columns of a batch row as `insertBatchesSql` writes them, in bind order. */
export const BATCH_INSERT_COLUMNS = [
  'id',
  'jobId',
  'batchIndex',
  'status',
  'workerId',
  'claimedAt',
  'recordStartIndex',
  'recordEndIndex',
  'processedCount',
  'failedCount',
  'attempt',
  'error',
] as const;

/** Inserts `rows` batches (all columns bound per row); a batch the store holds keeps its state. */
export function insertBatchesSql(t: QuotedTables, family: SqlFamily, rows: number): string {
  return `
    INSERT INTO ${t.batches} (${BATCH_INSERT_COLUMNS.map((c) => `"${c}"`).join(', ')})
    VALUES ${valueRows(1, rows, BATCH_INSERT_COLUMNS.length)}
    ${ignoreDuplicates(family, 'id')}`;
}

/**
 * Inserts one registered batch (its {@link BATCH_INSERT_COLUMNS} then `$13`, its source cursor);
 * a batch the store holds keeps its state and cursor.
 */
export function registerBatchRowSql(t: QuotedTables, family: SqlFamily): string {
  return `
    INSERT INTO ${t.batches} (${BATCH_INSERT_COLUMNS.map((c) => `"${c}"`).join(', ')}, "sourceCursor")
    VALUES (${placeholders(1, BATCH_INSERT_COLUMNS.length + 1)})
    ${ignoreDuplicates(family, 'id')}`;
}

/** The batches of job `$1` in index order. */
export function selectBatchesSql(t: QuotedTables): string {
  return `
    SELECT "id", "batchIndex", "status", "processedCount", "failedCount", "recordStartIndex",
           "recordEndIndex", "attempt", "workerId", "claimedAt", "error"
    FROM ${t.batches}
    WHERE "jobId" = $1
    ORDER BY "batchIndex"`;
}

/**
 * The batch times a final write sets (version 9): `claimedAt` becomes the start of the last
 * attempt again (a claim stores it in `completedAt` while the batch is PROCESSING, heartbeats
 * move `claimedAt`), then `completedAt` the database clock. Listed before `"status"` in a SET:
 * MySQL evaluates SET left to right, each expression seeing the columns assigned before it.
 */
function finishTimes(family: SqlFamily): string {
  return `"claimedAt" = coalesce("completedAt", "claimedAt"), "completedAt" = ${nowMs(family)}`;
}

/**
 * Unfenced write of status `$3` and counters `$4`, `$5` of batch `$2` of job `$1` (the published
 * port's `updateBatchState`). `$6` = 1 when the status is PENDING: the batch then loses its worker
 * and claim and completion times. A batch reaching COMPLETED or FAILED from another status gets
 * its completion time (see `finishTimes`; the times are set before the status, for MySQL).
 * `version` always moves, so the row always counts as changed (MySQL reports only rows whose
 * values changed).
 */
export function updateBatchStateSql(t: QuotedTables, family: SqlFamily): string {
  const finishing = `$3 IN ('COMPLETED', 'FAILED') AND "status" NOT IN ('COMPLETED', 'FAILED')`;
  return `
    UPDATE ${t.batches}
    SET "claimedAt" = CASE WHEN $6 = 1 THEN NULL
                           WHEN ${finishing} THEN coalesce("completedAt", "claimedAt")
                           ELSE "claimedAt" END,
        "completedAt" = CASE WHEN $6 = 1 THEN NULL
                             WHEN ${finishing} THEN ${nowMs(family)}
                             ELSE "completedAt" END,
        "status" = $3,
        "processedCount" = $4,
        "failedCount" = $5,
        "workerId" = CASE WHEN $6 = 1 THEN NULL ELSE "workerId" END,
        "version" = "version" + 1
    WHERE "jobId" = $1 AND "id" = $2`;
}

/**
 * Puts batch `$2` of job `$1` back to PENDING if worker `$3` still holds it at attempt `$4`
 * (`$4` = -1: any attempt).
 */
export function releaseBatchSql(t: QuotedTables): string {
  return `
    UPDATE ${t.batches}
    SET "status" = 'PENDING', "workerId" = NULL, "claimedAt" = NULL, "completedAt" = NULL,
        "version" = "version" + 1
    WHERE "jobId" = $1 AND "id" = $2 AND "status" = 'PROCESSING' AND "workerId" = $3
      AND ($4 = -1 OR "attempt" = $4)`;
}

/** The lease test shared by the fenced writes: worker `$3` holds batch `$2` of job `$1` at attempt `$4`. */
const HELD_BY_LEASE = `"jobId" = $1 AND "id" = $2 AND "status" = 'PROCESSING'
      AND "workerId" = $3 AND "attempt" = $4`;

/** Renews the claim time of a leased batch (`$1`..`$4` as in the lease test). */
export function heartbeatBatchSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.batches}
    SET "claimedAt" = ${nowMs(family)}, "version" = "version" + 1
    WHERE ${HELD_BY_LEASE}`;
}

/**
 * The fence of `completeBatch`: writes the outcome (`$5` status, `$6` processed, `$7` failed,
 * `$8` error) and the completion time only while the lease (`$1`..`$4`) holds. One changed row
 * means the lease held; the row lock it takes keeps a concurrent reclaim out until the
 * transaction ends.
 */
export function fenceBatchSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.batches}
    SET ${finishTimes(family)}, "status" = $5, "processedCount" = $6, "failedCount" = $7, "error" = $8,
        "version" = "version" + 1
    WHERE ${HELD_BY_LEASE}`;
}

/**
 * PostgreSQL: a column of a claim's final SELECT that makes the claim's transaction commit
 * without waiting for its WAL flush (`synchronous_commit` off for this transaction only:
 * `set_config(..., true)` ends with it, so the pooled connection keeps its own setting). The
 * claim's commit is then visible at once, as any commit, and durable within a few
 * `wal_writer_delay`s, or at once when a later synchronous commit flushes the WAL up to it (the
 * batch's completion, another worker's completion). A server crash can lose only a claim that no
 * durable commit followed: the batch is back as it was (PENDING, or held by its former, stale
 * lease) and the claim's worker finds its lease lost at its completion or heartbeat (fenced on
 * worker and attempt, refused, nothing written), as after a reclaim. What it saves: one WAL
 * flush per claim, and per claim that finds nothing (its share lock on the job row is a write).
 */
const ASYNC_CLAIM_COMMIT = `set_config('synchronous_commit', 'off', true) AS "asyncCommit"`;

/**
 * PostgreSQL: `sql`, a statement whose last clause is its SELECT list (no FROM after it), with a
 * column that makes its transaction commit asynchronously, as a claim does (see
 * {@link ASYNC_CLAIM_COMMIT}): for the batch writes of a store with `asynchronousCommit`.
 */
export function withAsynchronousCommit(sql: string): string {
  return `${sql.trimEnd()}, ${ASYNC_CLAIM_COMMIT}`;
}

/** Columns a claim returns. */
const CLAIMED_COLUMNS = `"id", "batchIndex", "recordStartIndex", "recordEndIndex", "attempt", "claimedAt"`;

/**
 * PostgreSQL: claims the lowest-index PENDING batch of job `$1` for worker `$2` in one statement.
 * `FOR UPDATE SKIP LOCKED` makes concurrent claimers pass over a batch another one is taking
 * instead of queueing behind it. The job row is read `FOR SHARE` (to tell the failure reasons
 * apart in the same round trip, and so that a cancel waits for a claim in flight: its release of
 * the batches in flight, a later statement of its transaction, then sees the claimed batch). A
 * cancel that committed first is seen by the locked read, and nothing is claimed. No row: the
 * job does not exist. The update names the job too: batch ids are unique per job only in the
 * PostgreSQL store's layout (primary key `"jobId", "id"`).
 *
 * Job-wide limits (issue 27): its cap and rate come back with the row, so a job without limits
 * costs no other statement. A job with `maxConcurrentBatches` is not claimed here (`maxBatches`
 * tells the caller to claim with {@link claimCappedBatchPostgresSql}). A claimed batch of a
 * rate-limited job takes its first lease of tokens in the same statement (`leaseGranted`,
 * `leaseWaitMs`, `leaseIntervalMs`; see `leaseCtesPostgresSql`): no round trip of its own.
 *
 * The claimed batch's payload (issue 28; NULL for a batch kept as rows) comes back with it, so
 * that the worker's `getBatchRecords` right after needs no statement.
 */
export function claimBatchPostgresSql(t: QuotedTables): string {
  return `
    WITH job AS (
      SELECT "status" FROM ${t.jobs} WHERE "id" = $1 FOR SHARE
    ),
    caps AS (
      SELECT "maxBatches", "rateRecords" FROM ${t.jobLimits} WHERE "jobId" = $1
    ),
    next_batch AS (
      SELECT b."id"
      FROM ${t.batches} b
      WHERE b."jobId" = $1
        AND b."status" = 'PENDING'
        AND (SELECT "status" FROM job) = 'PROCESSING'
        AND NOT EXISTS (SELECT 1 FROM caps WHERE "maxBatches" IS NOT NULL)
      ORDER BY b."batchIndex"
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    ),
    claimed AS (${takeBatchPostgresSql(t)}),
    ${leaseCtesPostgresSql(
      t,
      `(SELECT "recordEndIndex" - "recordStartIndex" + 1 FROM claimed)::float8`,
      'EXISTS (SELECT 1 FROM claimed)',
    )}
    SELECT job."status" AS "jobStatus", (SELECT "maxBatches" FROM caps) AS "maxBatches",
           (SELECT "rateRecords" FROM caps) AS "rateRecords", claimed.*,
           ${LEASE_COLUMNS},
           ${claimedPayloadPostgresSql(t)}, ${ASYNC_CLAIM_COMMIT}
    FROM job LEFT JOIN claimed ON true LEFT JOIN lease ON true`;
}

/**
 * PostgreSQL: the claimed batch's payload and outcome, as columns of a claim's final SELECT,
 * each found by its whole primary key. The batch id is compared in the database's default
 * collation, the payload and outcome tables' own: `PostgresStateStore` keeps its ids
 * `COLLATE "C"`, and compared in that collation the `batchId` column is no index key, so each
 * claim read every payload and outcome row of the job on the job id alone and filtered them
 * (about 100 pages a claim at 200 batches, growing with the job).
 */
function claimedPayloadPostgresSql(t: QuotedTables): string {
  return `(SELECT p."records" FROM ${t.batchPayloads} p
            WHERE p."jobId" = $1 AND p."batchId" = claimed."id" COLLATE "default") AS "payloadRecords",
           (SELECT o."outcome" FROM ${t.batchOutcomes} o
            WHERE o."jobId" = $1 AND o."batchId" = claimed."id" COLLATE "default") AS "payloadOutcome"`;
}

/**
 * PostgreSQL: the claim's UPDATE of the batch in CTE `next_batch` (the `claimed` CTE), `when`
 * holding. The batch is matched by its whole primary key (`= (SELECT ...)`): joined to
 * `next_batch`, the planner of a job not analyzed yet read the job's batch rows on the job id
 * alone and filtered them by id.
 */
function takeBatchPostgresSql(t: QuotedTables, when = 'true'): string {
  return `
      UPDATE ${t.batches} b
      SET "status" = 'PROCESSING', "workerId" = $2, "claimedAt" = ${nowMs('postgres')},
          "completedAt" = ${nowMs('postgres')},
          "attempt" = b."attempt" + 1, "version" = b."version" + 1, "error" = NULL
      WHERE b."jobId" = $1 AND b."id" = (SELECT "id" FROM next_batch) AND ${when}
      RETURNING b."id", b."batchIndex", b."recordStartIndex", b."recordEndIndex", b."attempt",
                b."claimedAt"`;
}

/**
 * PostgreSQL: the claim of a job with `maxConcurrentBatches` (issue 27) in one statement, exact
 * under every interleaving of capped claims:
 *
 * 1. `seen` reads the job's `claimSeq` and cap and `counts` its PROCESSING batches, both from
 *    the statement's snapshot; `next_batch` picks and locks the lowest PENDING batch only if the
 *    snapshot has room under the cap;
 * 2. `cur` then locks the job's limits row (`FOR UPDATE`: it waits for any other writer and
 *    reads the row as that writer left it). Every claim of a capped job bumps `claimSeq` while
 *    it holds that row, in the statement (or transaction) that moves its batch to PROCESSING, so
 *    `cur."claimSeq" - seen."claimSeq"` counts the claims that committed between the snapshot
 *    and the lock, and none is in progress (it would hold the lock). The batches in flight now
 *    are at most the snapshot's count plus those claims (batches that finished since only make
 *    it fewer): `room` holds when that sum is below the cap `cur` reads;
 * 3. `took` bumps `claimSeq` and, for a rate-limited job, moves the bucket by the batch's first
 *    lease (computed from `cur`, as {@link claimBatchPostgresSql} does); `claimed` takes the
 *    batch only if `took` did (or if the job had no limits row in the snapshot).
 *
 * A claim whose sum reaches the cap only through claims made after its snapshot takes nothing
 * and says so (`moved` with no batch): the caller runs the statement again (a new snapshot),
 * in the end in a transaction whose first statement locks the limits row, where nothing can
 * commit between the snapshot and the lock. A claim refused on the snapshot's count alone is
 * as if it ran at the snapshot. Lock order: job row (shared), batch row, limits row, as in
 * {@link claimBatchPostgresSql}.
 *
 * Answer: as {@link claimBatchPostgresSql}, plus `full` (no room: on the snapshot's count, or at
 * the lock without any claim since the snapshot), `pending` (a batch is PENDING) and `moved`.
 */
export function claimCappedBatchPostgresSql(t: QuotedTables): string {
  const room = `(cur."maxBatches" IS NULL OR (SELECT "processing" FROM counts)
          + (cur."claimSeq" - (SELECT "claimSeq" FROM seen)) < cur."maxBatches")`;
  return `
    WITH job AS (
      SELECT "status" FROM ${t.jobs} WHERE "id" = $1 FOR SHARE
    ),
    seen AS (
      SELECT "claimSeq", "maxBatches", "rateRecords" FROM ${t.jobLimits} WHERE "jobId" = $1
    ),
    counts AS (
      SELECT
        (SELECT count(*) FROM ${t.batches} c WHERE c."jobId" = $1 AND c."status" = 'PROCESSING')
          AS "processing",
        EXISTS (SELECT 1 FROM ${t.batches} p WHERE p."jobId" = $1 AND p."status" = 'PENDING')
          AS "pending"
    ),
    next_batch AS MATERIALIZED (
      SELECT b."id", b."recordStartIndex", b."recordEndIndex"
      FROM ${t.batches} b
      WHERE b."jobId" = $1
        AND b."status" = 'PENDING'
        AND (SELECT "status" FROM job) = 'PROCESSING'
        AND NOT EXISTS (SELECT 1 FROM seen, counts WHERE seen."maxBatches" <= counts."processing")
      ORDER BY b."batchIndex"
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    ),
    cur AS MATERIALIZED (
      SELECT "claimSeq", "maxBatches", "rateRecords" AS "r", "ratePerMs" AS "p", "readyAt",
             "factor", "throttledAt", "throttledUntil", ${nowMs('postgres')} AS "now"
      FROM ${t.jobLimits}
      WHERE "jobId" = $1 AND EXISTS (SELECT 1 FROM next_batch)
      FOR UPDATE
    ),
    lease AS (${leaseCalcSql(
      `(SELECT "recordEndIndex" - "recordStartIndex" + 1 FROM next_batch)::float8`,
      `cur."r" IS NOT NULL AND cur."p" IS NOT NULL AND ${room}`,
    )}),
    took AS (
      UPDATE ${t.jobLimits} l
      SET "claimSeq" = l."claimSeq" + 1,
          "readyAt" = coalesce((SELECT "start" + "granted" * "ms" FROM lease), l."readyAt")
      WHERE l."jobId" = $1 AND EXISTS (SELECT 1 FROM cur WHERE ${room})
      RETURNING l."jobId"
    ),
    claimed AS (${takeBatchPostgresSql(
      t,
      '(EXISTS (SELECT 1 FROM took) OR NOT EXISTS (SELECT 1 FROM seen))',
    )})
    SELECT job."status" AS "jobStatus", (SELECT "maxBatches" FROM seen) AS "maxBatches",
           (SELECT "rateRecords" FROM seen) AS "rateRecords",
           EXISTS (SELECT 1 FROM seen WHERE seen."maxBatches" <= counts."processing")
             OR EXISTS (SELECT 1 FROM cur, seen
                        WHERE cur."claimSeq" = seen."claimSeq" AND NOT ${room}) AS "full",
           counts."pending" AS "pending",
           EXISTS (SELECT 1 FROM cur, seen
                   WHERE cur."claimSeq" <> seen."claimSeq" AND NOT ${room}) AS "moved",
           claimed.*, ${LEASE_COLUMNS},
           ${claimedPayloadPostgresSql(t)}, ${ASYNC_CLAIM_COMMIT}
    FROM job CROSS JOIN counts LEFT JOIN claimed ON true
    LEFT JOIN lease ON claimed."id" IS NOT NULL`;
}

/**
 * SQLite: the claim as one UPDATE ... RETURNING. A single statement holds the database's write
 * lock from choosing the row to changing it, so no two connections can choose the same batch.
 * The job id is matched too: in `SqliteStateStore`'s layout batch ids are unique per job only.
 * A job with `maxConcurrentBatches` (issue 27) gets a batch only while fewer are PROCESSING,
 * counted under the same write lock. The claimed batch's payload (issue 28) comes back with it.
 */
export function claimBatchSqliteSql(t: QuotedTables): string {
  return `
    UPDATE ${t.batches}
    SET "status" = 'PROCESSING', "workerId" = $2, "claimedAt" = ${nowMs('sqlite')},
        "completedAt" = ${nowMs('sqlite')},
        "attempt" = "attempt" + 1, "version" = "version" + 1, "error" = NULL
    WHERE "jobId" = $1 AND "id" = (
      SELECT b."id" FROM ${t.batches} b
      WHERE b."jobId" = $1
        AND b."status" = 'PENDING'
        AND (SELECT j."status" FROM ${t.jobs} j WHERE j."id" = $1) = 'PROCESSING'
        AND coalesce(
          (SELECT p."processing" < l."maxBatches"
           FROM ${t.jobLimits} l,
                (SELECT count(*) AS "processing" FROM ${t.batches} c
                 WHERE c."jobId" = $1 AND c."status" = 'PROCESSING') p
           WHERE l."jobId" = $1 AND l."maxBatches" IS NOT NULL),
          1)
      ORDER BY b."batchIndex"
      LIMIT 1)
    RETURNING ${CLAIMED_COLUMNS},
      (SELECT l."rateRecords" FROM ${t.jobLimits} l WHERE l."jobId" = $1) AS "rateRecords",
      (SELECT p."records" FROM ${t.batchPayloads} p
       WHERE p."jobId" = $1 AND p."batchId" = "id") AS "payloadRecords",
      (SELECT o."outcome" FROM ${t.batchOutcomes} o
       WHERE o."jobId" = $1 AND o."batchId" = "id") AS "payloadOutcome"`;
}

/**
 * MySQL family, step 0 of the claim transaction: job `$1`'s status, read with a shared lock held
 * to the end of the claim, so that a cancel (an UPDATE of the job row) waits for the claim and
 * then releases the claimed batch, or commits first and is seen here; and whether the job has a
 * limits row (read without a lock: a subquery of a locking read takes none), without which the
 * claim skips the limits step.
 */
export function lockJobForClaimMysqlSql(t: QuotedTables): string {
  return `
    SELECT "status",
           EXISTS (SELECT 1 FROM ${t.jobLimits} l WHERE l."jobId" = $1) AS "limited"
    FROM ${t.jobs} WHERE "id" = $1 LOCK IN SHARE MODE`;
}

/**
 * MySQL family, step 1 of the claim transaction: the lowest PENDING batch of job `$1` that no
 * concurrent claimer has locked, with the database clock and whether any batch of the job has a
 * payload (issue 28; read without a lock; when none has, the claimed batch keeps its records as
 * rows). The payload table is compared with bound values only: its columns may not share the
 * collation of tables made from the published models (MariaDB refuses such a comparison). No
 * row: no batch is pending.
 */
export function pickBatchMysqlSql(t: QuotedTables): string {
  return `
    SELECT b."id", b."batchIndex", b."recordStartIndex", b."recordEndIndex", b."attempt",
           ${nowMs('mysql')} AS "now",
           EXISTS (SELECT 1 FROM ${t.batchPayloads} p WHERE p."jobId" = $1) AS "jobHasPayloads"
    FROM ${t.batches} b
    WHERE b."jobId" = $1 AND b."status" = 'PENDING'
    ORDER BY b."batchIndex"
    LIMIT 1
    FOR UPDATE SKIP LOCKED`;
}

/** MySQL family, step 2: the chosen batch `$1` becomes worker `$2`'s, claimed at `$3`. */
export function takeBatchMysqlSql(t: QuotedTables): string {
  return `
    UPDATE ${t.batches}
    SET "status" = 'PROCESSING', "workerId" = $2, "claimedAt" = $3, "completedAt" = $3,
        "attempt" = "attempt" + 1, "version" = "version" + 1, "error" = NULL
    WHERE "id" = $1`;
}

/**
 * Batches of job `$1` claimed at least `$2` ms ago (database clock). With `lock`, the rows are
 * locked (PostgreSQL, MySQL): a batch a worker is finishing or renewing right now is waited for
 * and re-checked, so a batch that was just completed or renewed is left alone.
 */
export function selectStaleBatchesSql(t: QuotedTables, family: SqlFamily, lock: boolean): string {
  return `
    SELECT "id", "batchIndex", "attempt", "workerId", "recordStartIndex", "recordEndIndex"
    FROM ${t.batches}
    WHERE "jobId" = $1 AND "status" = 'PROCESSING'
      AND "claimedAt" <= ${nowMs(family)} - $2
    ORDER BY "batchIndex"
    ${lock ? 'FOR UPDATE' : ''}`;
}

/**
 * The PROCESSING batches of job `$1` in index order, with holder, attempt and the age of their
 * claim or last heartbeat in milliseconds (database clock).
 */
export function selectBatchesInFlightSql(t: QuotedTables, family: SqlFamily): string {
  return `
    SELECT "id", "batchIndex", coalesce("workerId", '') AS "workerId", "attempt",
           ${nowMs(family)} - coalesce("claimedAt", ${nowMs(family)}) AS "ageMs"
    FROM ${t.batches}
    WHERE "jobId" = $1 AND "status" = 'PROCESSING'
    ORDER BY "batchIndex"`;
}

/** Puts stale batch `$2` of job `$1` back to PENDING. */
export function requeueBatchSql(t: QuotedTables): string {
  return `
    UPDATE ${t.batches}
    SET "status" = 'PENDING', "workerId" = NULL, "claimedAt" = NULL, "completedAt" = NULL,
        "version" = "version" + 1
    WHERE "jobId" = $1 AND "id" = $2 AND "status" = 'PROCESSING'`;
}

/**
 * Quarantines stale batch `$2` of job `$1`: FAILED with reason `$3`, every record of its range
 * failed (stored or not, so the job's counts still add up to its total).
 */
export function quarantineBatchSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.batches}
    SET ${finishTimes(family)}, "status" = 'FAILED', "error" = $3, "processedCount" = 0,
        "failedCount" = "recordEndIndex" - "recordStartIndex" + 1,
        "version" = "version" + 1
    WHERE "jobId" = $1 AND "id" = $2 AND "status" = 'PROCESSING'`;
}
