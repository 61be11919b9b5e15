import { nowMs } from './dialect-sql';
import type { QuotedTables } from './tables';

/**
 * MySQL family: the records of one write as a row source, from ONE JSON parameter `$1` (an array
 * of objects; see `mysqlRecordDocument`). A single string parameter is escaped once and parsed
 * by the server once, where a multi-row VALUES list of seven values per record cost the client
 * thousands of escapes and the server a statement of hundreds of kilobytes to parse. JSON
 * payloads are JSON values inside the document, extracted as JSON text (a JSON `null` gives the
 * text `null`); absent keys become NULL. MariaDB >= 10.6, MySQL >= 8.
 */
const MYSQL_RECORD_INPUT = `JSON_TABLE($1, '$[*]' COLUMNS (
      "recordIndex" INT PATH '$.i',
      "status" VARCHAR(10) PATH '$.s',
      "raw" JSON PATH '$.w',
      "parsed" JSON PATH '$.p',
      "errors" JSON PATH '$.e',
      "processingError" LONGTEXT PATH '$.x',
      "retryCount" INT PATH '$.r'
    )) AS input`;

/** MySQL family: upserts the records in `$1` into batch `$3` of job `$2`. */
export function upsertRecordsMysqlSql(t: QuotedTables): string {
  return `
    INSERT INTO ${t.records} ("jobId", "batchId", "recordIndex", "status", "raw", "parsed",
                              "errors", "processingError", "retryCount")
    SELECT $2, $3, input."recordIndex", input."status", input."raw", input."parsed",
           input."errors", input."processingError", input."retryCount"
    FROM ${MYSQL_RECORD_INPUT}
    ON DUPLICATE KEY UPDATE
      "batchId" = VALUES("batchId"), "status" = VALUES("status"), "raw" = VALUES("raw"),
      "parsed" = VALUES("parsed"), "errors" = VALUES("errors"),
      "processingError" = VALUES("processingError"), "retryCount" = VALUES("retryCount")`;
}

/**
 * MySQL family, the completion of a batch: updates the stored records in `$1` (a document
 * without raw payloads) of job `$2` (moving them to batch `$3`) in place, `raw` untouched.
 * Records not stored yet are not written: the caller compares the changed-row count and upserts
 * when it falls short. `STRAIGHT_JOIN` keeps the document first, so each of its records is one
 * probe of the (`jobId`, `recordIndex`) key; the optimizer, left alone, may scan every record of
 * the job once per document row instead (and lock them all).
 */
export function completeRecordsMysqlSql(t: QuotedTables): string {
  return `
    UPDATE ${MYSQL_RECORD_INPUT}
    STRAIGHT_JOIN ${t.records} r
      ON r."jobId" = $2 AND r."recordIndex" = input."recordIndex"
    SET r."batchId" = $3, r."status" = input."status", r."parsed" = input."parsed",
        r."errors" = input."errors", r."processingError" = input."processingError",
        r."retryCount" = input."retryCount"`;
}

/**
 * MySQL family, the completion of a batch in one statement (issue 24): the fence, the outcome
 * and the records' outcomes of a batch whose records are all stored, so no record needs an
 * upsert. Batch `$3` of job `$2` gets status `$7`, counters `$8`, `$9`, error `$10` and its
 * completion time only while worker `$4` holds it at attempt `$5` with claim time `$6` (the
 * `completedAt` a claim writes); the records in `$1` (a document without raw payloads) are
 * updated in place as by `completeRecordsMysqlSql`. Nothing is written when the batch row does
 * not match: without it the join has no rows. The batch row always changes (`version`), so a
 * count of changed rows of 0 means that nothing was written.
 *
 * MySQL does not order the assignments of a multi-table UPDATE, so no assignment reads a
 * column that another one sets: the claim time is bound (`$6`, checked against `completedAt`
 * by the join) instead of read as `finishTimes` reads it. `STRAIGHT_JOIN` takes the batch row
 * first (locked before any record, as the fence of the transactional completion does), then
 * each record of the document by one probe of the (`jobId`, `recordIndex`) key.
 */
export function completeBatchRowsMysqlSql(t: QuotedTables): string {
  return `
    UPDATE ${t.batches} b
    STRAIGHT_JOIN ${MYSQL_RECORD_INPUT}
    STRAIGHT_JOIN ${t.records} r
      ON r."jobId" = $2 AND r."recordIndex" = input."recordIndex"
    SET b."claimedAt" = $6, b."completedAt" = ${nowMs('mysql')}, b."status" = $7,
        b."processedCount" = $8, b."failedCount" = $9, b."error" = $10,
        b."version" = b."version" + 1,
        r."batchId" = $3, r."status" = input."status", r."parsed" = input."parsed",
        r."errors" = input."errors", r."processingError" = input."processingError",
        r."retryCount" = input."retryCount"
    WHERE b."jobId" = $2 AND b."id" = $3 AND b."status" = 'PROCESSING'
      AND b."workerId" = $4 AND b."attempt" = $5 AND b."completedAt" = $6`;
}
