/**
 * Every job with its batch counts and counter sums, newest `started_at` first (jobs without it
 * last), then by id. `@statuses`: a JSON array of the statuses to keep, or NULL for all;
 * `@limit`: the limit, -1 for none.
 */
export const LIST_JOBS = `
SELECT j.id, j.status, j.total_records, j.created_at, j.started_at, j.completed_at,
       CASE WHEN j.prepare_heartbeat_at IS NULL THEN NULL
            ELSE max(0, @now - j.prepare_heartbeat_at) END AS prepare_heartbeat_age_ms,
       j.opened_early_at IS NOT NULL AS open_early,
       j.prepare_stopped_at IS NOT NULL AS prepare_stopped,
       count(b.pk) AS total_batches,
       coalesce(sum(b.status IN ('PENDING', 'PAUSED')), 0) AS pending,
       coalesce(sum(b.status = 'PROCESSING'), 0) AS processing,
       coalesce(sum(b.status = 'COMPLETED'), 0) AS completed,
       coalesce(sum(b.status = 'FAILED'), 0) AS failed,
       coalesce(sum(b.processed_count), 0) AS processed_records,
       coalesce(sum(b.failed_count), 0) AS failed_records
FROM batchactions_jobs j
LEFT JOIN batchactions_batches b ON b.job_pk = j.pk
WHERE @statuses IS NULL OR j.status IN (SELECT value FROM json_each(@statuses))
GROUP BY j.pk
ORDER BY j.started_at IS NULL, j.started_at DESC, j.id
LIMIT @limit`;
