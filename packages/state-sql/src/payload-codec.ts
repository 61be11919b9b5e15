import type { ProcessedRecord, RawRecord, RecordStatus, ValidationError } from '@batchactions/core';
import { ownParsed } from './record-codec';

/**
 * One record in a batch payload (issue 28), keys kept short: `i` index, `s` status, `w` raw
 * record, `p` parsed record (absent when it is the raw record), `e` errors (absent when none),
 * `x` processing error, `r` retry count (absent when there is none). In an outcome, `w` is
 * absent unless the record was written by a per-record method (which may bring a new raw).
 */
interface PayloadEntry {
  readonly i: number;
  readonly s: RecordStatus;
  readonly w?: RawRecord;
  readonly p?: RawRecord;
  readonly e?: ValidationError[];
  readonly x?: string;
  readonly r?: number;
}

/** The statuses whose records keep a row in the records table beside the payload. */
export const ROW_STATUSES: ReadonlySet<string> = new Set<RecordStatus>(['invalid', 'failed']);

function entry(record: ProcessedRecord, withRaw: boolean): PayloadEntry {
  const parsed = ownParsed(record);
  return {
    i: record.index,
    s: record.status,
    ...(withRaw ? { w: record.raw } : {}),
    ...(parsed === null ? {} : { p: parsed }),
    ...(record.errors.length === 0 ? {} : { e: record.errors }),
    ...(record.processingError === undefined ? {} : { x: record.processingError }),
    ...(record.retryCount === undefined ? {} : { r: record.retryCount }),
  };
}

/** The `records` value of a payload: every record with its raw record, as one JSON array. */
export function encodePreparedRecords(records: readonly ProcessedRecord[]): string {
  return JSON.stringify(records.map((record) => entry(record, true)));
}

/**
 * The `outcome` value of a payload: every record's result, as one JSON array; raw records only
 * `withRaw` (the per-record methods), since a completed batch's raw records are those stored.
 */
export function encodeOutcomes(records: readonly ProcessedRecord[], withRaw: boolean): string {
  return JSON.stringify(records.map((record) => entry(record, withRaw)));
}

/** A payload row as the payload queries select it. */
export interface PayloadRow {
  readonly batchId: string;
  readonly records: string;
  readonly outcome: string | null;
}

function fromEntry(e: PayloadEntry, raw: RawRecord): ProcessedRecord {
  return {
    index: e.i,
    raw,
    parsed: e.p ?? raw,
    status: e.s,
    errors: e.e ?? [],
    ...(e.x === undefined ? {} : { processingError: e.x }),
    ...(e.r === undefined ? {} : { retryCount: e.r }),
  };
}

/**
 * The records of a payload row in index order: the stored records with the outcome's results
 * over them. An outcome entry for an index the records do not hold brings its raw record (or,
 * written without one, its parsed record stands for it).
 */
export function decodePayload(row: PayloadRow): ProcessedRecord[] {
  const prepared = JSON.parse(row.records) as PayloadEntry[];
  const byIndex = new Map<number, ProcessedRecord>();
  for (const e of prepared) byIndex.set(e.i, fromEntry(e, e.w ?? null));
  if (row.outcome !== null) {
    for (const e of JSON.parse(row.outcome) as PayloadEntry[]) {
      const raw = e.w ?? byIndex.get(e.i)?.raw ?? e.p ?? null;
      byIndex.set(e.i, fromEntry(e, raw as RawRecord));
    }
  }
  const out = [...byIndex.values()];
  if (!sortedByIndex(out)) out.sort((a, b) => a.index - b.index);
  return out;
}

function sortedByIndex(records: readonly ProcessedRecord[]): boolean {
  for (let i = 1; i < records.length; i += 1) {
    if ((records[i] as ProcessedRecord).index < (records[i - 1] as ProcessedRecord).index) {
      return false;
    }
  }
  return true;
}

/** How many of `records` are processed (a payload's `processedCount`). */
export function processedCount(records: readonly ProcessedRecord[]): number {
  let n = 0;
  for (const record of records) if (record.status === 'processed') n += 1;
  return n;
}
