import type { Migration } from './migration';

type Columns = readonly (readonly [from: string, to: string])[];

/** Renames of `table`'s columns, snake_case to the shared camelCase names (catalog only). */
function renames(table: string, columns: Columns): string {
  return columns
    .map(([from, to]) => `ALTER TABLE ${table} RENAME COLUMN ${from} TO "${to}";`)
    .join('\n');
}

/**
 * Renames `timestamptz` columns of `table` and turns them into `bigint` epoch milliseconds, in
 * one ALTER TABLE (one rewrite of the table).
 */
function epochColumns(table: string, columns: Columns): string {
  const types = columns.map(
    ([, to]) =>
      `ALTER COLUMN "${to}" TYPE bigint USING round(extract(epoch FROM "${to}") * 1000)::bigint`,
  );
  return `${renames(table, columns)}\nALTER TABLE ${table}\n  ${types.join(',\n  ')};`;
}

const JOBS = '{{schema}}.jobs';
const BATCHES = '{{schema}}.batches';
const RECORDS = '{{schema}}.records';
const UNIQUE_VALUES = '{{schema}}.unique_values';

/**
 * Version 7: the columns the shared SQL store (`@batchactions/state-sql`) reads and writes, so
 * that this package is an executor over it (issue 23). The tables, their names, keys, indexes,
 * "C" collations and the records table's fillfactor stay; only columns change.
 *
 * - snake_case columns take the camelCase names of the published layout (`job_id` →
 *   `jobId`, ...): a rename is a change of the catalog only, the records table is not rewritten.
 * - `timestamptz` columns become `bigint` epoch milliseconds (the shared SQL's database clock);
 *   this rewrites the jobs and batches tables, one row per job and per batch.
 * - `prepare_open_early boolean` becomes `openedEarlyAt bigint`: set (to the migration's time)
 *   where it was true, NULL elsewhere, which is what the shared SQL tests.
 * - `summary` becomes text (the shared SQL stores and reads JSON text there).
 * - `unique_values.value` becomes `valueKey`; values the shared store keeps as a hash (longer
 *   than 128 characters, or starting with `#`) are rewritten as `#` + their SHA-256 (hex), so a
 *   value claimed before the upgrade still conflicts with the same value claimed after it.
 * - New: `batches.version` (every write of a batch moves it), `jobs.batches` (the published
 *   JSON column, always `[]` here: batch state lives in the batches table).
 * - `jobs.updated_at` is dropped: nothing reads it, and the shared SQL does not maintain it.
 */
export const migration007SharedColumns: Migration = {
  version: 7,
  name: 'shared SQL store columns',
  sql: `
ALTER TABLE ${JOBS}
  ALTER COLUMN created_at DROP DEFAULT,
  DROP COLUMN updated_at;
${renames(JOBS, [
  ['total_records', 'totalRecords'],
  ['completion_claimant', 'completionClaimant'],
  ['prepare_owner', 'prepareOwner'],
])}
${epochColumns(JOBS, [
  ['started_at', 'startedAt'],
  ['completed_at', 'completedAt'],
  ['created_at', 'createdAt'],
  ['prepare_heartbeat_at', 'prepareHeartbeatAt'],
  ['prepare_finished_at', 'prepareFinishedAt'],
  ['prepare_stopped_at', 'prepareStoppedAt'],
  ['completion_claimed_at', 'completionClaimedAt'],
  ['completion_acknowledged_at', 'completionAcknowledgedAt'],
])}
ALTER TABLE ${JOBS}
  ALTER COLUMN "createdAt" SET DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
  ALTER COLUMN summary TYPE text USING summary::text,
  ADD COLUMN "openedEarlyAt" bigint,
  ADD COLUMN batches json NOT NULL DEFAULT '[]';
UPDATE ${JOBS}
SET "openedEarlyAt" = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
WHERE prepare_open_early;
ALTER TABLE ${JOBS} DROP COLUMN prepare_open_early;

${renames(BATCHES, [
  ['job_id', 'jobId'],
  ['batch_index', 'batchIndex'],
  ['record_start_index', 'recordStartIndex'],
  ['record_end_index', 'recordEndIndex'],
  ['processed_count', 'processedCount'],
  ['failed_count', 'failedCount'],
  ['worker_id', 'workerId'],
  ['source_cursor', 'sourceCursor'],
])}
${epochColumns(BATCHES, [['claimed_at', 'claimedAt']])}
ALTER TABLE ${BATCHES} ADD COLUMN version integer NOT NULL DEFAULT 0;

${renames(RECORDS, [
  ['job_id', 'jobId'],
  ['record_index', 'recordIndex'],
  ['batch_id', 'batchId'],
  ['processing_error', 'processingError'],
  ['retry_count', 'retryCount'],
])}

${renames(UNIQUE_VALUES, [
  ['job_id', 'jobId'],
  ['value', 'valueKey'],
  ['record_index', 'recordIndex'],
])}
UPDATE ${UNIQUE_VALUES}
SET "valueKey" = '#' || encode(sha256(convert_to("valueKey", 'UTF8')), 'hex')
WHERE char_length("valueKey") > 128 OR "valueKey" LIKE '#%';
`,
};
