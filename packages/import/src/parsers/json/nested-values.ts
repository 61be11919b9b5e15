import type { RawRecord } from '@batchactions/core';
import { defineField } from '../../schema/field-alias-resolver';

/**
 * Published value conversion (top level only): an object or array value becomes its
 * `JSON.stringify` text; strings, numbers, booleans and `null` are kept. Key order is kept.
 */
export function nestedValuesAsText(record: RawRecord): RawRecord {
  let out: RawRecord | undefined;
  for (const key in record) {
    const value = record[key];
    if (typeof value !== 'object' || value === null) continue;
    out ??= { ...record };
    defineField(out, key, JSON.stringify(value));
  }
  return out ?? record;
}
