import type { Migration } from './migration';

/**
 * Version 4: prepare liveness and the stored completion.
 *
 * - `prepare_heartbeat_at`: set while `prepare` stores the job's records and renewed by its
 *   heartbeat; NULL otherwise. A value that stops moving means the preparing process died.
 * - `prepare_finished_at`: when `finishPrepare` opened the job; a job with it set is never
 *   prepared again.
 * - `summary`: the `job:completed` summary, stored by `tryFinalizeJob` with the final status.
 * - `completion_claimant`: who reports that completion (`claimJobCompletion`): exactly one.
 *
 * Existing rows get NULLs: jobs prepared before this version are neither preparing nor have a
 * summary to report (their completion was reported when they finished).
 */
export const migration004PrepareLivenessAndSummary: Migration = {
  version: 4,
  name: 'prepare liveness and stored completion',
  sql: `
ALTER TABLE {{schema}}.jobs
  ADD COLUMN prepare_heartbeat_at timestamptz,
  ADD COLUMN prepare_finished_at  timestamptz,
  ADD COLUMN summary              jsonb,
  ADD COLUMN completion_claimant  text;
`,
};
