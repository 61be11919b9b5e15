import type { RawRecord } from '@batchactions/core';
import { defineField } from '../../schema/field-alias-resolver';

/** Key under which surplus values of a row longer than the header are kept (published). */
export const EXTRA_FIELDS_KEY = '__parsed_extra';

/**
 * Published header naming: a repeated name gets a numeric suffix (`a`, `a_1`, `a_2`), skipping
 * suffixes that another column already uses.
 */
export function uniqueHeaderNames(header: readonly string[]): string[] {
  const used = new Set(header);
  const counts = new Map<string, number>();
  const out: string[] = [];
  const taken = new Set<string>();
  for (const name of header) {
    if (!taken.has(name)) {
      taken.add(name);
      out.push(name);
      continue;
    }
    let suffix = counts.get(name) ?? 0;
    let candidate: string;
    do {
      suffix += 1;
      candidate = `${name}_${suffix}`;
    } while (taken.has(candidate) || used.has(candidate));
    counts.set(name, suffix);
    taken.add(candidate);
    out.push(candidate);
  }
  return out;
}

function isBlankRow(row: readonly string[]): boolean {
  for (const value of row) if (value !== '') return false;
  return true;
}

/**
 * Turns csv-parse's string arrays into records as published: keyed by the header (or by column
 * number, `'0'`, `'1'`…, without one); a short row lacks the missing keys; a long row keeps the
 * surplus under `__parsed_extra`; rows whose values are all `''` are dropped.
 */
export class CsvRecordShaper {
  private header: readonly string[] | undefined;

  constructor(columns: readonly string[] | undefined, hasHeader: boolean) {
    this.header = columns ?? (hasHeader ? undefined : []);
  }

  /** The record for a row, or `undefined` for the header row and all-empty rows. */
  shape(row: readonly string[]): RawRecord | undefined {
    if (this.header === undefined) {
      this.header = uniqueHeaderNames(row);
      return undefined;
    }
    if (isBlankRow(row)) return undefined;
    const header = this.header;
    const record: RawRecord = {};
    if (header.length === 0) {
      row.forEach((value, index) => (record[String(index)] = value));
      return record;
    }
    const count = Math.min(row.length, header.length);
    for (let i = 0; i < count; i++) defineField(record, header[i] as string, row[i]);
    if (row.length > header.length) record[EXTRA_FIELDS_KEY] = row.slice(header.length);
    return record;
  }
}
