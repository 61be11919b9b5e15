import type { DistributedStateStore, ProcessedRecord, RawRecord } from '@batchactions/core';

/** One failed or invalid record as the table shows it. */
export interface FailedRow {
  /** 1-based source row (`index + 1`), as the CSV export numbers it. */
  readonly row: number;
  readonly index: number;
  readonly status: 'invalid' | 'failed';
  readonly raw: RawRecord;
  /** The findings (warnings left out). */
  readonly errors: readonly { field: string; code: string; message: string }[];
  readonly processingError?: string;
}

/** What the failed-records table asks for. */
export interface FailedQuery {
  /** Records after this index. */
  readonly afterIndex: number;
  readonly limit: number;
  /** Only records with a finding on this field (exact), when not empty. */
  readonly field: string;
  /** Only records with a finding of this code, or whose processing error contains it. */
  readonly code: string;
}

/** A page of the table. */
export interface FailedPage {
  readonly records: readonly FailedRow[];
  /** Give as `afterIndex` for the next page; absent on the last page. */
  readonly nextAfterIndex?: number;
}

/** Records read per store call while a filter looks for matches. */
const SCAN_CHUNK = 500;
/** A filter stops after reading this many failed records and offers the next page from there. */
const SCAN_LIMIT = 20_000;

function rowOf(record: ProcessedRecord): FailedRow {
  return {
    row: record.index + 1,
    index: record.index,
    status: record.status === 'invalid' ? 'invalid' : 'failed',
    raw: record.raw,
    errors: record.errors
      .filter((e) => e.severity !== 'warning')
      .map((e) => ({ field: e.field, code: e.code, message: e.message })),
    ...(record.processingError === undefined ? {} : { processingError: record.processingError }),
  };
}

function matches(row: FailedRow, query: FailedQuery): boolean {
  const byField = query.field === '' || row.errors.some((e) => e.field === query.field);
  const byCode =
    query.code === '' ||
    row.errors.some(
      (e) => e.code === query.code && (query.field === '' || e.field === query.field),
    ) ||
    (row.processingError?.includes(query.code) ?? false);
  return byField && byCode;
}

/** Reads failed records in index order after `afterIndex`, `limit` at most. */
function reader(
  store: DistributedStateStore,
  jobId: string,
): (afterIndex: number, limit: number) => Promise<readonly ProcessedRecord[]> {
  if (store.listFailedRecords) {
    const list = store.listFailedRecords.bind(store);
    return (afterIndex, limit) => list(jobId, { afterIndex, limit });
  }
  // Stores without the page read every failed record each time: correct, not cheap.
  return async (afterIndex, limit) =>
    (await store.getFailedRecords(jobId)).filter((r) => r.index > afterIndex).slice(0, limit);
}

/**
 * A page of the job's failed and invalid records, filtered by field and error code. Without a
 * filter: one `listFailedRecords` call. With one: chunks of 500 until the page is full, at most
 * 20,000 records read per request (the next page goes on from there).
 */
export async function readFailedPage(
  store: DistributedStateStore,
  jobId: string,
  query: FailedQuery,
): Promise<FailedPage> {
  const read = reader(store, jobId);
  const filtered = query.field !== '' || query.code !== '';
  if (!filtered) {
    const records = await read(query.afterIndex, query.limit + 1);
    const rows = records.slice(0, query.limit).map(rowOf);
    const last = rows.at(-1);
    return records.length > query.limit && last !== undefined
      ? { records: rows, nextAfterIndex: last.index }
      : { records: rows };
  }
  const found: FailedRow[] = [];
  let afterIndex = query.afterIndex;
  let scanned = 0;
  for (;;) {
    const chunk = await read(afterIndex, SCAN_CHUNK);
    for (const record of chunk) {
      afterIndex = record.index;
      scanned += 1;
      const row = rowOf(record);
      if (matches(row, query)) {
        found.push(row);
        if (found.length === query.limit) return { records: found, nextAfterIndex: afterIndex };
      }
    }
    if (chunk.length < SCAN_CHUNK) return { records: found };
    if (scanned >= SCAN_LIMIT) return { records: found, nextAfterIndex: afterIndex };
  }
}
