import {
  checkListPage,
  type BatchListEntry,
  type BatchListPage,
  type BatchStatusEntry,
  type BatchStatus,
  type FailedRecordPage,
  type ProcessedRecord,
} from '@batchactions/core';
import { forFamily, type Db } from './db';
import { decodeRecord, type RecordRow } from './record-codec';
import { listBatchesSql, listBatchStatusesSql, listFailedRecordsSql } from './sql/listing-sql';
import type { QuotedTables } from './sql/tables';

type Count = number | string | bigint;

interface BatchRow {
  readonly id: string;
  readonly batchIndex: Count;
  readonly status: BatchStatus;
  readonly recordStartIndex: Count;
  readonly recordEndIndex: Count;
  readonly processedCount: Count;
  readonly failedCount: Count;
  readonly attempt: Count | null;
  readonly workerId: string | null;
  readonly error: string | null;
  readonly ageMs: Count | null;
  readonly completedAt: Count | null;
  readonly durationMs: Count | null;
}

/**
 * A page of the job's batches in index order (one query on the batches' unique index).
 * @throws InvalidOptionError for a bad `afterIndex` or `limit`.
 */
export async function listBatches(
  db: Db,
  t: QuotedTables,
  jobId: string,
  page?: BatchListPage,
): Promise<readonly BatchListEntry[]> {
  const { afterIndex, limit } = checkListPage(page);
  const rows = await db.select<BatchRow>(
    forFamily(db.family, listBatchesSql(t, db.family, limit)),
    [jobId, afterIndex],
  );
  return rows.map((row) => ({
    batchId: row.id,
    batchIndex: Number(row.batchIndex),
    status: row.status,
    recordStartIndex: Number(row.recordStartIndex),
    recordEndIndex: Number(row.recordEndIndex),
    processedCount: Number(row.processedCount),
    failedCount: Number(row.failedCount),
    attempt: Number(row.attempt ?? 0),
    ...(row.workerId === null || row.workerId === '' ? {} : { workerId: row.workerId }),
    ...(row.ageMs === null ? {} : { heartbeatAgeMs: Math.max(0, Number(row.ageMs)) }),
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.completedAt === null ? {} : { completedAt: Number(row.completedAt) }),
    ...(row.durationMs === null ? {} : { durationMs: Math.max(0, Number(row.durationMs)) }),
  }));
}

interface StatusRow {
  readonly batchIndex: Count;
  readonly status: BatchStatus;
  readonly failedCount: Count;
  readonly ageMs: Count | null;
}

/**
 * A page of the job's batches with only index, status, failed count and heartbeat age (one
 * query on the batches' unique index).
 * @throws InvalidOptionError for a bad `afterIndex` or `limit`.
 */
export async function listBatchStatuses(
  db: Db,
  t: QuotedTables,
  jobId: string,
  page?: BatchListPage,
): Promise<readonly BatchStatusEntry[]> {
  const { afterIndex, limit } = checkListPage(page);
  const sql = forFamily(db.family, listBatchStatusesSql(t, db.family, limit));
  const rows = await db.select<StatusRow>(sql, [jobId, afterIndex]);
  return rows.map((row) => ({
    batchIndex: Number(row.batchIndex),
    status: row.status,
    failedCount: Number(row.failedCount),
    ...(row.ageMs === null ? {} : { heartbeatAgeMs: Math.max(0, Number(row.ageMs)) }),
  }));
}

/**
 * A page of the job's invalid and failed records in index order (one query on the records'
 * (`jobId`, `status`) index).
 * @throws InvalidOptionError for a bad `afterIndex` or `limit`.
 */
export async function listFailedRecords(
  db: Db,
  t: QuotedTables,
  jobId: string,
  page?: FailedRecordPage,
): Promise<readonly ProcessedRecord[]> {
  const { afterIndex, limit } = checkListPage(page);
  const rows = await db.select<RecordRow>(forFamily(db.family, listFailedRecordsSql(t, limit)), [
    jobId,
    afterIndex,
  ]);
  return rows.map(decodeRecord);
}
