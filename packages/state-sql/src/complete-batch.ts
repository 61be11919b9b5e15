import {
  LeaseLostError,
  type BatchLease,
  type BatchOutcome,
  type ProcessedRecord,
} from '@batchactions/core';
import type { RowsClaim } from './claimed-payloads';
import type { Db } from './db';
import { isDeadlock } from './executor';
import { lastPerIndex, noNul, outcomeColumns, recordColumns } from './record-codec';
import { completedRecordWrites, mysqlCompletionDocument } from './record-writes';
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

/**
 * MySQL family (issue 24): the fenced write of a finished batch in one statement, without a
 * transaction (`completeBatchRowsMysqlSql`), for a batch this store claimed (`claim`) and whose
 * read found a row for every index of its range: each record lies in that range, so every one
 * is stored and none needs an upsert. Resolves false, having written nothing, when it does not
 * apply (a record outside the range, records for more than one document), when the batch row
 * does not match the lease and the claim, or when the server chose the statement as a deadlock
 * victim: `completeBatch` then writes the batch (or tells that the lease is lost).
 */
export async function completeClaimedRowsBatchMysql(
  db: Db,
  s: Statements,
  lease: BatchLease,
  claim: RowsClaim,
  records: readonly ProcessedRecord[],
  outcome: BatchOutcome,
): Promise<boolean> {
  if (records.length === 0 || claim.attempt !== lease.attempt) return false;
  for (const record of records) {
    if (record.index < claim.recordStartIndex || record.index > claim.recordEndIndex) return false;
  }
  const document = mysqlCompletionDocument(records);
  if (document === undefined) return false;
  try {
    const changed = await db.run(s.completeBatchRowsMysql(), [
      document,
      lease.jobId,
      lease.batchId,
      lease.workerId,
      lease.attempt,
      claim.claimedAt,
      outcome.status,
      outcome.processedCount,
      outcome.failedCount,
      outcome.error ?? null,
    ]);
    return changed > 0;
  } catch (error) {
    if (isDeadlock(error)) return false;
    throw error;
  }
}
