import type { Migration } from './migration';

/**
 * Version 6: `job:completed` exactly once when a claimant dies or never gets its answer.
 *
 * - `completion_claimed_at`: when `completion_claimant` claimed the completion
 *   (`claimJobCompletion`), by the database clock.
 * - `completion_acknowledged_at`: when the claimant acknowledged it emitted `job:completed`
 *   (`acknowledgeJobCompletion`). A claim never acknowledged and older than the caller's
 *   `takeOverAfterMs` is taken over by the next claimant.
 *
 * Existing rows get NULLs; a claim made before this version (claimant set, no claim time) is
 * never taken over: its completion was reported then.
 */
export const migration006CompletionAcknowledgement: Migration = {
  version: 6,
  name: 'completion claim time and acknowledgement',
  sql: `
ALTER TABLE {{schema}}.jobs
  ADD COLUMN completion_claimed_at       timestamptz,
  ADD COLUMN completion_acknowledged_at  timestamptz;
`,
};
