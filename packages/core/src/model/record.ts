import type { ValidationError } from './validation';
import { hasOnlyCoreFields } from './core-fields';

/** A record as the parser produced it: field name to raw value. */
export type RawRecord = Record<string, unknown>;
/** A record after aliases, transforms and defaults were applied. */
export type ParsedRecord = Record<string, unknown>;

/**
 * Lifecycle of a record: `pending` after prepare, `valid`/`invalid` after validation,
 * `processed`/`failed` after the processor ran.
 */
export type RecordStatus = 'pending' | 'valid' | 'invalid' | 'processed' | 'failed';

/**
 * The statuses each record query of the store port returns: `getFailedRecords` (invalid or
 * failed), `getPendingRecords` (not processed yet) and `getProcessedRecords`.
 */
export const RECORD_STATUS_GROUPS = {
  failed: ['invalid', 'failed'],
  pending: ['pending', 'valid'],
  processed: ['processed'],
} as const satisfies Record<string, readonly RecordStatus[]>;

/** A record with everything known about it. Immutable: helpers return new objects. */
export interface ProcessedRecord {
  /** 0-based position of the record in the source (after empty rows were skipped). */
  readonly index: number;
  readonly raw: RawRecord;
  readonly parsed: ParsedRecord;
  readonly status: RecordStatus;
  /** Validation findings, warnings included. */
  readonly errors: readonly ValidationError[];
  /** Message of the last processor error, for `failed` records. */
  readonly processingError?: string;
  /** How many times the processor was retried for this record. */
  readonly retryCount?: number;
}

/** A freshly parsed record, not yet validated. */
export function createPendingRecord(index: number, raw: RawRecord): ProcessedRecord {
  return { index, raw, parsed: raw, status: 'pending', errors: [] };
}

/** The record passed validation; `warnings` are kept on it. */
export function markRecordValid(
  record: ProcessedRecord,
  parsed: ParsedRecord,
  warnings: readonly ValidationError[] = [],
): ProcessedRecord {
  if (!hasOnlyCoreFields(record)) return { ...record, parsed, status: 'valid', errors: warnings };
  return { index: record.index, raw: record.raw, parsed, status: 'valid', errors: warnings };
}

/** The record failed validation. */
export function markRecordInvalid(
  record: ProcessedRecord,
  errors: readonly ValidationError[],
  parsed?: ParsedRecord,
): ProcessedRecord {
  return { ...record, parsed: parsed ?? record.parsed, status: 'invalid', errors };
}

/** The processor (or a processing hook) failed for this record. */
export function markRecordFailed(
  record: ProcessedRecord,
  error: string,
  retryCount?: number,
): ProcessedRecord {
  return {
    ...record,
    status: 'failed',
    processingError: error,
    ...(retryCount === undefined ? {} : { retryCount }),
  };
}

/** The processor succeeded for this record. */
export function markRecordProcessed(record: ProcessedRecord, retryCount?: number): ProcessedRecord {
  return { ...record, status: 'processed', ...(retryCount === undefined ? {} : { retryCount }) };
}

/**
 * True when every own enumerable value is `undefined`, `null` or `''` (a row without keys is
 * empty). Whitespace strings, `0`, `false` and `[]` are values, not emptiness.
 */
export function isEmptyRow(row: RawRecord): boolean {
  for (const value of Object.values(row)) {
    if (value !== undefined && value !== null && value !== '') return false;
  }
  return true;
}

/** True for records that count as failed in totals (`invalid` or `failed`). */
export function isFailedRecord(record: ProcessedRecord): boolean {
  return (RECORD_STATUS_GROUPS.failed as readonly RecordStatus[]).includes(record.status);
}
