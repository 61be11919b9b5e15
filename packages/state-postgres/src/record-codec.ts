import type { ProcessedRecord, RawRecord, ValidationError } from '@batchactions/core';

/**
 * Records of one write, column by column: the shape the record queries unpack with
 * `ROWS FROM (unnest(...), json_array_elements(...))`.
 *
 * JSON payloads travel as ONE JSON array per column rather than as a `text[]` of JSON strings:
 * `pg` escapes every element of an array parameter, which for JSON (full of quotes) cost about
 * four times as much client time as `JSON.stringify` of the whole array, and the statement ran
 * about 20% slower overall.
 */
export interface RecordColumns {
  readonly count: number;
  readonly indexes: number[];
  readonly statuses: string[];
  /** JSON array of the raw records. */
  readonly raws: string;
  /** JSON array of parsed records (null where equal to raw), or null when all are. */
  readonly parsed: string | null;
  /** JSON array of error lists (null where empty), or null when all are empty. */
  readonly errors: string | null;
  /** Processing errors (null where absent), or null when all are absent. */
  readonly processingErrors: (string | null)[] | null;
  /** Retry counts (null where absent), or null when all are absent. */
  readonly retryCounts: (number | null)[] | null;
}

/** PostgreSQL text cannot hold NUL characters; error messages from user code might. */
export function toPgText(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

/**
 * Keeps the last record of each index: one upsert statement may not touch a row twice, and a
 * later record saved with the same index replaces the earlier one.
 */
function lastPerIndex(records: readonly ProcessedRecord[]): readonly ProcessedRecord[] {
  const seen = new Set<number>();
  let duplicates = false;
  for (const record of records) {
    if (seen.has(record.index)) {
      duplicates = true;
      break;
    }
    seen.add(record.index);
  }
  if (!duplicates) return records;
  const byIndex = new Map<number, ProcessedRecord>();
  for (const record of records) byIndex.set(record.index, record);
  return [...byIndex.values()];
}

/**
 * The parsed record to store: null when it equals the raw one (every record not validated yet,
 * and validated records without transforms), so the payload is kept once.
 */
function ownParsed(record: ProcessedRecord): ProcessedRecord['parsed'] | null {
  if (record.parsed === record.raw) return null;
  return JSON.stringify(record.parsed) === JSON.stringify(record.raw) ? null : record.parsed;
}

/** Splits records into the columns of one bulk write. */
export function encodeRecords(input: readonly ProcessedRecord[]): RecordColumns {
  const records = lastPerIndex(input);
  const count = records.length;
  const indexes = new Array<number>(count);
  const statuses = new Array<string>(count);
  const raws = new Array<ProcessedRecord['raw']>(count);
  const parsed = new Array<ProcessedRecord['parsed'] | null>(count);
  const errors = new Array<ProcessedRecord['errors'] | null>(count);
  const processingErrors = new Array<string | null>(count);
  const retryCounts = new Array<number | null>(count);
  let anyParsed = false;
  let anyErrors = false;
  let anyProcessingError = false;
  let anyRetryCount = false;

  for (let i = 0; i < count; i += 1) {
    const record = records[i] as ProcessedRecord;
    indexes[i] = record.index;
    statuses[i] = record.status;
    raws[i] = record.raw;
    const own = ownParsed(record);
    parsed[i] = own;
    if (own !== null) anyParsed = true;
    if (record.errors.length > 0) {
      errors[i] = record.errors;
      anyErrors = true;
    } else {
      errors[i] = null;
    }
    if (record.processingError === undefined) {
      processingErrors[i] = null;
    } else {
      processingErrors[i] = toPgText(record.processingError);
      anyProcessingError = true;
    }
    if (record.retryCount === undefined) {
      retryCounts[i] = null;
    } else {
      retryCounts[i] = record.retryCount;
      anyRetryCount = true;
    }
  }

  // One JSON.stringify per column: far cheaper than one per record.
  return {
    count,
    indexes,
    statuses,
    raws: JSON.stringify(raws),
    parsed: anyParsed ? JSON.stringify(parsed) : null,
    errors: anyErrors ? JSON.stringify(errors) : null,
    processingErrors: anyProcessingError ? processingErrors : null,
    retryCounts: anyRetryCount ? retryCounts : null,
  };
}

/** The parameters of {@link RecordColumns}, in the order the record queries expect. */
export function recordParameters(columns: RecordColumns): unknown[] {
  return [
    columns.indexes,
    columns.statuses,
    columns.raws,
    columns.parsed,
    columns.errors,
    columns.processingErrors,
    columns.retryCounts,
  ];
}

/** A `records` row as the record queries select it (JSON columns as text). */
export interface RecordRow {
  readonly record_index: number;
  readonly status: ProcessedRecord['status'];
  readonly raw: string;
  readonly parsed: string | null;
  readonly errors: string | null;
  readonly processing_error: string | null;
  readonly retry_count: number | null;
}

/**
 * A stored record. JSON columns are selected as text and parsed here, so that a pool with
 * custom type parsers for `json` still round-trips records exactly.
 */
export function decodeRecord(row: RecordRow): ProcessedRecord {
  const raw = JSON.parse(row.raw) as RawRecord;
  const parsed = row.parsed === null ? null : (JSON.parse(row.parsed) as RawRecord | null);
  const errors = row.errors === null ? null : (JSON.parse(row.errors) as ValidationError[] | null);
  return {
    index: row.record_index,
    raw,
    parsed: parsed ?? raw,
    status: row.status,
    errors: errors ?? [],
    ...(row.processing_error === null ? {} : { processingError: row.processing_error }),
    ...(row.retry_count === null ? {} : { retryCount: row.retry_count }),
  };
}
