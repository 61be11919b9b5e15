import {
  addClaimSeqColumnSql,
  createBatchOutcomesTableSql,
  createBatchPayloadsTableSql,
  createJobLimitsTableSql,
  createRecordStartIndexSql,
  moveOutcomesSql,
} from '@batchactions/state-sql';
import type { SqliteDatabase } from '../database-handle';
import { V7_CREATED_AT } from './migration-7-created-at';
import { rekeyUniqueValues, V8_SHARED_LAYOUT } from './migration-8-shared-layout';

/** Table holding which schema migrations were applied. */
export const SCHEMA_VERSION_TABLE = 'batchactions_schema_version';

/** One step of the schema, applied once, in version order. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
  /** A data step run after `sql`, in the same transaction. */
  readonly after?: (db: SqliteDatabase) => void;
}

/**
 * Version 1. Jobs get an integer key so that batches and records carry 8 bytes per row instead
 * of the job id text. Batches: a partial index over PENDING rows makes a claim one index probe,
 * however many batches are already done. Records: `parsed` is NULL when it is the raw record,
 * `errors` NULL when there are none, which keeps freshly prepared rows small. A batch finds its
 * records through its record range on the (job_pk, record_index) key
 * plus a `batch_id` check, not through an index on `batch_id`: that index would cost about a
 * quarter of the insert speed of `prepare`.
 */
const V1 = `
CREATE TABLE batchactions_jobs (
  pk            INTEGER PRIMARY KEY,
  id            TEXT    NOT NULL UNIQUE,
  status        TEXT    NOT NULL,
  config        TEXT    NOT NULL,
  total_records INTEGER NOT NULL,
  started_at    INTEGER,
  completed_at  INTEGER,
  distributed   INTEGER
);

CREATE TABLE batchactions_batches (
  pk              INTEGER PRIMARY KEY,
  job_pk          INTEGER NOT NULL,
  id              TEXT    NOT NULL,
  batch_index     INTEGER NOT NULL,
  status          TEXT    NOT NULL,
  processed_count INTEGER NOT NULL,
  failed_count    INTEGER NOT NULL,
  worker_id       TEXT,
  claimed_at      INTEGER,
  record_start    INTEGER NOT NULL,
  record_end      INTEGER NOT NULL,
  attempt         INTEGER NOT NULL,
  error           TEXT,
  UNIQUE (job_pk, id)
);
CREATE INDEX batchactions_batches_pending
  ON batchactions_batches (job_pk, batch_index) WHERE status = 'PENDING';
CREATE INDEX batchactions_batches_status ON batchactions_batches (job_pk, status);

CREATE TABLE batchactions_records (
  pk               INTEGER PRIMARY KEY,
  job_pk           INTEGER NOT NULL,
  record_index     INTEGER NOT NULL,
  batch_id         TEXT    NOT NULL,
  status           TEXT    NOT NULL,
  raw              TEXT    NOT NULL,
  parsed           TEXT,
  errors           TEXT,
  processing_error TEXT,
  retry_count      INTEGER,
  UNIQUE (job_pk, record_index)
);
`;

/**
 * Version 2: the job-wide register behind `uniqueFields`. The primary key makes a value go to
 * exactly one record; WITHOUT ROWID keeps the table to that one B-tree.
 */
const V2 = `
CREATE TABLE batchactions_unique_values (
  job_pk       INTEGER NOT NULL,
  field        TEXT    NOT NULL,
  value        TEXT    NOT NULL,
  record_index INTEGER NOT NULL,
  PRIMARY KEY (job_pk, field, value)
) WITHOUT ROWID;
`;

/**
 * Version 3: `record_end` holds the index of the batch's LAST record (inclusive), as the
 * published `Batch` and `BatchReservation` define `recordEndIndex`. Versions 1 and 2 stored one
 * past it, so existing rows move down by one; the range a batch covers is unchanged.
 */
const V3 = `
UPDATE batchactions_batches SET record_end = record_end - 1;
`;

/**
 * Version 4: prepare liveness and the stored completion (epoch ms columns). While `prepare`
 * stores a job's records `prepare_heartbeat_at` is set and renewed; `prepare_finished_at` marks
 * a job whose prepare ended. `summary` (JSON) is the `job:completed` summary stored by the
 * finalisation, `completion_claimant` who reports it. Existing jobs get NULLs.
 */
const V4 = `
ALTER TABLE batchactions_jobs ADD COLUMN prepare_heartbeat_at INTEGER;
ALTER TABLE batchactions_jobs ADD COLUMN prepare_finished_at INTEGER;
ALTER TABLE batchactions_jobs ADD COLUMN summary TEXT;
ALTER TABLE batchactions_jobs ADD COLUMN completion_claimant TEXT;
`;

/**
 * Version 5: early open and resumable prepare (issue 14). `prepare_owner` is the prepare run
 * owning the job's prepare; `prepare_stopped_at` (epoch ms) marks a prepare given up by
 * `stopPrepare`, waiting to be resumed; `opened_early_at` (epoch ms) is set by `openEarly` and
 * cleared by `finishPrepare`: while set, the job is PROCESSING (or PAUSED) but cannot be
 * finalised. `source_cursor` is where the source stood after a batch's last record, as
 * `registerBatch` was given it. Existing rows get NULLs (nothing opened early, no owner).
 */
const V5 = `
ALTER TABLE batchactions_jobs ADD COLUMN prepare_owner TEXT;
ALTER TABLE batchactions_jobs ADD COLUMN prepare_stopped_at INTEGER;
ALTER TABLE batchactions_jobs ADD COLUMN opened_early_at INTEGER;
ALTER TABLE batchactions_batches ADD COLUMN source_cursor TEXT;
`;

/**
 * Version 6: `job:completed` exactly once when a claimant dies or never gets its answer.
 * `completion_claimed_at` (epoch ms) is when `completion_claimant` claimed the completion,
 * `completion_acknowledged_at` when it acknowledged emitting it; a claim never acknowledged and
 * older than the caller's `takeOverAfterMs` is taken over. Existing rows get NULLs: a claim made
 * before this version has no claim time and is never taken over.
 */
const V6 = `
ALTER TABLE batchactions_jobs ADD COLUMN completion_claimed_at INTEGER;
ALTER TABLE batchactions_jobs ADD COLUMN completion_acknowledged_at INTEGER;
`;

/** Every migration, oldest first. */
/** Version 9: the job-wide limits table (issue 27); see `createJobLimitsTableSql`. */
const V9_JOB_LIMITS = createJobLimitsTableSql('sqlite', 'batchactions_job_limits');

/**
 * Version 10: `batchactions_jobs."sourceName"` (the source's file name, for search),
 * `"traceContext"` (the prepare's trace context, with OpenTelemetry context propagation) and
 * `batchactions_batches."completedAt"` (epoch ms, when the batch reached a final state).
 * Columns only: existing rows get NULLs. The shared store's version 9.
 */
const V10_SOURCE_AND_BATCH_TIMES = `
ALTER TABLE batchactions_jobs ADD COLUMN "sourceName" TEXT;
ALTER TABLE batchactions_jobs ADD COLUMN "traceContext" TEXT;
ALTER TABLE batchactions_batches ADD COLUMN "completedAt" INTEGER;
`;

/**
 * Version 11: the batch payloads table (issue 28), a batch's records as one value in one row
 * (see `createBatchPayloadsTableSql`). New table only: batches stored before keep their records
 * as rows. The shared store's version 10.
 */
const V11_BATCH_PAYLOADS = `${createBatchPayloadsTableSql('sqlite', 'batchactions_batch_payloads')};
${createRecordStartIndexSql('sqlite', 'batchactions_batches_record_start', 'batchactions_batches')};`;

/**
 * Version 12: `batchactions_job_limits."claimSeq"` (issue 27; see `addClaimSeqColumnSql`): only
 * PostgreSQL claims read and bump it, SQLite keeps 0; added so that the tables are the same on
 * every database. The shared store's version 11.
 */
const V12_CLAIM_SEQ = `${addClaimSeqColumnSql('sqlite', 'batchactions_job_limits')};`;

/**
 * Version 13: the batch outcomes table (issue 28), a payload batch's outcome in a row of its own
 * (see `createBatchOutcomesTableSql`): a completion no longer rewrites the batch's records,
 * which SQLite did on every outcome write (a whole row, overflow pages included). Outcomes that
 * versions 11 and 12 stored in the payload rows move into it. The shared store's version 12.
 */
const V13_BATCH_OUTCOMES = [
  createBatchOutcomesTableSql('sqlite', 'batchactions_batch_outcomes'),
  ...moveOutcomesSql('sqlite', 'batchactions_batch_payloads', 'batchactions_batch_outcomes'),
]
  .map((statement) => `${statement};`)
  .join('\n');

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'jobs, batches and records', sql: V1 },
  { version: 2, description: 'unique values', sql: V2 },
  { version: 3, description: 'inclusive record end', sql: V3 },
  { version: 4, description: 'prepare liveness and stored completion', sql: V4 },
  { version: 5, description: 'early open and resumable prepare', sql: V5 },
  { version: 6, description: 'completion claim time and acknowledgement', sql: V6 },
  { version: 7, description: 'job creation time', sql: V7_CREATED_AT },
  {
    version: 8,
    description: 'the shared SQL layout',
    sql: V8_SHARED_LAYOUT,
    after: rekeyUniqueValues,
  },
  { version: 9, description: 'job-wide limits', sql: V9_JOB_LIMITS },
  {
    version: 10,
    description: 'job source name, trace context, batch completion time',
    sql: V10_SOURCE_AND_BATCH_TIMES,
  },
  { version: 11, description: 'batch payloads', sql: V11_BATCH_PAYLOADS },
  { version: 12, description: 'capped claims in one statement', sql: V12_CLAIM_SEQ },
  { version: 13, description: 'batch outcomes', sql: V13_BATCH_OUTCOMES },
];

/** The newest schema version this package writes (the highest migration's). */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((migration) => migration.version));

export const CREATE_VERSION_TABLE = `
CREATE TABLE IF NOT EXISTS ${SCHEMA_VERSION_TABLE} (
  version    INTEGER PRIMARY KEY,
  applied_at INTEGER NOT NULL
)`;

export const SELECT_SCHEMA_VERSION = `SELECT max(version) AS version FROM ${SCHEMA_VERSION_TABLE}`;

/** Every applied version, for `migrate` to apply the ones missing (a gap in the numbering). */
export const SELECT_APPLIED_VERSIONS = `SELECT version FROM ${SCHEMA_VERSION_TABLE}`;

export const INSERT_SCHEMA_VERSION = `INSERT INTO ${SCHEMA_VERSION_TABLE} (version, applied_at) VALUES (?, ?)`;
