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
  return sameJson(record.parsed, record.raw) ? null : record.parsed;
}

/**
 * Whether two records serialise to the same JSON. Flat records of primitives (the usual case)
 * are compared key by key, in order, without serialising them; anything else falls back to
 * comparing `JSON.stringify` output.
 */
function sameJson(a: ProcessedRecord['parsed'], b: ProcessedRecord['raw']): boolean {
  // Typed as records, but stored values come from user code: check before reading keys.
  const objects: unknown[] = [a, b];
  if (objects.some((value) => typeof value !== 'object' || value === null)) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return JSON.stringify(a) === JSON.stringify(b);
  for (let i = 0; i < aKeys.length; i += 1) {
    const key = aKeys[i] as string;
    const value: unknown = a[key];
    const plainEqual =
      key === bKeys[i] &&
      value === b[key] &&
      (typeof value === 'string' ||
        typeof value === 'boolean' ||
        value === null ||
        (typeof value === 'number' && Number.isFinite(value)));
    if (!plainEqual) return JSON.stringify(a) === JSON.stringify(b);
  }
  return true;
}

/** Splits records into the columns of one bulk write. */
export function encodeRecords(input: readonly ProcessedRecord[]): RecordColumns {
  const columns = splitRecords(input);
  return { ...columns, raws: JSON.stringify(columns.raws) };
}

/**
 * Splits records into the columns of an in-place update of their outcome: {@link RecordColumns}
 * without the raw payloads (never serialised).
 */
export function encodeOutcomes(input: readonly ProcessedRecord[]): Omit<RecordColumns, 'raws'> {
  const { raws: _raws, ...outcome } = splitRecords(input);
  return outcome;
}

/** The parameters of an outcome update, in the order `recordOutcomeInput` expects. */
export function outcomeParameters(columns: Omit<RecordColumns, 'raws'>): unknown[] {
  return [
    columns.indexes,
    columns.statuses,
    columns.parsed,
    columns.errors,
    columns.processingErrors,
    columns.retryCounts,
  ];
}

/** {@link RecordColumns} with the raw payloads still as values (serialised only when sent). */
function splitRecords(
  input: readonly ProcessedRecord[],
): Omit<RecordColumns, 'raws'> & { readonly raws: ProcessedRecord['raw'][] } {
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
    raws,
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
