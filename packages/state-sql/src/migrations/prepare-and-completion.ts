import type { SqlFamily } from '../db';
import type { TableNames } from '../tables';

/**
 * Version 4: prepare liveness and the stored completion, on the jobs table (epoch ms as BIGINT,
 * like `startedAt`):
 *
 * - `prepareHeartbeatAt`: set and renewed while `prepare` stores the job's records, NULL
 *   otherwise; a value that stops moving means the preparing process died;
 * - `prepareFinishedAt`: when `finishPrepare` opened the job (it is never prepared again);
 * - `summary`: the `job:completed` summary (JSON text) stored by the finalisation;
 * - `completionClaimant`: who reports that completion (`claimJobCompletion`), exactly one.
 *
 * Existing jobs get NULLs: not being prepared, no completion left to report.
 */
export function prepareAndCompletion(family: SqlFamily, n: TableNames): string[] {
  const columns = [
    `"prepareHeartbeatAt" BIGINT NULL`,
    `"prepareFinishedAt" BIGINT NULL`,
    `"summary" TEXT NULL`,
    `"completionClaimant" VARCHAR(255) NULL`,
  ];
  if (family === 'sqlite') {
    // SQLite adds one column per statement.
    return columns.map((column) => `ALTER TABLE "${n.jobs}" ADD COLUMN ${column}`);
  }
  return [`ALTER TABLE "${n.jobs}" ${columns.map((c) => `ADD COLUMN ${c}`).join(', ')}`];
}
