import type { ProcessedRecord, RawRecord, ValidationError } from '@batchactions/core';

/**
 * Keeps the last record of each index: one upsert statement may not touch a row twice, and a
 * later record saved with the same index replaces the earlier one.
 */
export function lastPerIndex(records: readonly ProcessedRecord[]): readonly ProcessedRecord[] {
  const seen = new Set<number>();
  for (const record of records) {
    if (seen.has(record.index)) {
      const byIndex = new Map<number, ProcessedRecord>();
      for (const r of records) byIndex.set(r.index, r);
      return [...byIndex.values()];
    }
    seen.add(record.index);
  }
  return records;
}

/**
 * The parsed record to store: `null` (the JSON value, since the published column is NOT NULL)
 * when it is the raw record itself, as for every record not validated yet, so the payload is
 * stored once.
 */
function ownParsed(record: ProcessedRecord): RawRecord | null {
  return record.parsed === record.raw ? null : record.parsed;
}

/**
 * The seven own values of one record row (after job and batch id), in column order. A parsed
 * record that serialises as the raw one is stored as JSON `null` too (the payload once).
 */
export function recordRowValues(record: ProcessedRecord): unknown[] {
  const raw = JSON.stringify(record.raw);
  const parsed = JSON.stringify(ownParsed(record));
  return [
    record.index,
    record.status,
    raw,
    parsed === raw ? 'null' : parsed,
    record.errors.length === 0 ? '[]' : JSON.stringify(record.errors),
    record.processingError ?? null,
    record.retryCount ?? null,
  ];
}

/**
 * Appends the six values of one completed record row (SQLite's in-place completion) to
 * `values`: index, status, parsed (JSON `null` when it is the raw record itself), errors,
 * processing error, retry count. The raw record is not serialised: the stored one stays.
 */
export function pushCompletedRowValues(values: unknown[], record: ProcessedRecord): void {
  values.push(
    record.index,
    record.status,
    record.parsed === record.raw ? 'null' : JSON.stringify(record.parsed),
    record.errors.length === 0 ? '[]' : JSON.stringify(record.errors),
    record.processingError ?? null,
    record.retryCount ?? null,
  );
}

/** The bind values of `completeRecordSql` for one record of batch `batchId` of job `jobId`. */
export function completedRecordValues(
  jobId: string,
  batchId: string,
  record: ProcessedRecord,
): unknown[] {
  return [
    batchId,
    record.status,
    record.parsed === record.raw ? 'null' : JSON.stringify(record.parsed),
    record.errors.length === 0 ? '[]' : JSON.stringify(record.errors),
    record.processingError ?? null,
    record.retryCount ?? null,
    jobId,
    record.index,
  ];
}

/** PostgreSQL text cannot hold NUL characters, which error messages from user code might. */
export function noNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

/**
 * PostgreSQL: records as the seven column parameters of the `ROWS FROM (unnest ...)` input, JSON
 * columns as one JSON array each. PostgreSQL text cannot hold NUL characters, which error
 * messages from user code might: they become U+FFFD.
 */
export function recordColumns(records: readonly ProcessedRecord[]): unknown[] {
  return [
    records.map((r) => r.index),
    records.map((r) => r.status),
    JSON.stringify(records.map((r) => r.raw)),
    JSON.stringify(records.map(ownParsed)),
    JSON.stringify(records.map((r) => r.errors)),
    records.map((r) => (r.processingError === undefined ? null : noNul(r.processingError))),
    records.map((r) => r.retryCount ?? null),
  ];
}

/** A record row as the record queries select it. JSON arrives as text or already parsed, by driver. */
export interface RecordRow {
  readonly recordIndex: number | string;
  readonly status: ProcessedRecord['status'];
  readonly raw: unknown;
  readonly parsed: unknown;
  readonly errors: unknown;
  readonly processingError: string | null;
  readonly retryCount: number | string | null;
}

/**
 * A JSON column's value: drivers hand JSON back as text (SQLite, some MySQL setups) or parsed.
 * The texts every pending record holds (`null`, `[]`) are answered without the parser.
 */
export function jsonValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value === 'null') return null;
  if (value === '[]') return [];
  return JSON.parse(value);
}

export function decodeRecord(row: RecordRow): ProcessedRecord {
  const raw = jsonValue(row.raw) as RawRecord;
  const parsed = jsonValue(row.parsed) as RawRecord | null;
  const errors = jsonValue(row.errors) as ValidationError[] | null;
  return {
    index: Number(row.recordIndex),
    raw,
    parsed: parsed ?? raw,
    status: row.status,
    errors: errors ?? [],
    ...(row.processingError === null ? {} : { processingError: row.processingError }),
    ...(row.retryCount === null ? {} : { retryCount: Number(row.retryCount) }),
  };
}

/**
 * MySQL family: records as JSON documents for `JSON_TABLE`, each an array of at most `maxRows`
 * records and, unless one record alone is larger, `maxChars` characters. A record is `i`
 * index, `s` status, `w` raw, `p` parsed, `e` errors (JSON payloads embedded as JSON values, so
 * each is encoded once and parsed by the server once), `x` processing error, `r` retry count
 * (absent when there is none). Without `withRaw` the raw payloads are left out: a finished
 * batch updates its stored records in place and never resends them.
 */
export function mysqlRecordDocuments(
  records: readonly ProcessedRecord[],
  withRaw: boolean,
  maxRows: number,
  maxChars: number,
): string[] {
  const documents: string[] = [];
  let parts: string[] = [];
  let chars = 0;
  for (const r of records) {
    const part = JSON.stringify({
      i: r.index,
      s: r.status,
      ...(withRaw ? { w: r.raw } : {}),
      p: ownParsed(r),
      e: r.errors,
      ...(r.processingError === undefined ? {} : { x: r.processingError }),
      ...(r.retryCount === undefined ? {} : { r: r.retryCount }),
    });
    if (parts.length > 0 && (parts.length >= maxRows || chars + part.length > maxChars)) {
      documents.push(`[${parts.join(',')}]`);
      parts = [];
      chars = 0;
    }
    parts.push(part);
    chars += part.length + 1;
  }
  if (parts.length > 0) documents.push(`[${parts.join(',')}]`);
  return documents;
}
