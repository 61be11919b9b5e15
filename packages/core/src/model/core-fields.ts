import type { ProcessedRecord } from './record';

/** The own fields of a record as it is created, in order. */
const CORE_FIELDS = ['index', 'raw', 'parsed', 'status', 'errors'] as const;

/**
 * Whether `record`'s enumerable fields are exactly `index`, `raw`, `parsed`, `status`,
 * `errors`, in that order (no `processingError`, `retryCount` or other field): then
 * `{ ...record, … }` and an object literal of those fields give the same object, and the
 * literal is much cheaper (the per-record copies of the pipeline).
 */
export function hasOnlyCoreFields(record: ProcessedRecord): boolean {
  let count = 0;
  for (const key in record) {
    if (key !== CORE_FIELDS[count]) return false;
    count += 1;
  }
  return count === CORE_FIELDS.length;
}
