import { createHash } from 'node:crypto';
import type { SqliteDatabase } from '../database-handle';

/**
 * Version 8 (issue 23): the tables take the columns the shared SQL of `@batchactions/state-sql`
 * reads and writes (the published names, quoted camelCase, the job's text id in every child
 * row), so this store runs on the one implementation of the port shared by every SQL store.
 * Every row of every table is copied, in the migration's one transaction.
 *
 * The physical design is this store's own, chosen for speed:
 * - records and unique values are `WITHOUT ROWID` tables keyed by (job, index) and (job,
 *   field, value): one B-tree each, where a rowid table with a unique key is two. A batch finds
 *   its records through its record range on that key plus a batch id check, with no index on
 *   the batch id (which would cost `prepare` about a quarter of its insert speed);
 * - batches are keyed by (job, id) (`WITHOUT ROWID`: small rows), with the partial index over
 *   PENDING rows that makes a claim one index probe however many batches are done, and one on
 *   (job, status) for the finalisation's and the stale reclaim's probes;
 * - `parsed` and `errors` stay NULL-able: rows written before this version keep NULL for
 *   "the raw record" and "no findings", which the shared decoder reads as such.
 *
 * The old tables are renamed away first, so the new ones and their indexes get the final names;
 * the indexes are built after the copy (faster than row by row).
 */
export const V8_SHARED_LAYOUT = `
ALTER TABLE batchactions_jobs RENAME TO batchactions_jobs_v7;
ALTER TABLE batchactions_batches RENAME TO batchactions_batches_v7;
ALTER TABLE batchactions_records RENAME TO batchactions_records_v7;
ALTER TABLE batchactions_unique_values RENAME TO batchactions_unique_values_v7;

CREATE TABLE batchactions_jobs (
  "id"                       TEXT    NOT NULL PRIMARY KEY,
  "status"                   TEXT    NOT NULL,
  "config"                   TEXT    NOT NULL,
  "batches"                  TEXT,
  "totalRecords"             INTEGER NOT NULL DEFAULT 0,
  "startedAt"                INTEGER,
  "completedAt"              INTEGER,
  "distributed"              INTEGER,
  "prepareHeartbeatAt"       INTEGER,
  "prepareFinishedAt"        INTEGER,
  "summary"                  TEXT,
  "completionClaimant"       TEXT,
  "prepareOwner"             TEXT,
  "prepareStoppedAt"         INTEGER,
  "openedEarlyAt"            INTEGER,
  "completionClaimedAt"      INTEGER,
  "completionAcknowledgedAt" INTEGER,
  "createdAt"                INTEGER
);

CREATE TABLE batchactions_batches (
  "jobId"            TEXT    NOT NULL,
  "id"               TEXT    NOT NULL,
  "batchIndex"       INTEGER NOT NULL,
  "status"           TEXT    NOT NULL,
  "workerId"         TEXT,
  "claimedAt"        INTEGER,
  "recordStartIndex" INTEGER NOT NULL,
  "recordEndIndex"   INTEGER NOT NULL,
  "processedCount"   INTEGER NOT NULL DEFAULT 0,
  "failedCount"      INTEGER NOT NULL DEFAULT 0,
  "version"          INTEGER NOT NULL DEFAULT 0,
  "attempt"          INTEGER NOT NULL DEFAULT 0,
  "error"            TEXT,
  "sourceCursor"     TEXT,
  PRIMARY KEY ("jobId", "id")
) WITHOUT ROWID;

CREATE TABLE batchactions_records (
  "jobId"           TEXT    NOT NULL,
  "recordIndex"     INTEGER NOT NULL,
  "batchId"         TEXT    NOT NULL,
  "status"          TEXT    NOT NULL,
  "raw"             TEXT    NOT NULL,
  "parsed"          TEXT,
  "errors"          TEXT,
  "processingError" TEXT,
  "retryCount"      INTEGER,
  PRIMARY KEY ("jobId", "recordIndex")
) WITHOUT ROWID;

CREATE TABLE batchactions_unique_values (
  "jobId"       TEXT    NOT NULL,
  "field"       TEXT    NOT NULL,
  "valueKey"    TEXT    NOT NULL,
  "recordIndex" INTEGER NOT NULL,
  PRIMARY KEY ("jobId", "field", "valueKey")
) WITHOUT ROWID;

INSERT INTO batchactions_jobs
  ("id", "status", "config", "totalRecords", "startedAt", "completedAt", "distributed",
   "prepareHeartbeatAt", "prepareFinishedAt", "summary", "completionClaimant", "prepareOwner",
   "prepareStoppedAt", "openedEarlyAt", "completionClaimedAt", "completionAcknowledgedAt",
   "createdAt")
SELECT id, status, config, total_records, started_at, completed_at, distributed,
       prepare_heartbeat_at, prepare_finished_at, summary, completion_claimant, prepare_owner,
       prepare_stopped_at, opened_early_at, completion_claimed_at, completion_acknowledged_at,
       created_at
FROM batchactions_jobs_v7;

INSERT INTO batchactions_batches
  ("jobId", "id", "batchIndex", "status", "workerId", "claimedAt", "recordStartIndex",
   "recordEndIndex", "processedCount", "failedCount", "attempt", "error", "sourceCursor")
SELECT j.id, b.id, b.batch_index, b.status, b.worker_id, b.claimed_at, b.record_start,
       b.record_end, b.processed_count, b.failed_count, b.attempt, b.error, b.source_cursor
FROM batchactions_batches_v7 b
JOIN batchactions_jobs_v7 j ON j.pk = b.job_pk;

INSERT INTO batchactions_records
  ("jobId", "recordIndex", "batchId", "status", "raw", "parsed", "errors", "processingError",
   "retryCount")
SELECT j.id, r.record_index, r.batch_id, r.status, r.raw, r.parsed, r.errors,
       r.processing_error, r.retry_count
FROM batchactions_records_v7 r
JOIN batchactions_jobs_v7 j ON j.pk = r.job_pk
ORDER BY j.id, r.record_index;

INSERT INTO batchactions_unique_values ("jobId", "field", "valueKey", "recordIndex")
SELECT j.id, u.field, u.value, u.record_index
FROM batchactions_unique_values_v7 u
JOIN batchactions_jobs_v7 j ON j.pk = u.job_pk;

DROP TABLE batchactions_unique_values_v7;
DROP TABLE batchactions_records_v7;
DROP TABLE batchactions_batches_v7;
DROP TABLE batchactions_jobs_v7;

CREATE INDEX batchactions_batches_pending
  ON batchactions_batches ("jobId", "batchIndex") WHERE "status" = 'PENDING';
CREATE INDEX batchactions_batches_status ON batchactions_batches ("jobId", "status");
`;

/** Longest unique value stored as itself (the shared store's rule; longer ones are hashed). */
const LONGEST_PLAIN_VALUE = 128;

/**
 * After {@link V8_SHARED_LAYOUT}: unique values are keyed as the shared store keys them. Version
 * 7 stored every value as given; the shared store stores a value longer than 128 characters, or
 * one starting with `#`, as `#` + its SHA-256 (hex). Only those rows change (a superset is read:
 * SQLite counts characters, JavaScript UTF-16 units).
 */
export function rekeyUniqueValues(db: SqliteDatabase): void {
  const rows = db
    .prepare(
      `SELECT "jobId", "field", "valueKey" FROM batchactions_unique_values
       WHERE length("valueKey") > ${LONGEST_PLAIN_VALUE / 2} OR substr("valueKey", 1, 1) = '#'`,
    )
    .all() as { jobId: string; field: string; valueKey: string }[];
  const rekey = db.prepare(
    `UPDATE batchactions_unique_values SET "valueKey" = ?
     WHERE "jobId" = ? AND "field" = ? AND "valueKey" = ?`,
  );
  for (const row of rows) {
    const plain = row.valueKey.length <= LONGEST_PLAIN_VALUE && !row.valueKey.startsWith('#');
    if (plain) continue;
    const key = `#${createHash('sha256').update(row.valueKey).digest('hex')}`;
    rekey.run(key, row.jobId, row.field, row.valueKey);
  }
}
