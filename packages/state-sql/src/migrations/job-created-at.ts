import type { SqlFamily } from '../db';
import type { TableNames } from '../tables';

/**
 * Version 7: `createdAt` on the jobs table (epoch ms as BIGINT, the database clock): when the
 * job was first stored, that is when `prepare` started it. `status` and `list` count elapsed
 * time and age from it rather than from `startedAt`, which `finishPrepare` sets when the job
 * opens. Jobs stored before this version keep NULL (the CLI falls back to `startedAt`).
 *
 * Numbered 7: version 6 is another change made at the same time. `migrateTables` applies every
 * version not yet recorded, so tables that reached 7 before 6 existed still get 6.
 */
export function jobCreatedAt(_family: SqlFamily, n: TableNames): string[] {
  return [`ALTER TABLE "${n.jobs}" ADD COLUMN "createdAt" BIGINT NULL`];
}
