import type { SqlFamily } from '../db';
import type { TableNames } from '../tables';

/**
 * Version 5: early open and resumable prepare (issue 14). On the jobs table (epoch ms as BIGINT):
 *
 * - `prepareOwner`: the prepare run owning the job's prepare (`heartbeatPrepare` or
 *   `takeOverPrepare` with a run); only it registers batches with `prepareRun` and finishes;
 * - `prepareStoppedAt`: set by `stopPrepare`, the prepare waits to be resumed, cleared when a
 *   run takes it over;
 * - `openedEarlyAt`: set by `openEarly`, cleared by `finishPrepare`: while set the job takes
 *   batches and hands them out, but is never finalised.
 *
 * On the batches table, `sourceCursor`: where the source stood after the batch's last record,
 * as `registerBatch` was given it. Existing rows get NULLs (not opened early, no owner).
 */
export function earlyOpenAndResume(family: SqlFamily, n: TableNames): string[] {
  const jobColumns = [
    `"prepareOwner" VARCHAR(255) NULL`,
    `"prepareStoppedAt" BIGINT NULL`,
    `"openedEarlyAt" BIGINT NULL`,
  ];
  const batchColumn = `"sourceCursor" TEXT NULL`;
  if (family === 'sqlite') {
    // SQLite adds one column per statement.
    return [
      ...jobColumns.map((column) => `ALTER TABLE "${n.jobs}" ADD COLUMN ${column}`),
      `ALTER TABLE "${n.batches}" ADD COLUMN ${batchColumn}`,
    ];
  }
  return [
    `ALTER TABLE "${n.jobs}" ${jobColumns.map((c) => `ADD COLUMN ${c}`).join(', ')}`,
    `ALTER TABLE "${n.batches}" ADD COLUMN ${batchColumn}`,
  ];
}
