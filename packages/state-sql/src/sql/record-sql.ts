import { PLAN_EACH_TIME } from '../executor';
import { takesBatches } from './prepare-sql';
import type { SqlFamily } from '../db';
import { nowMs, upsertClause } from './dialect-sql';
import type { QuotedTables } from './tables';

/** Columns of a record row as the store writes them. */
export const RECORD_COLUMNS = [
  'jobId',
  'batchId',
  'recordIndex',
  'status',
  'raw',
  'parsed',
  'errors',
  'processingError',
  'retryCount',
] as const;

/** Columns replaced when a record is saved again (every one but the key). */
export const REPLACED = RECORD_COLUMNS.filter((c) => c !== 'jobId' && c !== 'recordIndex');

export const COLUMN_LIST = RECORD_COLUMNS.map((c) => `"${c}"`).join(', ');

/** Bind values per row of {@link upsertRecordsValuesSql}: the row's own columns after job and batch. */
export const RECORD_ROW_VALUES = RECORD_COLUMNS.length - 2;

/**
 * SQLite: upserts `rows` records of batch `$2` of job `$1` as one INSERT from a `VALUES` list;
 * row r binds its seven own columns from `$3 + 7r`, so job and batch are bound once per
 * statement, not once per row. An absent parsed record or finding list is bound as SQL NULL:
 * stored so where the columns take it (`nullableJson`), as JSON `null` and `[]` in the published
 * tables, where they are NOT NULL.
 */
export function upsertRecordsValuesSql(
  t: QuotedTables,
  family: SqlFamily,
  rows: number,
  nullableJson: boolean,
): string {
  const values = new Array<string>(rows);
  for (let r = 0; r < rows; r += 1) {
    const first = 3 + r * RECORD_ROW_VALUES;
    values[r] =
      `(${Array.from({ length: RECORD_ROW_VALUES }, (_, i) => `$${first + i}`).join(', ')})`;
  }
  const parsed = nullableJson ? 'v.column4' : `coalesce(v.column4, 'null')`;
  const errors = nullableJson ? 'v.column5' : `coalesce(v.column5, '[]')`;
  // `WHERE true`: SQLite needs it to read ON CONFLICT after INSERT ... SELECT.
  return `
    INSERT INTO ${t.records} (${COLUMN_LIST})
    SELECT $1, $2, v.column1, v.column2, v.column3, ${parsed}, ${errors}, v.column6, v.column7
    FROM (VALUES ${values.join(',\n')}) AS v
    WHERE true
    ${upsertClause(family, ['jobId', 'recordIndex'], REPLACED)}`;
}

/** Bind values per row of {@link completeRecordsValuesSql}: index and the five result columns. */
export const COMPLETED_ROW_VALUES = 6;

/**
 * SQLite, the completion of a batch: updates `rows` stored records of job `$1` in place (moving
 * them to batch `$2`), `raw` untouched; row r binds index, status, parsed, errors, processing
 * error and retry count from `$3 + 6r`. Each row is one probe of the (`jobId`, `recordIndex`)
 * key. Records not stored yet are not written: the caller compares the changed-row count and
 * upserts when it falls short.
 */
export function completeRecordsValuesSql(t: QuotedTables, rows: number): string {
  const values = new Array<string>(rows);
  for (let r = 0; r < rows; r += 1) {
    const first = 3 + r * COMPLETED_ROW_VALUES;
    values[r] =
      `(${Array.from({ length: COMPLETED_ROW_VALUES }, (_, i) => `$${first + i}`).join(', ')})`;
  }
  return `
    UPDATE ${t.records} AS r
    SET "batchId" = $2, "status" = v.column2, "parsed" = v.column3, "errors" = v.column4,
        "processingError" = v.column5, "retryCount" = v.column6
    FROM (VALUES ${values.join(',\n')}) AS v
    WHERE r."jobId" = $1 AND r."recordIndex" = v.column1`;
}

/**
 * SQLite, the completion of a batch one record at a time (executors with `executeMany`): the
 * stored record `$8` of job `$7` moves to batch `$1` with its result (`$2` status, `$3` parsed,
 * `$4` errors, `$5` processing error, `$6` retry count), `raw` untouched. One probe of the
 * (`jobId`, `recordIndex`) key; no row changed: the record was not stored.
 */
export function completeRecordSql(t: QuotedTables): string {
  return `
    UPDATE ${t.records}
    SET "batchId" = $1, "status" = $2, "parsed" = $3, "errors" = $4, "processingError" = $5,
        "retryCount" = $6
    WHERE "jobId" = $7 AND "recordIndex" = $8`;
}

/**
 * PostgreSQL: the records of one write as a row source, from seven array parameters starting
 * at `$first`: indexes, statuses, raws (one JSON array), parsed (one JSON array), errors (one
 * JSON array), processing errors and retry counts; the last four may be NULL when no record has
 * a value for them (`ROWS FROM` pads a NULL column with NULLs). JSON travels as one array per column: `pg`
 * escapes every element of an array parameter, which for JSON costs far more than one
 * `JSON.stringify` of the whole column.
 */
export function postgresRecordInput(first: number): string {
  const p = (offset: number) => `$${first + offset}`;
  return `ROWS FROM (
      unnest(${p(0)}::integer[]),
      unnest(${p(1)}::text[]),
      json_array_elements(${p(2)}::json),
      json_array_elements(${p(3)}::json),
      json_array_elements(${p(4)}::json),
      unnest(${p(5)}::text[]),
      unnest(${p(6)}::integer[])
    ) AS input ("recordIndex", "status", "raw", "parsed", "errors", "processingError", "retryCount")`;
}

/**
 * The stored values of a record's parsed record and errors from the input, where their column
 * may be NULL (sent as NULL when no record of the write has one). In the published tables
 * (`nullableJson` false) those columns are NOT NULL: an absent parsed record is JSON null, no
 * errors an empty list. The PostgreSQL store's own tables take SQL NULL, which is smaller and
 * which readers need not parse.
 */
function inputJson(nullableJson: boolean): { parsed: string; errors: string } {
  return nullableJson
    ? { parsed: 'input."parsed"', errors: 'input."errors"' }
    : {
        parsed: `coalesce(input."parsed", 'null'::json)`,
        errors: `coalesce(input."errors", '[]'::json)`,
      };
}

/** The values of one record row: job `$1`, batch `$2`, the rest from `input`. */
export function inputValues(nullableJson: boolean): string {
  const { parsed, errors } = inputJson(nullableJson);
  return `$1, $2, input."recordIndex", input."status", input."raw",
      ${parsed}, ${errors}, input."processingError", input."retryCount"`;
}

/** PostgreSQL: upserts the records of batch `$2` of job `$1` (columns `$3`..`$9`) in one statement. */
export function upsertRecordsPostgresSql(t: QuotedTables, nullableJson: boolean): string {
  return upsertInputRecordsPostgresSql(t, nullableJson);
}

/**
 * PostgreSQL: the INSERT ... ON CONFLICT that upserts the records given in `$3`..`$9` (see
 * {@link postgresRecordInput}); with `gate`, only when the CTE of that name has a row.
 */
export function upsertInputRecordsPostgresSql(
  t: QuotedTables,
  nullableJson: boolean,
  gate?: string,
): string {
  return `
      INSERT INTO ${t.records} (${COLUMN_LIST})
      SELECT ${inputValues(nullableJson)}
      FROM ${postgresRecordInput(3)}
      ${gate === undefined ? '' : `WHERE EXISTS (SELECT 1 FROM ${gate})`}
      ${upsertClause('postgres', ['jobId', 'recordIndex'], REPLACED)}`;
}

/** PostgreSQL: the answer of a fenced batch write: `leased` and `payload` (rows of those CTEs). */
export const LEASED_AND_PAYLOAD = `
    SELECT (SELECT count(*)::integer FROM lease) AS "leased",
           (SELECT count(*)::integer FROM payload) AS "payload"`;

/**
 * PostgreSQL: `completeBatch` in one statement (so one transaction): the fence (lease `$1`,
 * `$2`, worker `$10`, attempt `$11`) sets the outcome (`$12` status, `$13` processed, `$14`
 * failed, `$15` error), and only if it held are the records (`$3`..`$9`) upserted. `leased` is
 * 1 when the lease held, 0 when nothing was written; a batch with a payload (issue 28) is not
 * written here (`payload` 1, `leased` 0).
 */
export function completeBatchPostgresSql(t: QuotedTables, nullableJson: boolean): string {
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
        AND "workerId" = $10 AND "attempt" = $11 AND NOT EXISTS (SELECT 1 FROM payload)
      RETURNING "id"
    ),
    written AS (${upsertInputRecordsPostgresSql(t, nullableJson, 'lease')}
    )${LEASED_AND_PAYLOAD}`;
}

/**
 * PostgreSQL, the fast path of `completeBatch`: the same fence as {@link completeBatchPostgresSql}
 * (lease `$1`, `$2`, worker `$13`, attempt `$14`; outcome `$9` status, `$10` processed, `$11`
 * failed, `$12` error), but the records' outcomes (`$3` indexes, `$4` statuses, `$5` parsed and
 * `$6` errors as JSON arrays, `$7` processing errors, `$8` retry counts) are updated in place:
 * their raw payloads, stored by the prepare, are neither sent again nor rewritten. The lease is
 * taken only when every given record is stored under this batch already; otherwise `leased` is
 * 0, nothing is written, and the caller writes the batch with the upserting statement. A batch
 * with a payload (issue 28) is never written here.
 */
export function completeBatchInPlacePostgresSql(t: QuotedTables, nullableJson: boolean): string {
  const { parsed, errors } = inputJson(nullableJson);
  return `${PLAN_EACH_TIME}
    WITH present AS (
      SELECT count(*)::integer AS n
      FROM ${t.records}
      WHERE "jobId" = $1 AND "batchId" = $2 AND "recordIndex" = ANY ($3::integer[])
    ),
    lease AS (
      UPDATE ${t.batches}
      SET "claimedAt" = coalesce("completedAt", "claimedAt"), "completedAt" = ${nowMs('postgres')},
          "status" = $9, "processedCount" = $10, "failedCount" = $11, "error" = $12,
          "version" = "version" + 1
      WHERE "jobId" = $1 AND "id" = $2 AND "status" = 'PROCESSING'
        AND "workerId" = $13 AND "attempt" = $14
        AND (SELECT n FROM present) = cardinality($3::integer[])
        AND NOT EXISTS (SELECT 1 FROM ${t.batchPayloads} p WHERE p."jobId" = $1 AND p."batchId" = $2)
      RETURNING "id"
    ),
    written AS (
      UPDATE ${t.records} r
      SET "status" = input."status", "parsed" = ${parsed}, "errors" = ${errors},
          "processingError" = input."processingError", "retryCount" = input."retryCount"
      FROM ROWS FROM (
        unnest($3::integer[]),
        unnest($4::text[]),
        json_array_elements($5::json),
        json_array_elements($6::json),
        unnest($7::text[]),
        unnest($8::integer[])
      ) AS input ("recordIndex", "status", "parsed", "errors", "processingError", "retryCount")
      WHERE r."jobId" = $1 AND r."batchId" = $2 AND r."recordIndex" = input."recordIndex"
        AND EXISTS (SELECT 1 FROM lease)
    )
    SELECT (SELECT count(*)::integer FROM lease) AS "leased"`;
}

/** The columns `decodeRecord` reads, in the order every record query selects them. */
export const RECORD_SELECT = `"recordIndex", "status", "raw", "parsed", "errors", "processingError", "retryCount"`;

/**
 * One bound of the record range of batch `$2` of job `$1` (`recordStartIndex` or
 * `recordEndIndex`), or `fallback` when the batch has no row (records saved before the job
 * listed it, as the published prepare does) or an empty range (listed without its records).
 */
function batchRangeBound(t: QuotedTables, column: string, fallback: number): string {
  return `coalesce((
      SELECT CASE WHEN b."recordEndIndex" >= b."recordStartIndex" THEN b."${column}" END
      FROM ${t.batches} b WHERE b."jobId" = $1 AND b."id" = $2), ${String(fallback)})`;
}

/**
 * Records of batch `$2` of job `$1`, in index order: those saved under the batch within its
 * record range, found on the (`jobId`, `recordIndex`) key that every layout has (SQLite's
 * has no index on `batchId`). A record saved under the batch outside its range is not
 * returned; without a batch row, or with an empty range, every record saved under its id is.
 */
export function selectBatchRecordsSql(t: QuotedTables): string {
  return `
    SELECT ${RECORD_SELECT}
    FROM ${t.records}
    WHERE "jobId" = $1 AND "batchId" = $2
      AND "recordIndex" >= ${batchRangeBound(t, 'recordStartIndex', -2147483648)}
      AND "recordIndex" <= ${batchRangeBound(t, 'recordEndIndex', 2147483647)}
    ORDER BY "recordIndex"`;
}

/** Records of job `$1` whose status is one of `$2`..., in index order, across batches. */
export function selectRecordsByStatusSql(t: QuotedTables, statuses: number): string {
  const list = Array.from({ length: statuses }, (_, i) => `$${i + 2}`).join(', ');
  return `
    SELECT ${RECORD_SELECT}
    FROM ${t.records}
    WHERE "jobId" = $1 AND "status" IN (${list})
    ORDER BY "recordIndex"`;
}

/** Marks the unprocessed records of quarantined batch `$2` of job `$1` failed with reason `$3`. */
export function failUnprocessedRecordsSql(t: QuotedTables): string {
  return `
    UPDATE ${t.records}
    SET "status" = 'failed', "processingError" = $3
    WHERE "jobId" = $1 AND "batchId" = $2 AND "status" <> 'processed'`;
}

/**
 * PostgreSQL: `registerBatch` in one statement (so one transaction): the row of batch `$2` of job
 * `$1` (`$10` index, `$11` status, `$12` worker, `$13` claim time, `$14`..`$15` record range,
 * `$16`..`$17` counters, `$18` attempt, `$19` error, `$22` source cursor; a batch the store holds
 * keeps its state) and its records (`$3`..`$9`), both only if the job takes batches (CREATED or
 * PAUSED, or PROCESSING while opened early) and, with `$21` = 1, its prepare is owned by run
 * `$20`. `found` is 0 otherwise (unknown, purged or cancelled job, or another run's prepare), and
 * nothing was written. The key-share lock on the job row lets concurrent registrations run side
 * by side but makes a delete or a prepare takeover (which lock the job row for update first) wait
 * for this one: a delete then deletes its rows, a takeover passes no batch of the previous owner
 * still in flight. The registration renews the prepare heartbeat when it is more than a second
 * old (renewing on every batch would make the batch writes in flight queue on the job row).
 *
 * `replacing` false, the fast path: the records are plainly inserted, so a record index the job
 * already holds fails the whole statement (a unique violation) and nothing is written.
 * `replacing` true, after such a failure: `taken` is the lowest record index held by another
 * batch, and then nothing is written; otherwise the batch's own records (a registration
 * repeated) are replaced.
 */
export function registerBatchPostgresSql(
  t: QuotedTables,
  replacing: boolean,
  nullableJson: boolean,
): string {
  const job = `
      SELECT 1 FROM ${t.jobs}
      WHERE "id" = $1 AND ${takesBatches()} AND ($21 = 0 OR "prepareOwner" = $20)
      FOR KEY SHARE`;
  const gate = replacing ? 'allowed' : 'job';
  return `
    WITH job AS (${job}
    ),
    renewed AS (
      UPDATE ${t.jobs}
      SET "prepareHeartbeatAt" = ${nowMs('postgres')}
      WHERE "id" = $1 AND EXISTS (SELECT 1 FROM job)
        AND "prepareHeartbeatAt" < ${nowMs('postgres')} - 1000
    ),
    ${
      replacing
        ? `taken AS (
      SELECT r."recordIndex" FROM ${t.records} r
      WHERE r."jobId" = $1 AND r."recordIndex" = ANY($3::integer[]) AND r."batchId" <> $2
      ORDER BY r."recordIndex" LIMIT 1
    ),
    allowed AS (SELECT 1 FROM job WHERE NOT EXISTS (SELECT 1 FROM taken)),`
        : ''
    }
    batch AS (
      INSERT INTO ${t.batches} ("id", "jobId", "batchIndex", "status", "workerId", "claimedAt",
                                "recordStartIndex", "recordEndIndex", "processedCount",
                                "failedCount", "attempt", "error", "sourceCursor")
      SELECT $2, $1, $10::integer, $11::text, $12::text, $13::bigint, $14::integer, $15::integer,
             $16::integer, $17::integer, $18::integer, $19::text, $22::text
      FROM ${gate}
      ON CONFLICT DO NOTHING
    ),
    written AS (
      INSERT INTO ${t.records} (${COLUMN_LIST})
      SELECT ${inputValues(nullableJson)}
      FROM ${postgresRecordInput(3)}
      WHERE EXISTS (SELECT 1 FROM ${gate})
      ${
        replacing
          ? `${upsertClause('postgres', ['jobId', 'recordIndex'], REPLACED)}
      WHERE ${t.records}."batchId" = excluded."batchId"`
          : ''
      }
    )
    SELECT (SELECT count(*)::integer FROM job) AS "found",
           ${replacing ? '(SELECT "recordIndex" FROM taken)' : 'NULL::integer'} AS "taken"`;
}
