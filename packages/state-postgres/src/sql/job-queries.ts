import { storedTotalSql } from './prepare-liveness';
import { epochMs, fromEpochMs, type SchemaTables } from './tables';

/** Creates job `$1` or replaces every field of it (its batches are not touched). */
export function upsertJobSql(t: SchemaTables): string {
  return `
    INSERT INTO ${t.jobs} (id, status, config, total_records, distributed, started_at, completed_at)
    VALUES ($1, $2, $3::jsonb, $4, $5, ${fromEpochMs('$6')}, ${fromEpochMs('$7')})
    ON CONFLICT (id) DO UPDATE SET
      status = excluded.status,
      config = excluded.config,
      total_records = excluded.total_records,
      distributed = excluded.distributed,
      started_at = excluded.started_at,
      completed_at = excluded.completed_at,
      updated_at = now()`;
}

/** Creates job `$1` only when no job has its id; returns the row when it did. */
export function insertJobIfAbsentSql(t: SchemaTables): string {
  return `
    INSERT INTO ${t.jobs} (id, status, config, total_records, distributed, started_at, completed_at)
    VALUES ($1, $2, $3::jsonb, $4, $5, ${fromEpochMs('$6')}, ${fromEpochMs('$7')})
    ON CONFLICT (id) DO NOTHING
    RETURNING id`;
}

/** Job `$1`, times as epoch ms and config as JSON text. */
export function selectJobSql(t: SchemaTables): string {
  return `
    SELECT j.id, j.status, j.config::text AS config, ${storedTotalSql('j', 'b')} AS total_records,
           j.distributed,
           ${epochMs('j.started_at')} AS started_at,
           ${epochMs('j.completed_at')} AS completed_at
    FROM ${t.jobs} j
    LEFT JOIN ${t.batches} b ON b.job_id = j.id AND j.prepare_finished_at IS NULL
    WHERE j.id = $1
    GROUP BY j.id`;
}

/** The batches of job `$1` in index order. */
export function selectBatchesSql(t: SchemaTables): string {
  return `
    SELECT id, batch_index, status, processed_count, failed_count, record_start_index,
           record_end_index, attempt, worker_id, ${epochMs('claimed_at')} AS claimed_at, error
    FROM ${t.batches}
    WHERE job_id = $1
    ORDER BY batch_index`;
}

/**
 * Inserts batches of job `$1` given column by column (`$2`..`$12`: ids, indexes, statuses,
 * start and end indexes, processed and failed counts, attempts, worker ids, claim times in
 * epoch ms, errors). A batch the store already holds keeps its state.
 */
export function insertBatchesSql(t: SchemaTables): string {
  return `
    INSERT INTO ${t.batches} (job_id, id, batch_index, status, record_start_index, record_end_index,
                              processed_count, failed_count, attempt, worker_id, claimed_at, error)
    SELECT $1, input.id, input.batch_index, input.status, input.record_start_index,
           input.record_end_index, input.processed_count, input.failed_count, input.attempt,
           input.worker_id, ${fromEpochMs('input.claimed_at')}, input.error
    FROM unnest($2::text[], $3::integer[], $4::text[], $5::integer[], $6::integer[], $7::integer[],
                $8::integer[], $9::integer[], $10::text[], $11::float8[], $12::text[])
      AS input (id, batch_index, status, record_start_index, record_end_index, processed_count,
                failed_count, attempt, worker_id, claimed_at, error)
    ON CONFLICT (job_id, id) DO NOTHING`;
}

/**
 * The statements of `deleteJob`, run in this order in one transaction. The job row is locked
 * first: a `registerBatch` in flight (which updates that row) is waited for, so its records are
 * deleted too, and a later one finds no job and writes nothing. Then batches, then records, so
 * that locks are taken in the same order as `completeBatch` and reclaim take them (batch row,
 * then its records) and a delete racing a worker cannot deadlock with it.
 */
export function deleteJobSql(t: SchemaTables): readonly string[] {
  return [
    `SELECT 1 FROM ${t.jobs} WHERE id = $1 FOR UPDATE`,
    `DELETE FROM ${t.batches} WHERE job_id = $1`,
    `DELETE FROM ${t.records} WHERE job_id = $1`,
    `DELETE FROM ${t.uniqueValues} WHERE job_id = $1`,
    `DELETE FROM ${t.jobs} WHERE id = $1`,
  ];
}
