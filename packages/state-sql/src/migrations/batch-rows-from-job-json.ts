import { chunks, forFamily, type Db, type Transaction } from '../db';
import { insertBatchesSql } from '../sql/batch-sql';
import type { QuotedTables } from '../sql/tables';
import { jsonValue } from '../record-codec';

/** A batch descriptor as 0.0.4/0.0.5 kept it in the job row's `batches` JSON. */
interface PublishedBatchEntry {
  readonly id?: unknown;
  readonly index?: unknown;
  readonly status?: unknown;
  readonly processedCount?: unknown;
  readonly failedCount?: unknown;
  readonly recordStartIndex?: unknown;
  readonly recordEndIndex?: unknown;
}

interface RangeRow {
  readonly batchId: string;
  readonly first: number | string;
  readonly last: number | string;
}

const BATCH_STATUSES = new Set(['PENDING', 'PROCESSING', 'PAUSED', 'COMPLETED', 'FAILED']);

function count(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

/**
 * Version 3: the batch rows that 0.0.5 never wrote. Its `saveJobState` kept the batch list only
 * in the job row's `batches` JSON, so `claimBatch` (which reads the batches table) found nothing
 * and every distributed job stayed PROCESSING forever. For each job row, every listed batch
 * without a row gets one, with the status and counters the list had (a batch the list shows
 * PROCESSING was held by a worker of the old version, long gone: it goes back to PENDING).
 * Record ranges missing from 0.0.4 lists come from the batch's stored records.
 */
export async function batchRowsFromJobJson(
  db: Db,
  t: QuotedTables,
  transaction: Transaction,
): Promise<void> {
  const jobs = await db.select<{ id: string; batches: unknown }>(
    forFamily(db.family, `SELECT "id", "batches" FROM ${t.jobs}`),
    [],
    transaction,
  );
  for (const job of jobs) {
    const entries = jsonValue(job.batches);
    if (!Array.isArray(entries) || entries.length === 0) continue;
    const ranges = await db.select<RangeRow>(
      forFamily(
        db.family,
        `SELECT "batchId", min("recordIndex") AS "first", max("recordIndex") AS "last"
         FROM ${t.records} WHERE "jobId" = $1 GROUP BY "batchId"`,
      ),
      [job.id],
      transaction,
    );
    const rangeOf = new Map(ranges.map((r) => [r.batchId, r]));
    const rows = (entries as PublishedBatchEntry[]).flatMap((entry) => {
      if (typeof entry.id !== 'string' || typeof entry.index !== 'number') return [];
      const range = rangeOf.get(entry.id);
      const start = count(entry.recordStartIndex ?? (range ? Number(range.first) : 0));
      const end =
        typeof entry.recordEndIndex === 'number'
          ? entry.recordEndIndex
          : range
            ? Number(range.last)
            : start - 1;
      const status =
        typeof entry.status === 'string' && BATCH_STATUSES.has(entry.status)
          ? entry.status === 'PROCESSING'
            ? 'PENDING'
            : entry.status
          : 'PENDING';
      return [
        [
          entry.id,
          job.id,
          entry.index,
          status,
          null,
          null,
          start,
          end,
          count(entry.processedCount),
          count(entry.failedCount),
          0,
          null,
        ],
      ];
    });
    for (const part of chunks(rows, 500)) {
      await db.run(
        forFamily(db.family, insertBatchesSql(t, db.family, part.length)),
        part.flat(),
        transaction,
      );
    }
  }
}
