import type { ParsedRecord, ValidationError } from '@batchactions/core';
import { describeValue } from './describe-value';
import { isMissingValue } from './missing-value';

/** Key under which a value is remembered: text as-is (case-sensitive), others as JSON. */
function uniquenessKey(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** One present value of a unique field, with the key it is compared by. */
export interface UniqueFieldValue {
  readonly field: string;
  /** The value as compared: text as-is (case-sensitive), other values as JSON. */
  readonly key: string;
  readonly value: unknown;
}

/** The record's present values of `fields` (missing values are never duplicates). */
export function uniqueFieldValues(
  record: ParsedRecord,
  fields: readonly string[],
): UniqueFieldValue[] {
  const out: UniqueFieldValue[] = [];
  for (const field of fields) {
    const value = record[field];
    if (!isMissingValue(value)) out.push({ field, key: uniquenessKey(value), value });
  }
  return out;
}

/**
 * Enforces `uniqueFields` within one process: remembers every value seen per field and reports
 * `DUPLICATE_VALUE` for repeats. Comparison is case-sensitive on the value's text (so `1` and
 * `"1"` collide); missing values are ignored. Memory grows with the number of distinct values.
 */
export class UniqueValueTracker {
  private readonly seen: ReadonlyMap<string, Set<string>>;

  constructor(uniqueFields: readonly string[]) {
    this.seen = new Map(uniqueFields.map((field) => [field, new Set<string>()]));
  }

  /**
   * Returns one `DUPLICATE_VALUE` error per unique field whose value was already seen, and
   * remembers the values that were new. An empty array means the record is unique.
   */
  check(record: ParsedRecord): ValidationError[] {
    const errors: ValidationError[] = [];
    for (const [field, values] of this.seen) {
      const value = record[field];
      if (isMissingValue(value)) continue;
      const key = uniquenessKey(value);
      if (values.has(key)) {
        errors.push({
          field,
          code: 'DUPLICATE_VALUE',
          message: `Field "${field}" has duplicate value ${describeValue(value)}: an earlier record already has it`,
          value,
        });
      } else {
        values.add(key);
      }
    }
    return errors;
  }
}
