/**
 * Version 7: `created_at` (epoch ms, the writing process's clock) is when the job was first
 * stored, that is when `prepare` started it. `status` and `list` count elapsed time and age from
 * it rather than from `started_at`, which `finishPrepare` sets when the job opens. Jobs stored
 * before this version keep NULL (the CLI falls back to `started_at`).
 *
 * Numbered 7: version 6 is another change made at the same time. `migrate` applies every
 * version not yet recorded, in order, so a file that reached 7 before 6 existed still gets 6.
 */
export const V7_CREATED_AT = `
ALTER TABLE batchactions_jobs ADD COLUMN created_at INTEGER;
`;
