import { prepareFlagsSql, prepareHeartbeatAgeMs, storedTotalSql } from './prepare-liveness';
import { epochMs, type SchemaTables } from './tables';

/**
 * Every job with its batch counts and counter sums, newest `started_at` first (jobs without it
 * last), then by id. `$1`: the statuses to keep (`text[]`, NULL for all); `$2`: the limit (NULL
 * for none).
 */
export function listJobsSql(t: SchemaTables): string {
  return `
    SELECT j.id, j.status, ${storedTotalSql('j', 'b')} AS total_records,
           ${epochMs('j.created_at')} AS created_at,
           ${epochMs('j.started_at')} AS started_at,
           ${epochMs('j.completed_at')} AS completed_at,
           ${prepareHeartbeatAgeMs('j.prepare_heartbeat_at')} AS prepare_heartbeat_age_ms,
           ${prepareFlagsSql('j')},
           count(b.id)::integer AS total_batches,
           count(b.id) FILTER (WHERE b.status IN ('PENDING', 'PAUSED'))::integer AS pending,
           count(b.id) FILTER (WHERE b.status = 'PROCESSING')::integer AS processing,
           count(b.id) FILTER (WHERE b.status = 'COMPLETED')::integer AS completed,
           count(b.id) FILTER (WHERE b.status = 'FAILED')::integer AS failed,
           coalesce(sum(b.processed_count), 0)::integer AS processed_records,
           coalesce(sum(b.failed_count), 0)::integer AS failed_records
    FROM ${t.jobs} j
    LEFT JOIN ${t.batches} b ON b.job_id = j.id
    WHERE $1::text[] IS NULL OR j.status = ANY ($1::text[])
    GROUP BY j.id
    ORDER BY j.started_at DESC NULLS LAST, j.id
    LIMIT $2`;
}
