import type { ProcessedRecord, RawRecord, ValidationError } from '@batchactions/core';

/** Whether the records' indexes rise strictly (the usual case: no index twice). */
export function increasing(records: readonly ProcessedRecord[]): boolean {
  for (let i = 1; i < records.length; i += 1) {
    if ((records[i] as ProcessedRecord).index <= (records[i - 1] as ProcessedRecord).index) {
      return false;
    }
  }
  return true;
}

/**
 * Keeps the last record of each index: one upsert statement may not touch a row twice, and a
 * later record saved with the same index replaces the earlier one.
 */
export function lastPerIndex(records: readonly ProcessedRecord[]): readonly ProcessedRecord[] {
  if (increasing(records)) return records;
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
 * when it serialises as the raw record does: the raw record itself, as for every record not
 * validated yet, or a validated copy without transforms. The payload is then stored once.
 */
export function ownParsed(record: ProcessedRecord): RawRecord | null {
  if (record.parsed === record.raw) return null;
  return sameJson(record.parsed, record.raw) ? null : record.parsed;
}

/**
 * Whether two records serialise to the same JSON. Flat records of primitives (the usual case)
 * are compared key by key, in order, without serialising them; anything else falls back to
 * comparing `JSON.stringify` output.
 */
function sameJson(a: RawRecord, b: RawRecord): boolean {
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

/**
 * Appends the seven own values of one record row (after job and batch id), in column order, to
 * `values`, and returns the characters of JSON they hold. An absent parsed record (or one that
 * serialises as the raw one: the payload is stored once) and an empty finding list are SQL
 * NULL: the statement stores them as its table needs (see `upsertRecordsValuesSql`).
 */
export function pushRecordRowValues(values: unknown[], record: ProcessedRecord): number {
  const raw = JSON.stringify(record.raw);
  const own = ownParsed(record);
  let parsed: string | null = own === null ? null : JSON.stringify(own);
  if (parsed === raw) parsed = null;
  const errors = record.errors.length === 0 ? null : JSON.stringify(record.errors);
  values.push(
    record.index,
    record.status,
    raw,
    parsed,
    errors,
    record.processingError ?? null,
    record.retryCount ?? null,
  );
  return raw.length + (parsed?.length ?? 0) + (errors?.length ?? 0);
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
  const [indexes, statuses, ...rest] = outcomeColumns(records);
  return [indexes, statuses, JSON.stringify(records.map((r) => r.raw)), ...rest];
}

/**
 * PostgreSQL: the six column parameters of an in-place update of records' outcomes
 * ({@link recordColumns} without the raw payloads, which are neither serialised nor sent). A
 * column no record has a value for (no own parsed record, no errors, no processing error, no
 * retry count: every record of a prepare) is sent as NULL, not as an array of empty values:
 * `ROWS FROM` pads it, and the statements store JSON `null` and `[]` for the JSON ones.
 */
export function outcomeColumns(records: readonly ProcessedRecord[]): unknown[] {
  const parsed = records.map(ownParsed);
  return [
    records.map((r) => r.index),
    records.map((r) => r.status),
    parsed.some((p) => p !== null) ? JSON.stringify(parsed) : null,
    records.some((r) => r.errors.length > 0) ? JSON.stringify(records.map((r) => r.errors)) : null,
    records.some((r) => r.processingError !== undefined)
      ? records.map((r) => (r.processingError === undefined ? null : noNul(r.processingError)))
      : null,
    records.some((r) => r.retryCount !== undefined)
      ? records.map((r) => r.retryCount ?? null)
      : null,
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
