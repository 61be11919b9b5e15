import {
  RECORD_INPUT_VALUES,
  RECORD_INSERT_COLUMNS,
  RECORD_SELECT_COLUMNS,
  RECORD_UPSERT,
  recordInput,
} from './record-input';
import type { SchemaTables } from './tables';

/**
 * Upserts records of batch `$2` of job `$1` (columns from `$3`), only when the job exists;
 * the row count is 0 for an unknown job.
 */
export function upsertRecordsSql(t: SchemaTables): string {
  return `
    INSERT INTO ${t.records} (${RECORD_INSERT_COLUMNS})
    SELECT ${RECORD_INPUT_VALUES}
    FROM ${recordInput(3)}
    WHERE EXISTS (SELECT 1 FROM ${t.jobs} WHERE id = $1)
    ${RECORD_UPSERT}`;
}

/** Records of batch `$2` of job `$1`, in index order. */
export function selectBatchRecordsSql(t: SchemaTables): string {
  return `
    SELECT ${RECORD_SELECT_COLUMNS}
    FROM ${t.records}
    WHERE job_id = $1 AND batch_id = $2
    ORDER BY record_index`;
}

/** Records of job `$1` whose status is one of `$2` (text[]), in index order, across batches. */
export function selectRecordsByStatusSql(t: SchemaTables): string {
  return `
    SELECT ${RECORD_SELECT_COLUMNS}
    FROM ${t.records}
    WHERE job_id = $1 AND status = ANY ($2::text[])
    ORDER BY record_index`;
}
