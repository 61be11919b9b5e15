import type { SqlFamily } from '../db';
import { upsertClause } from './dialect-sql';
import { nowMs } from './dialect-sql';
import { takesBatches } from './prepare-sql';
import { LEASED_AND_PAYLOAD, upsertInputRecordsPostgresSql } from './record-sql';
import type { QuotedTables } from './tables';

/**
 * The batch payloads table (issue 28): one row per batch registered with `batchPayloads` on,
 * holding the batch's records as one value instead of one row per record.
 *
 * - `records`: the records as `registerBatch` stored them, one JSON array text (see
 *   `encodePreparedRecords`); never rewritten by workers;
 * - `outcome`: NULL. Versions before the outcomes table kept the batch's outcome here; the
 *   migration that made that table moved them (see {@link createBatchOutcomesTableSql});
 * - `recordCount`, `processedCount`: records in the payload, and how many of them were
 *   `processed` when it was registered (a row of the outcomes table overrides the count);
 * - `version`: moves on every write.
 *
 * The records table keeps a row for each of the batch's records whose status is `invalid` or
 * `failed` (a mirror of the payload), so failed-record queries, exports and redrive read rows as
 * before. `table` is the quoted (and on PostgreSQL schema-qualified) name. `IF NOT EXISTS`: a
 * migration run again after a failure between the DDL and its version row does not fail.
 */
export function createBatchPayloadsTableSql(family: SqlFamily, table: string): string {
  const text = family === 'mysql' ? 'LONGTEXT' : 'TEXT';
  return `
    CREATE TABLE IF NOT EXISTS ${table} (
      "jobId" VARCHAR(255) NOT NULL,
      "batchId" VARCHAR(255) NOT NULL,
      "records" ${text} NOT NULL,
      "outcome" ${text} NULL,
      "recordCount" INTEGER NOT NULL DEFAULT 0,
      "processedCount" INTEGER NOT NULL DEFAULT 0,
      "version" INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY ("jobId", "batchId")
    )`;
}

/**
 * The batch outcomes table (issue 28): one row per batch with a payload that a worker (or a
 * published per-record write) has given results, kept apart from the payload so that writing
 * an outcome does not rewrite the batch's records (SQLite rewrites a whole row, overflow pages
 * included, on every UPDATE):
 *
 * - `outcome`: the records' results without their raw payloads (see `encodeOutcomes`), one JSON
 *   array text; later writes of the published per-record methods merge into it;
 * - `processedCount`: how many of the batch's records are `processed` now (what `getProgress`
 *   counts, without reading the values); overrides the payload row's;
 * - `version`: moves on every write, so MySQL's "changed rows" count says whether a row was
 *   written.
 *
 * A batch with a payload and no outcome row has its records as registered. (SQLite: a rowid
 * table; as `WITHOUT ROWID` the processing's driver time was about 60% higher in a scratch run.)
 */
export function createBatchOutcomesTableSql(family: SqlFamily, table: string): string {
  const text = family === 'mysql' ? 'LONGTEXT' : 'TEXT';
  return `
    CREATE TABLE IF NOT EXISTS ${table} (
      "jobId" VARCHAR(255) NOT NULL,
      "batchId" VARCHAR(255) NOT NULL,
      "outcome" ${text} NOT NULL,
      "processedCount" INTEGER NOT NULL DEFAULT 0,
      "version" INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY ("jobId", "batchId")
    )`;
}

/**
 * The upgrade of stored outcomes into the outcomes table: each payload row's outcome (written
 * by a version that kept it there) becomes a row of `outcomes` with its processed count, and
 * leaves the payload row. `payloads` and `outcomes` are quoted (and qualified). A row already
 * moved (a migration run again after a failure) is left as it is.
 */
export function moveOutcomesSql(family: SqlFamily, payloads: string, outcomes: string): string[] {
  const skipMoved =
    family === 'mysql'
      ? `ON DUPLICATE KEY UPDATE "version" = ${outcomes}."version"`
      : 'ON CONFLICT DO NOTHING';
  return [
    `INSERT INTO ${outcomes} ("jobId", "batchId", "outcome", "processedCount", "version")
     SELECT "jobId", "batchId", "outcome", "processedCount", 0 FROM ${payloads}
     WHERE "outcome" IS NOT NULL
     ${skipMoved}`,
    `UPDATE ${payloads} SET "outcome" = NULL WHERE "outcome" IS NOT NULL`,
  ];
}

/**
 * PostgreSQL 14 and later: the outcome column of the outcomes table `table` (quoted, qualified)
 * compressed with lz4, as the payloads' are (see {@link payloadCompressionSql}).
 */
export function outcomeCompressionSql(table: string): string {
  return payloadCompressionSql(table, ['outcome']);
}

/**
 * PostgreSQL 14 and later: the payload columns compressed with lz4 instead of the default pglz
 * (a batch's value is written about twice as fast, for a value about a third larger). A server
 * older, or built without lz4, keeps pglz. `table` is quoted (and qualified).
 */
export function payloadCompressionSql(
  table: string,
  columns: readonly string[] = ['records', 'outcome'],
): string {
  const alter = columns.map((column) => `ALTER COLUMN "${column}" SET COMPRESSION lz4`);
  return `
    DO $$
    BEGIN
      IF current_setting('server_version_num')::integer >= 140000 THEN
        EXECUTE 'ALTER TABLE ${table.replaceAll("'", "''")}
                   ${alter.join(',\n                   ')}';
      END IF;
    EXCEPTION WHEN feature_not_supported THEN
      -- Built without lz4: the columns keep pglz.
      NULL;
    END
    $$`;
}

/**
 * The index on the batches' (`jobId`, `recordStartIndex`) a registration's overlap check reads
 * (the stored batch starting closest below a new batch's end), named `name` (unqualified) on
 * `batches` (quoted, qualified). MySQL has no `IF NOT EXISTS` for indexes.
 */
export function createRecordStartIndexSql(
  family: SqlFamily,
  name: string,
  batches: string,
): string {
  const ifNotExists = family === 'mysql' ? '' : 'IF NOT EXISTS ';
  return `CREATE INDEX ${ifNotExists}"${name}" ON ${batches} ("jobId", "recordStartIndex")`;
}

/**
 * Stores the payload of batch `$2` of job `$1`: `$3` records (JSON text), `$4` record count,
 * `$5` processed count. A payload stored already (a registration repeated) is replaced and
 * loses its outcome.
 */
export function upsertPayloadSql(t: QuotedTables, family: SqlFamily): string {
  return `
    INSERT INTO ${t.batchPayloads} ("jobId", "batchId", "records", "outcome", "recordCount",
                                    "processedCount", "version")
    VALUES ($1, $2, $3, NULL, $4, $5, 0)
    ${upsertClause(family, ['jobId', 'batchId'], ['records', 'outcome', 'recordCount', 'processedCount'])}`;
}

/** The payload rows of `t` as `p` with their outcomes (NULL: none written yet). */
function payloadsWithOutcomes(t: QuotedTables): string {
  return `${t.batchPayloads} p
    LEFT JOIN ${t.batchOutcomes} o ON o."jobId" = p."jobId" AND o."batchId" = p."batchId"`;
}

/** The payload of batch `$2` of job `$1` (no row: the batch keeps its records as rows). */
export function selectPayloadSql(t: QuotedTables): string {
  return `
    SELECT p."batchId" AS "batchId", p."records" AS "records", o."outcome" AS "outcome"
    FROM ${payloadsWithOutcomes(t)}
    WHERE p."jobId" = $1 AND p."batchId" = $2`;
}

/**
 * Locks the payload row of batch `$2` of job `$1` for the rest of the transaction (PostgreSQL
 * and MySQL; SQLite's write transactions are serial already): the published per-record writes
 * read, merge and write a batch's outcome, and two of them at once would each write their own
 * merge over the other's.
 */
export function lockPayloadSql(t: QuotedTables): string {
  return `
    SELECT "batchId" FROM ${t.batchPayloads}
    WHERE "jobId" = $1 AND "batchId" = $2
    FOR UPDATE`;
}

/** Every payload of job `$1`. */
export function selectPayloadsSql(t: QuotedTables): string {
  return `
    SELECT p."batchId" AS "batchId", p."records" AS "records", o."outcome" AS "outcome"
    FROM ${payloadsWithOutcomes(t)}
    WHERE p."jobId" = $1`;
}

/** Whether job `$1` has payloads, and how many of their records are processed. */
export function payloadCountsSql(t: QuotedTables): string {
  return `
    SELECT count(*) AS "payloads",
           coalesce(sum(coalesce(o."processedCount", p."processedCount")), 0) AS "processed"
    FROM ${payloadsWithOutcomes(t)}
    WHERE p."jobId" = $1`;
}

/**
 * Writes the outcome `$3` (JSON text) and processed count `$4` of batch `$2` of job `$1` into
 * its outcomes row (made or replaced); no written row: the batch has no payload.
 */
export function setOutcomeSql(t: QuotedTables, family: SqlFamily): string {
  const [outcome, processed] = family === 'postgres' ? ['$3::text', '$4::integer'] : ['$3', '$4'];
  const replace =
    family === 'mysql'
      ? `ON DUPLICATE KEY UPDATE "outcome" = VALUES("outcome"),
           "processedCount" = VALUES("processedCount"),
           "version" = ${t.batchOutcomes}."version" + 1`
      : `ON CONFLICT ("jobId", "batchId") DO UPDATE
         SET "outcome" = excluded."outcome", "processedCount" = excluded."processedCount",
             "version" = ${t.batchOutcomes}."version" + 1`;
  return `
    INSERT INTO ${t.batchOutcomes} ("jobId", "batchId", "outcome", "processedCount", "version")
    SELECT p."jobId", p."batchId", ${outcome}, ${processed}, 0
    FROM ${t.batchPayloads} p
    WHERE p."jobId" = $1 AND p."batchId" = $2
    ${replace}`;
}

/** Deletes the outcome of batch `$2` of job `$1` (its payload was registered again). */
export function deleteOutcomeSql(t: QuotedTables): string {
  return `DELETE FROM ${t.batchOutcomes} WHERE "jobId" = $1 AND "batchId" = $2`;
}

/**
 * The quick overlap check of a registration of batch `$2` of job `$1` with records `$3`..`$4`:
 * 1 when the stored batch (other than `$2`) starting closest below `$4` ends at `$3` or later,
 * or a record row of another batch holds an index in the range. Batches of one prepare hold
 * disjoint rising ranges, so this finds any batch that may hold one of the indexes (one index
 * probe each); a hit is checked index by index ({@link selectOverlappingPayloadsSql}).
 */
export function overlapProbeSql(t: QuotedTables): string {
  return `
    SELECT
      (SELECT count(*) FROM (
         SELECT b."recordEndIndex" FROM ${t.batches} b
         WHERE b."jobId" = $1 AND b."recordStartIndex" <= $4 AND b."id" <> $2
         ORDER BY b."recordStartIndex" DESC LIMIT 1) c
       WHERE c."recordEndIndex" >= $3) AS "batches",
      (SELECT count(*) FROM (
         SELECT 1 AS "one" FROM ${t.records} r
         WHERE r."jobId" = $1 AND r."recordIndex" >= $3 AND r."recordIndex" <= $4
           AND r."batchId" <> $2
         LIMIT 1) h) AS "rows"`;
}

/**
 * Payloads of job `$1` other than batch `$2` whose batch's record range meets `$3`..`$4`: the
 * batches that may hold an index a registration brings.
 */
export function selectOverlappingPayloadsSql(t: QuotedTables): string {
  return `
    SELECT p."batchId" AS "batchId", p."records" AS "records", o."outcome" AS "outcome"
    FROM ${payloadsWithOutcomes(t)}
    JOIN ${t.batches} b ON b."jobId" = p."jobId" AND b."id" = p."batchId"
    WHERE p."jobId" = $1 AND p."batchId" <> $2
      AND b."recordStartIndex" <= $4 AND b."recordEndIndex" >= $3`;
}

/**
 * Deletes the record rows of batch `$2` of job `$1` with an index in `$3`..`$4` (found on the
 * (`jobId`, `recordIndex`) key every layout has): the mirrored rows a payload write replaces.
 */
export function deleteBatchRowsInRangeSql(t: QuotedTables): string {
  return `
    DELETE FROM ${t.records}
    WHERE "jobId" = $1 AND "recordIndex" >= $3 AND "recordIndex" <= $4 AND "batchId" = $2`;
}

/** Deletes the payloads of job `$1` (part of `deleteJob`). */
export function deletePayloadsSql(t: QuotedTables): string {
  return `DELETE FROM ${t.batchPayloads} WHERE "jobId" = $1`;
}

/** Deletes the outcomes of job `$1` (part of `deleteJob`). */
export function deleteOutcomesSql(t: QuotedTables): string {
  return `DELETE FROM ${t.batchOutcomes} WHERE "jobId" = $1`;
}

/**
 * PostgreSQL: `completeBatch` of a batch with a payload, in one statement: the fence (lease
 * `$1`, `$2`, worker `$10`, attempt `$11`) sets the outcome (`$12` status, `$13` processed, `$14`
 * failed, `$15` error) only when the batch has a payload; then the payload's outcome becomes
 * `$16` (JSON text) with `$17` processed records, the batch's record rows in `$18`..`$19` other
 * than those given are deleted, and the given ones (`$3`..`$9`: the invalid and failed records)
 * upserted. `leased` 1: written; 0 with `payload` 1: the lease is gone, nothing written; `payload`
 * 0: the batch keeps its records as rows, nothing written.
 */
export function completeBatchPayloadPostgresSql(t: QuotedTables, nullableJson: boolean): string {
  return `
    WITH payload AS (
      SELECT 1 FROM ${t.batchPayloads} WHERE "jobId" = $1 AND "batchId" = $2
    ),
    lease AS (
      UPDATE ${t.batches}
      SET "claimedAt" = coalesce("completedAt", "claimedAt"), "completedAt" = ${nowMs('postgres')},
          "status" = $12, "processedCount" = $13, "failedCount" = $14, "error" = $15,
          "version" = "version" + 1
      WHERE "jobId" = $1 AND "id" = $2 AND "status" = 'PROCESSING'
        AND "workerId" = $10 AND "attempt" = $11 AND EXISTS (SELECT 1 FROM payload)
      RETURNING "id"
    ),
    outcome AS (
      INSERT INTO ${t.batchOutcomes} ("jobId", "batchId", "outcome", "processedCount", "version")
      SELECT $1, $2, $16::text, $17::integer, 0 FROM lease
      ON CONFLICT ("jobId", "batchId") DO UPDATE
      SET "outcome" = excluded."outcome", "processedCount" = excluded."processedCount",
          "version" = ${t.batchOutcomes}."version" + 1
    ),
    cleared AS (
      DELETE FROM ${t.records}
      WHERE "jobId" = $1 AND "recordIndex" >= $18 AND "recordIndex" <= $19 AND "batchId" = $2
        AND NOT ("recordIndex" = ANY ($3::integer[])) AND EXISTS (SELECT 1 FROM lease)
    ),
    written AS (${upsertInputRecordsPostgresSql(t, nullableJson, 'lease')}
    )${LEASED_AND_PAYLOAD}`;
}

/**
 * PostgreSQL: `registerBatch` with `batchPayloads` in one statement (so one transaction), for
 * the usual case: the row of batch `$2` of job `$1` (`$10`..`$19` as in `registerBatchPostgresSql`,
 * `$22` source cursor; a batch the store holds keeps its state), its payload (`$23` records as
 * JSON text, `$24` record count, `$25` processed count; replaced when stored) and rows for its
 * invalid records (`$3`..`$9`), only if the job takes batches and, with `$21` = 1, run `$20`
 * owns its prepare (`found` 0 otherwise), and only if the quick overlap check of the range
 * `$26`..`$27` finds no other batch there (`clash` > 0 otherwise: nothing written, and the caller
 * checks index by index in a transaction). A registration repeated deletes the rows and the
 * outcome of its earlier payload. The key-share lock on the job row works as in `registerBatchPostgresSql`.
 */
export function registerBatchPayloadPostgresSql(t: QuotedTables, nullableJson: boolean): string {
  return `
    WITH job AS (
      SELECT 1 FROM ${t.jobs}
      WHERE "id" = $1 AND ${takesBatches()} AND ($21 = 0 OR "prepareOwner" = $20)
      FOR KEY SHARE
    ),
    probe AS (${overlapProbeSql(t).replaceAll('$3', '$26::integer').replaceAll('$4', '$27::integer')}
    ),
    allowed AS (
      SELECT 1 FROM job, probe WHERE probe."batches" = 0 AND probe."rows" = 0
    ),
    renewed AS (
      UPDATE ${t.jobs}
      SET "prepareHeartbeatAt" = ${nowMs('postgres')}
      WHERE "id" = $1 AND EXISTS (SELECT 1 FROM allowed)
        AND "prepareHeartbeatAt" < ${nowMs('postgres')} - 1000
    ),
    batch AS (
      INSERT INTO ${t.batches} ("id", "jobId", "batchIndex", "status", "workerId", "claimedAt",
                                "recordStartIndex", "recordEndIndex", "processedCount",
                                "failedCount", "attempt", "error", "sourceCursor")
      SELECT $2, $1, $10::integer, $11::text, $12::text, $13::bigint, $14::integer, $15::integer,
             $16::integer, $17::integer, $18::integer, $19::text, $22::text
      FROM allowed
      ON CONFLICT DO NOTHING
      RETURNING 1
    ),
    payload AS (
      INSERT INTO ${t.batchPayloads} ("jobId", "batchId", "records", "outcome", "recordCount",
                                      "processedCount", "version")
      SELECT $1, $2, $23::text, NULL, $24::integer, $25::integer, 0
      FROM allowed
      ${upsertClause('postgres', ['jobId', 'batchId'], ['records', 'outcome', 'recordCount', 'processedCount'])}
    ),
    cleared AS (
      DELETE FROM ${t.records}
      WHERE "jobId" = $1 AND "recordIndex" >= $26::integer AND "recordIndex" <= $27::integer
        AND "batchId" = $2 AND NOT ("recordIndex" = ANY ($3::integer[]))
        AND EXISTS (SELECT 1 FROM allowed) AND NOT EXISTS (SELECT 1 FROM batch)
    ),
    reset AS (
      DELETE FROM ${t.batchOutcomes}
      WHERE "jobId" = $1 AND "batchId" = $2
        AND EXISTS (SELECT 1 FROM allowed) AND NOT EXISTS (SELECT 1 FROM batch)
    ),
    written AS (${upsertInputRecordsPostgresSql(t, nullableJson, 'allowed')}
    )
    SELECT (SELECT count(*)::integer FROM job) AS "found",
           (SELECT probe."batches" + probe."rows" FROM probe) AS "clash"`;
}
