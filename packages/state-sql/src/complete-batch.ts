import {
  LeaseLostError,
  type BatchLease,
  type BatchOutcome,
  type ProcessedRecord,
} from '@batchactions/core';
import type { Db } from './db';
import { lastPerIndex, noNul, outcomeColumns, recordColumns } from './record-codec';
import { completedRecordWrites } from './record-writes';
import { fenceBatchInTransaction } from './batch-steps';
import type { Statements } from './statements';

/**
 * The fenced write of a finished batch: its outcome and all its records, in one transaction,
 * only while `lease` is still the batch's current claim; otherwise `LeaseLostError` and nothing
 * written. PostgreSQL does it in one statement (two when some record was not stored by the
 * prepare, or the lease is lost); the others fence with an UPDATE first (whose
 * row lock, or SQLite's write lock, keeps a reclaim out until commit) and then upsert.
 * PostgreSQL returns false, writing nothing, for a batch with a payload (issue 28; see
 * `completeBatchWithPayload`); the others are only called for batches without one.
 */
export async function completeBatch(
  db: Db,
  s: Statements,
  lease: BatchLease,
  records: readonly ProcessedRecord[],
  outcome: BatchOutcome,
): Promise<boolean> {
  const lost = () => new LeaseLostError(lease.jobId, lease.batchId, lease.workerId, lease.attempt);
  if (db.family === 'postgres') {
    const stored = lastPerIndex(records);
    const fence = [
      outcome.status,
      outcome.processedCount,
      outcome.failedCount,
      outcome.error === undefined ? null : noNul(outcome.error),
    ];
    // The usual case: prepare stored every record; only their outcomes are written.
    const inPlace = await db.select<{ leased: number | string }>(s.completeBatchInPlacePostgres(), [
      lease.jobId,
      lease.batchId,
      ...outcomeColumns(stored),
      ...fence,
      lease.workerId,
      lease.attempt,
    ]);
    if (Number(inPlace[0]?.leased ?? 0) === 1) return true;
    // The lease is gone, or some records are not stored under this batch: the upserting write
    // tells the two apart (it writes everything when the lease holds).
    const rows = await db.select<{ leased: number | string; payload: number | string }>(
      s.completeBatchPostgres(),
      [
        lease.jobId,
        lease.batchId,
        ...recordColumns(stored),
        lease.workerId,
        lease.attempt,
        ...fence,
      ],
    );
    if (Number(rows[0]?.payload ?? 0) === 1) return false;
    if (Number(rows[0]?.leased ?? 0) === 0) throw lost();
    return true;
  }
  // Serialised before the transaction: its write lock is held for the SQL work only.
  const writeRecords = completedRecordWrites(db, s, lease.jobId, lease.batchId, records);
  await db.transaction(async (transaction) => {
    await fenceBatchInTransaction(db, s, lease, outcome, transaction);
    await writeRecords(transaction);
  });
  return true;
}
