import type { SqlFamily } from '../db';
import { nowMs } from './dialect-sql';
import type { QuotedTables } from './tables';

/**
 * A job row that takes batches from `registerBatch`: CREATED or PAUSED, or PROCESSING while
 * opened early (`openedEarlyAt` is set from `openEarly` to `finishPrepare`). `j` is the
 * column prefix (`j.` for an aliased table, empty otherwise).
 */
export function takesBatches(j = ''): string {
  return `(${j}"status" IN ('CREATED', 'PAUSED')
           OR (${j}"status" = 'PROCESSING' AND ${j}"openedEarlyAt" IS NOT NULL))`;
}

/** A job row being prepared: it takes batches and its prepare did not finish. */
const BEING_PREPARED = `"prepareFinishedAt" IS NULL AND ${takesBatches()}`;

/**
 * The prepare heartbeat moved to now. The new value is always larger than the old one (one more
 * millisecond when the clock did not move), so the row always changes and MySQL's "changed rows"
 * count says whether it matched.
 */
function advancedHeartbeat(family: SqlFamily): string {
  const now = nowMs(family);
  return `CASE WHEN "prepareHeartbeatAt" IS NULL OR "prepareHeartbeatAt" < ${now}
               THEN ${now} ELSE "prepareHeartbeatAt" + 1 END`;
}

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
 * Renews the prepare heartbeat of job `$1` if it is being prepared. With `$3` = 1, only while
 * run `$2` owns its prepare: a heartbeat never takes a prepare, not even one nobody owns (a run
 * that lost it must not take it back). Clears a stop mark.
 */
export function heartbeatPrepareSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.jobs}
    SET "prepareHeartbeatAt" = ${advancedHeartbeat(family)},
        "prepareStoppedAt" = NULL
    WHERE "id" = $1 AND ${BEING_PREPARED}
      AND ($3 = 0 OR "prepareOwner" = $2)`;
}

/**
 * The renewal of the prepare heartbeat of job `$1` that comes with a registered batch: only
 * when a heartbeat is set and more than a second old (so the batch writes in flight rarely
 * queue on the job row) and, with `$3` = 1, while run `$2` owns the prepare.
 */
export function renewHeartbeatWithBatchSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.jobs}
    SET "prepareHeartbeatAt" = ${nowMs(family)}
    WHERE "id" = $1 AND "prepareHeartbeatAt" < ${nowMs(family)} - 1000
      AND ($3 = 0 OR "prepareOwner" = $2)`;
}

/**
 * Run `$2` fails job `$1` for good (input that cannot be parsed, an explicit give-up), only
 * while it owns the job's prepare: FAILED, completed now, its prepare ended. No change when the
 * run lost the prepare.
 */
export function failPrepareSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.jobs}
    SET "status" = 'FAILED', "completedAt" = ${nowMs(family)}, "prepareOwner" = NULL,
        "prepareHeartbeatAt" = NULL, "prepareStoppedAt" = NULL, "openedEarlyAt" = NULL
    WHERE "id" = $1 AND "prepareOwner" = $2 AND ${BEING_PREPARED}`;
}

/**
 * Opens job `$1`, being prepared and not opened early yet, to workers: CREATED becomes
 * PROCESSING (PAUSED stays), `startedAt` is `$2`, and the job is marked opened early.
 */
export function openEarlySql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.jobs}
    SET "status" = CASE WHEN "status" = 'CREATED' THEN 'PROCESSING' ELSE "status" END,
        "startedAt" = $2,
        "openedEarlyAt" = ${nowMs(family)}
    WHERE "id" = $1 AND ${BEING_PREPARED} AND "openedEarlyAt" IS NULL`;
}

/**
 * Ends the prepare of job `$1`: `$2` total records, `$3` start (epoch ms; a job opened early
 * keeps the start of `openEarly`); CREATED opens as PROCESSING, PAUSED stays. With `$5` = 1,
 * only run `$4`, the owner, ends it. Changes nothing when the job is not being prepared. MySQL
 * evaluates SET left to right: `startedAt` reads `openedEarlyAt` before it is cleared.
 */
export function finishPrepareSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.jobs}
    SET "status" = CASE WHEN "status" = 'CREATED' THEN 'PROCESSING' ELSE "status" END,
        "totalRecords" = $2,
        "startedAt" = CASE WHEN "openedEarlyAt" IS NULL THEN $3 ELSE "startedAt" END,
        "prepareHeartbeatAt" = NULL,
        "prepareOwner" = NULL,
        "prepareStoppedAt" = NULL,
        "openedEarlyAt" = NULL,
        "prepareFinishedAt" = ${nowMs(family)}
    WHERE "id" = $1 AND ${BEING_PREPARED} AND ($5 = 0 OR "prepareOwner" = $4)`;
}

/**
 * Where the prepare of job `$1` stands, with the database clock, its row locked for the rest of
 * the transaction (SQLite: its IMMEDIATE transaction holds the write lock already).
 */
export function lockPrepareStandingSql(t: QuotedTables, family: SqlFamily): string {
  const lock = family === 'sqlite' ? '' : 'FOR UPDATE';
  return `
    SELECT "status",
           CASE WHEN "prepareFinishedAt" IS NULL THEN 0 ELSE 1 END AS "finished",
           CASE WHEN "openedEarlyAt" IS NULL THEN 0 ELSE 1 END AS "openEarly",
           "prepareOwner" AS "owner", "prepareHeartbeatAt" AS "heartbeatAt",
           ${nowMs(family)} AS "now"
    FROM ${t.jobs} WHERE "id" = $1 ${lock}`;
}

/**
 * Gives the prepare of job `$1` to run `$2`: owner, fresh heartbeat, no stop mark. Run after
 * the locking read of {@link lockPrepareStandingSql} found, in the same transaction, that
 * nobody runs it (`prepareTakeoverFor`): the row lock keeps every other taker waiting until
 * the commit, after which it reads the new owner.
 */
export function takeOverPrepareSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.jobs}
    SET "prepareOwner" = $2,
        "prepareHeartbeatAt" = ${advancedHeartbeat(family)},
        "prepareStoppedAt" = NULL
    WHERE "id" = $1`;
}

/** Run `$2`, the owner, gives up the prepare of job `$1`: no owner, no heartbeat, stopped now. */
export function stopPrepareSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.jobs}
    SET "prepareOwner" = NULL, "prepareHeartbeatAt" = NULL, "prepareStoppedAt" = ${nowMs(family)}
    WHERE "id" = $1 AND "prepareOwner" = $2 AND ${BEING_PREPARED}`;
}

/** The batches of job `$1` in index order with their source cursors. */
export function selectPreparedBatchesSql(t: QuotedTables): string {
  return `
    SELECT "id", "batchIndex", "recordStartIndex", "recordEndIndex", "sourceCursor"
    FROM ${t.batches}
    WHERE "jobId" = $1
    ORDER BY "batchIndex"`;
}

/** Job `$1`'s status and prepare owner: why `registerBatch` refused a batch. */
export function selectRegisterRefusalSql(t: QuotedTables): string {
  return `SELECT "status", "prepareOwner" AS "owner" FROM ${t.jobs} WHERE "id" = $1`;
}

/**
 * Records of job `$1` in `$2`..`$3` (a batch's index range) held by a batch other than `$4`:
 * a registration that would store one of them again is refused.
 */
export function selectTakenRecordsSql(t: QuotedTables): string {
  return `
    SELECT "recordIndex" FROM ${t.records}
    WHERE "jobId" = $1 AND "recordIndex" >= $2 AND "recordIndex" <= $3 AND "batchId" <> $4
    ORDER BY "recordIndex"`;
}

/** Job `$1`'s row without batches, with the records stored so far and the database clock. */
export function selectJobDetailsSql(t: QuotedTables, family: SqlFamily): string {
  return `
    SELECT j."status" AS "status", ${storedTotalSql(family)} AS "totalRecords",
           j."startedAt" AS "startedAt", j."completedAt" AS "completedAt",
           j."prepareHeartbeatAt" AS "prepareHeartbeatAt", j."summary" AS "summary",
           j."openedEarlyAt" AS "openedEarlyAt", j."prepareStoppedAt" AS "prepareStoppedAt",
           j."createdAt" AS "createdAt", ${nowMs(family)} AS "now"
    FROM ${t.jobs} j
    LEFT JOIN ${t.batches} b ON b."jobId" = j."id"
    WHERE j."id" = $1
    GROUP BY j."id", j."status", j."totalRecords", j."startedAt", j."completedAt",
             j."prepareHeartbeatAt", j."prepareFinishedAt", j."summary", j."openedEarlyAt",
             j."prepareStoppedAt", j."createdAt"`;
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

/**
 * Gives the completion of job `$1` to claimant `$2` unless another claimant has it, or, with
 * `$3` = 1, when another claimant's claim was never acknowledged and is at least `$4` ms old
 * (database clock; a claim made before version 6 has no claim time and is never taken over).
 * The claim time becomes now, also when `$2` holds it already: a claimant asking again (its
 * answer was lost) is alive, and its claim is not taken over in the meantime.
 */
export function claimCompletionSql(t: QuotedTables, family: SqlFamily): string {
  const now = nowMs(family);
  return `
    UPDATE ${t.jobs}
    SET "completionClaimant" = $2, "completionClaimedAt" = ${now}
    WHERE "id" = $1 AND "summary" IS NOT NULL
      AND ("completionClaimant" IS NULL OR "completionClaimant" = $2
           OR ($3 = 1 AND "completionAcknowledgedAt" IS NULL
               AND "completionClaimedAt" IS NOT NULL
               AND "completionClaimedAt" <= ${now} - $4))`;
}

/** Records that claimant `$2`, which holds job `$1`'s completion, emitted it (once). */
export function acknowledgeCompletionSql(t: QuotedTables, family: SqlFamily): string {
  return `
    UPDATE ${t.jobs}
    SET "completionAcknowledgedAt" = ${nowMs(family)}
    WHERE "id" = $1 AND "completionClaimant" = $2 AND "completionAcknowledgedAt" IS NULL`;
}

/** Who has the completion of job `$1`, since when, whether acknowledged, and its summary. */
export function selectCompletionSql(t: QuotedTables): string {
  return `
    SELECT "completionClaimant" AS "claimant", "summary",
           "completionClaimedAt" AS "claimedAt", "completionAcknowledgedAt" AS "acknowledgedAt"
    FROM ${t.jobs} WHERE "id" = $1`;
}

/**
 * Locks job `$1`'s row in a transaction (returning its status, open-early mark and prepare
 * owner): `share` for a batch registration (several may run at
 * once; a delete waits for them), `update` for a delete. SQLite transactions take the database's
 * write lock up front instead.
 */
export function lockJobSql(t: QuotedTables, family: SqlFamily, mode: 'share' | 'update'): string {
  const columns = `"status", CASE WHEN "openedEarlyAt" IS NULL THEN 0 ELSE 1 END AS "openEarly",
    "prepareOwner" AS "owner"`;
  if (family === 'sqlite') return `SELECT ${columns} FROM ${t.jobs} WHERE "id" = $1`;
  const lock =
    mode === 'update' ? 'FOR UPDATE' : family === 'mysql' ? 'LOCK IN SHARE MODE' : 'FOR KEY SHARE';
  return `SELECT ${columns} FROM ${t.jobs} WHERE "id" = $1 ${lock}`;
}
