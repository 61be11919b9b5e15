import {
  LeaseLostError,
  RecordAlreadyStoredError,
  type Batch,
  type BatchLease,
  type BatchOutcome,
  type ProcessedRecord,
  type RegisterBatchOptions,
  type RecordStatus,
} from '@batchactions/core';
import type { Db, Transaction } from './db';
import { batchRowValues } from './job-rows';
import { refusedBatchError } from './prepare-liveness';
import {
  decodePayload,
  encodeOutcomes,
  encodePreparedRecords,
  processedCount,
  ROW_STATUSES,
  type PayloadRow,
} from './payload-codec';
import { lastPerIndex, noNul, recordColumns } from './record-codec';
import { completedRecordWrites, recordUpserts, runWrites } from './record-writes';
import { fenceBatchInTransaction, lockJobForRegistration } from './batch-steps';
import type { Statements } from './statements';

type Count = number | string | bigint | null;

/** The lowest and highest index of `records` (not empty). */
function indexRange(records: readonly ProcessedRecord[]): [number, number] {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const record of records) {
    if (record.index < low) low = record.index;
    if (record.index > high) high = record.index;
  }
  return [low, high];
}

/** The records of `records` that keep a row beside the payload (invalid and failed). */
function rowRecords(records: readonly ProcessedRecord[]): ProcessedRecord[] {
  return records.filter((record) => ROW_STATUSES.has(record.status));
}

/**
 * `registerBatch` with `batchPayloads` (issue 28): the batch row and its records as one payload
 * row (one value, written by one statement), plus a row in the records table for each invalid
 * record, in one transaction holding a shared lock on the job row (as the per-record
 * registration does). A record index another batch holds refuses the batch, writing nothing: a
 * quick probe (one index probe on the batches' record starts, one on the record rows) finds
 * the usual case clear; a hit is checked index by index. A batch the store holds keeps its
 * state; its payload is replaced. PostgreSQL does the usual case (the range clear) in one
 * statement.
 */
export async function registerBatchWithPayload(
  db: Db,
  sql: Statements,
  jobId: string,
  batch: Batch,
  options: RegisterBatchOptions,
): Promise<void> {
  const { prepareRun, sourceCursor } = options;
  // Serialised before the transaction: its locks are held for the SQL work only.
  const records = lastPerIndex(batch.records);
  const payload = [
    jobId,
    batch.id,
    encodePreparedRecords(records),
    records.length,
    processedCount(records),
  ];
  const rows = rowRecords(records);
  if (db.family === 'postgres' && records.length > 0) {
    const [low, high] = indexRange(records);
    const result = await db.select<{ found: Count; clash: Count }>(
      sql.registerBatchPayloadPostgres(),
      [
        jobId,
        batch.id,
        ...recordColumns(rows),
        ...batchRowValues(jobId, batch).slice(2),
        prepareRun ?? '',
        prepareRun === undefined ? 0 : 1,
        sourceCursor ?? null,
        ...payload.slice(2),
        low,
        high,
      ],
    );
    if (Number(result[0]?.found ?? 0) === 0) {
      throw await refusedBatchError(db, sql, jobId, prepareRun);
    }
    // Another batch's range meets this one: checked index by index below.
    if (Number(result[0]?.clash ?? 0) === 0) return;
  }
  const rowWrites = recordUpserts(db, sql, jobId, batch.id, rows);
  const heartbeat = [jobId, prepareRun ?? '', prepareRun === undefined ? 0 : 1];
  await db.transaction(async (transaction) => {
    await lockJobForRegistration(db, sql, jobId, prepareRun, transaction);
    if (records.length > 0) {
      const [low, high] = indexRange(records);
      await refuseTakenIndexes(db, sql, jobId, batch.id, records, low, high, transaction);
    }
    const inserted = await db.run(
      sql.registerBatchRow(),
      [...batchRowValues(jobId, batch), sourceCursor ?? null],
      transaction,
    );
    await db.run(sql.upsertPayload(), payload, transaction);
    if (inserted === 0) {
      // A registration repeated: the outcome and the rows of the payload it replaces go.
      await db.run(sql.deleteOutcome(), [jobId, batch.id], transaction);
      if (records.length > 0) {
        const [low, high] = indexRange(records);
        await db.run(sql.deleteBatchRowsInRange(), [jobId, batch.id, low, high], transaction);
      }
    }
    await runWrites(db, rowWrites, transaction);
    if (db.family === 'sqlite') await db.run(sql.renewHeartbeatWithBatch(), heartbeat, transaction);
  });
  if (db.family !== 'sqlite') await db.run(sql.renewHeartbeatWithBatch(), heartbeat);
}

/** @throws RecordAlreadyStoredError naming the lowest index of `records` another batch holds. */
async function refuseTakenIndexes(
  db: Db,
  sql: Statements,
  jobId: string,
  batchId: string,
  records: readonly ProcessedRecord[],
  low: number,
  high: number,
  transaction: Transaction,
): Promise<void> {
  const probe = await db.select<{ batches: Count; rows: Count }>(
    sql.overlapProbe(),
    [jobId, batchId, low, high],
    transaction,
  );
  if (Number(probe[0]?.batches ?? 0) === 0 && Number(probe[0]?.rows ?? 0) === 0) return;
  const wanted = new Set(records.map((record) => record.index));
  const held: number[] = [];
  const taken = await db.select<{ recordIndex: Count }>(
    sql.selectTakenRecords(),
    [jobId, low, high, batchId],
    transaction,
  );
  for (const row of taken) held.push(Number(row.recordIndex));
  const payloads = await db.select<PayloadRow>(
    sql.selectOverlappingPayloads(),
    [jobId, batchId, low, high],
    transaction,
  );
  for (const row of payloads) for (const record of decodePayload(row)) held.push(record.index);
  const clash = held.filter((index) => wanted.has(index)).sort((a, b) => a - b)[0];
  if (clash !== undefined) throw new RecordAlreadyStoredError(jobId, batchId, clash);
}

/** The records of batch `batchId` from its payload; undefined when it has none. */
export async function payloadRecords(
  db: Db,
  sql: Statements,
  jobId: string,
  batchId: string,
  transaction?: Transaction,
): Promise<ProcessedRecord[] | undefined> {
  const rows = await db.select<PayloadRow>(sql.selectPayload(), [jobId, batchId], transaction);
  const row = rows[0];
  return row === undefined ? undefined : decodePayload(row);
}

/**
 * The records of the job's payloads whose status is one of `statuses`, in index order (empty
 * without payloads). Invalid and failed ones are left to the rows that mirror them.
 */
export async function payloadRecordsWithStatus(
  db: Db,
  sql: Statements,
  jobId: string,
  statuses: readonly RecordStatus[],
): Promise<ProcessedRecord[]> {
  const wanted = new Set<string>(statuses.filter((status) => !ROW_STATUSES.has(status)));
  if (wanted.size === 0) return [];
  const rows = await db.select<PayloadRow>(sql.selectPayloads(), [jobId]);
  const out: ProcessedRecord[] = [];
  for (const row of rows) {
    for (const record of decodePayload(row)) if (wanted.has(record.status)) out.push(record);
  }
  return out;
}

/** The statement values of a completed batch's write, serialised before its transaction. */
function completion(records: readonly ProcessedRecord[]) {
  const stored = lastPerIndex(records);
  const rows = rowRecords(stored);
  const [low, high] = stored.length === 0 ? [0, -1] : indexRange(stored);
  return { stored, rows, low, high, outcome: encodeOutcomes(stored, false) };
}

/**
 * `completeBatch` of a batch with a payload: its outcome as one value in its outcomes row, and
 * rows only for its invalid and failed records (the rows of its other records deleted), with
 * the fence, in one transaction (PostgreSQL: one statement). Returns false, writing nothing,
 * when the batch has no payload (it keeps its records as rows: the caller writes them so).
 * @throws LeaseLostError (nothing written) when the lease is gone.
 */
export async function completeBatchWithPayload(
  db: Db,
  s: Statements,
  lease: BatchLease,
  records: readonly ProcessedRecord[],
  outcome: BatchOutcome,
): Promise<boolean> {
  const lost = () => new LeaseLostError(lease.jobId, lease.batchId, lease.workerId, lease.attempt);
  const done = completion(records);
  const processed = processedCount(done.stored);
  if (db.family === 'postgres') {
    const result = await db.select<{ leased: Count; payload: Count }>(
      s.completeBatchPayloadPostgres(),
      [
        lease.jobId,
        lease.batchId,
        ...recordColumns(done.rows),
        lease.workerId,
        lease.attempt,
        outcome.status,
        outcome.processedCount,
        outcome.failedCount,
        outcome.error === undefined ? null : noNul(outcome.error),
        done.outcome,
        processed,
        done.low,
        done.high,
      ],
    );
    if (Number(result[0]?.payload ?? 0) === 0) return false;
    if (Number(result[0]?.leased ?? 0) === 0) throw lost();
    return true;
  }
  const rowWrites = recordUpserts(db, s, lease.jobId, lease.batchId, done.rows);
  return db.transaction(async (transaction) => {
    await fenceBatchInTransaction(db, s, lease, outcome, transaction);
    const changed = await db.run(
      s.setOutcome(),
      [lease.jobId, lease.batchId, done.outcome, processed],
      transaction,
    );
    if (changed === 0) {
      // No payload: the batch keeps its records as rows, written in this transaction.
      await completedRecordWrites(db, s, lease.jobId, lease.batchId, records)(transaction);
      return true;
    }
    if (done.stored.length > 0) {
      await db.run(
        s.deleteBatchRowsInRange(),
        [lease.jobId, lease.batchId, done.low, done.high],
        transaction,
      );
    }
    await runWrites(db, rowWrites, transaction);
    return true;
  });
}

/**
 * The published per-record writes (`saveProcessedRecord`, `saveBatchRecords`, the records of
 * `saveJobState`) on a batch with a payload: merged into its outcome (with their raw records),
 * its record rows in their range rewritten to mirror its invalid and failed records, in
 * `transaction` or one of its own. Returns false, writing nothing, when the batch has no payload.
 */
export async function writeRecordsToPayload(
  db: Db,
  s: Statements,
  jobId: string,
  batchId: string,
  input: readonly ProcessedRecord[],
  transaction?: Transaction,
): Promise<boolean> {
  if (input.length === 0) return true;
  const work = async (t: Transaction): Promise<boolean> => {
    // The row locked first, then read by a statement of its own: a write waiting for another's
    // lock reads that write's outcome (each statement sees what committed before it, under the
    // READ COMMITTED the PostgreSQL and MySQL transactions run with). Without it, concurrent
    // writes lost each other's records (348 of 400 in a scratch run of 20 at once).
    if (db.family !== 'sqlite') await db.select(s.lockPayload(), [jobId, batchId], t);
    const rows = await db.select<PayloadRow>(s.selectPayload(), [jobId, batchId], t);
    const row = rows[0];
    if (row === undefined) return false;
    const merged = new Map<number, ProcessedRecord>();
    for (const record of decodePayload(row)) merged.set(record.index, record);
    const given = lastPerIndex(input);
    for (const record of given) merged.set(record.index, record);
    const all = [...merged.values()].sort((a, b) => a.index - b.index);
    await db.run(
      s.setOutcome(),
      [jobId, batchId, encodeOutcomes(all, true), processedCount(all)],
      t,
    );
    const [low, high] = indexRange(given);
    await db.run(s.deleteBatchRowsInRange(), [jobId, batchId, low, high], t);
    const mirrored = rowRecords(all.filter((r) => r.index >= low && r.index <= high));
    await runWrites(db, recordUpserts(db, s, jobId, batchId, mirrored), t);
    return true;
  };
  return transaction === undefined ? db.transaction(work) : work(transaction);
}

/**
 * Quarantine of a batch with a payload (`reclaimStaleBatches` with `maxAttempts`): its records
 * not processed become failed with `reason`, in its outcome and as rows. No payload: nothing.
 */
export async function failUnprocessedInPayload(
  db: Db,
  s: Statements,
  jobId: string,
  batchId: string,
  reason: string,
  transaction: Transaction,
): Promise<void> {
  const records = await payloadRecords(db, s, jobId, batchId, transaction);
  if (records === undefined || records.length === 0) return;
  const failed = records.map((record) =>
    record.status === 'processed'
      ? record
      : { ...record, status: 'failed' as const, processingError: reason },
  );
  await writeRecordsToPayload(db, s, jobId, batchId, failed, transaction);
}
