import type { Migration } from './migration';

/**
 * Version 5: early open and resumable prepare.
 *
 * - `prepare_owner`: the prepare run that may store the job's batches (`heartbeatPrepare`,
 *   `takeOverPrepare`); NULL when none holds it.
 * - `prepare_open_early`: true while a prepare that opened the job early (`openEarly`) has not
 *   finished: its batches are claimable as they are stored, and the job cannot be finalised.
 * - `prepare_stopped_at`: set when a prepare run stopped cleanly before the end (`stopPrepare`);
 *   the job waits for a new run to resume it.
 * - `batches.source_cursor`: where the source stands after the batch's last record, as the
 *   preparing run gave it (opaque text); a resumed prepare goes on from there.
 *
 * Existing rows get NULL / false: jobs prepared before this version were never opened early and
 * have no cursors (a resume of such a job re-reads its source from the start and skips what is
 * stored).
 */
export const migration005EarlyOpenAndResume: Migration = {
  version: 5,
  name: 'early open and resumable prepare',
  sql: `
ALTER TABLE {{schema}}.jobs
  ADD COLUMN prepare_owner       text,
  ADD COLUMN prepare_open_early  boolean NOT NULL DEFAULT false,
  ADD COLUMN prepare_stopped_at  timestamptz;

ALTER TABLE {{schema}}.batches
  ADD COLUMN source_cursor text;
`,
};
