import type { SqlFamily } from '../db';
import type { TableNames } from '../tables';

/**
 * Version 6: `job:completed` exactly once when a claimant dies or never gets its answer. On the
 * jobs table (epoch ms as BIGINT):
 *
 * - `completionClaimedAt`: when `completionClaimant` claimed the completion
 *   (`claimJobCompletion`), by the database clock;
 * - `completionAcknowledgedAt`: when the claimant acknowledged emitting `job:completed`
 *   (`acknowledgeJobCompletion`). A claim never acknowledged and older than the caller's
 *   `takeOverAfterMs` is taken over.
 *
 * Existing rows get NULLs: a claim made before this version has no claim time and is never
 * taken over (its completion was reported then).
 */
export function completionAcknowledgement(family: SqlFamily, n: TableNames): string[] {
  const columns = [`"completionClaimedAt" BIGINT NULL`, `"completionAcknowledgedAt" BIGINT NULL`];
  if (family === 'sqlite') {
    // SQLite adds one column per statement.
    return columns.map((column) => `ALTER TABLE "${n.jobs}" ADD COLUMN ${column}`);
  }
  return [`ALTER TABLE "${n.jobs}" ${columns.map((c) => `ADD COLUMN ${c}`).join(', ')}`];
}
