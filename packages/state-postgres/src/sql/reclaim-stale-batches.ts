import { QUARANTINE_REASON_TEMPLATE, sqlStringLiteral } from '@batchactions/core';
import type { SchemaTables } from './tables';

/**
 * Reclaims the batches of job `$1` claimed at least `$2` ms ago (database clock). With
 * `$3` (max attempts) not NULL, a stale batch already claimed `$3` times is quarantined
 * instead: FAILED with its reason, every record counted failed, and its records that were not
 * processed marked failed with that reason. Returns how many batches changed.
 *
 * `FOR UPDATE` (without SKIP LOCKED) waits for a batch that a worker is finishing or
 * heartbeating right now, then re-checks it: a batch that was just completed or renewed is no
 * longer stale and is left alone.
 */
export function reclaimStaleBatchesSql(t: SchemaTables): string {
  return `
    WITH stale AS (
      SELECT id, ($3::integer IS NOT NULL AND attempt >= $3::integer) AS exhausted
      FROM ${t.batches}
      WHERE job_id = $1
        AND status = 'PROCESSING'
        AND claimed_at <= now() - $2::float8 * interval '1 millisecond'
      FOR UPDATE
    ),
    requeued AS (
      UPDATE ${t.batches} b
      SET status = 'PENDING', worker_id = NULL, claimed_at = NULL
      FROM stale
      WHERE b.job_id = $1 AND b.id = stale.id AND NOT stale.exhausted
      RETURNING b.id
    ),
    quarantined AS (
      UPDATE ${t.batches} b
      SET status = 'FAILED',
          error = format(${sqlStringLiteral(QUARANTINE_REASON_TEMPLATE)},
                         b.batch_index, b.attempt, coalesce(b.worker_id, 'unknown')),
          processed_count = 0,
          failed_count = b.record_end_index - b.record_start_index + 1
      FROM stale
      WHERE b.job_id = $1 AND b.id = stale.id AND stale.exhausted
      RETURNING b.id, b.error
    ),
    failed_records AS (
      UPDATE ${t.records} r
      SET status = 'failed', processing_error = quarantined.error
      FROM quarantined
      WHERE r.job_id = $1 AND r.batch_id = quarantined.id AND r.status <> 'processed'
    )
    SELECT (SELECT count(*) FROM requeued)::integer
         + (SELECT count(*) FROM quarantined)::integer AS reclaimed`;
}
