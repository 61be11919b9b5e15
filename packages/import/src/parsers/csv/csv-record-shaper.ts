import type { RawRecord } from '@batchactions/core';
import { CsvColumnCountError } from '../../errors/parse-error';
import { MALFORMED_ROW_KEY } from '../../schema/malformed-row';
import { defineField } from '../../schema/field-alias-resolver';
import type { MalformedRowsMode } from './csv-parser-options';

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

/**
 * `name` as the string V8 keeps for it as a property key (the same characters): a store with it
 * as key then matches the store site's cached key at once; a name csv-parse made is a fresh
 * string that would send every store of it to a generic lookup.
 */
function asKey(name: string): string {
  return Object.keys({ [name]: 0 })[0] ?? name;
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
  /** Data rows seen (1-based number of the current one), all-empty rows included. */
  private dataRows = 0;

  /**
   * @param resume Where a resumed parse goes on from: the header in use and the data rows
   *   already seen (see `CsvParser.parseStreamFrom`).
   */
  constructor(
    columns: readonly string[] | undefined,
    hasHeader: boolean,
    private readonly malformedRows: MalformedRowsMode = 'keep',
    resume?: { readonly header: readonly string[]; readonly dataRows: number },
  ) {
    const header = resume?.header ?? columns ?? (hasHeader ? undefined : []);
    this.header = header === undefined ? undefined : header.map(asKey);
    this.dataRows = resume?.dataRows ?? 0;
  }

  /** The header in use (`[]`: keyed by column number), or `undefined` before the header row. */
  get columns(): readonly string[] | undefined {
    return this.header;
  }

  /** Data rows seen so far, all-empty rows included. */
  get rowsSeen(): number {
    return this.dataRows;
  }

  /**
   * The record for a row, or `undefined` for the header row and all-empty rows. `line` (the
   * row's last line in the input) is needed only when malformed rows are not kept as published.
   */
  shape(row: readonly string[], line?: number): RawRecord | undefined {
    if (this.header === undefined) {
      this.header = uniqueHeaderNames(row).map(asKey);
      return undefined;
    }
    this.dataRows += 1;
    if (isBlankRow(row)) return undefined;
    const header = this.header;
    if (this.malformedRows !== 'keep' && header.length > 0 && row.length !== header.length) {
      return this.malformed(row, header, line);
    }
    return shapeRow(row, header);
  }

  private malformed(
    row: readonly string[],
    header: readonly string[],
    line: number | undefined,
  ): RawRecord {
    const error = new CsvColumnCountError(header.length, row.length, {
      ...(line === undefined ? {} : { line }),
      record: this.dataRows,
    });
    if (this.malformedRows === 'fail') throw error;
    const record = shapeRow(row, header);
    record[MALFORMED_ROW_KEY] =
      `${line === undefined ? `row ${this.dataRows}` : `line ${line}`}: ${error.detail}`;
    return record;
  }
}

/** A data row keyed by `header` (published shape). */
function shapeRow(row: readonly string[], header: readonly string[]): RawRecord {
  const record: RawRecord = {};
  if (header.length === 0) {
    row.forEach((value, index) => (record[String(index)] = value));
    return record;
  }
  const count = Math.min(row.length, header.length);
  if (count > 8 || header.includes('__proto__')) {
    for (let i = 0; i < count; i++) defineField(record, header[i] as string, row[i]);
  } else {
    setFirstFields(record, row, header, count);
  }
  if (row.length > header.length) record[EXTRA_FIELDS_KEY] = row.slice(header.length);
  return record;
}

/**
 * The first `count` (at most 8) values of a row under their header names, one store site per
 * column: each site sees one name on one object shape, so V8 keeps it monomorphic, where one
 * site for every column goes megamorphic (a cache lookup per value). No name is `__proto__`.
 */
function setFirstFields(
  record: RawRecord,
  row: readonly string[],
  header: readonly string[],
  count: number,
): void {
  if (count > 0) record[header[0] as string] = row[0];
  if (count > 1) record[header[1] as string] = row[1];
  if (count > 2) record[header[2] as string] = row[2];
  if (count > 3) record[header[3] as string] = row[3];
  if (count > 4) record[header[4] as string] = row[4];
  if (count > 5) record[header[5] as string] = row[5];
  if (count > 6) record[header[6] as string] = row[6];
  if (count > 7) record[header[7] as string] = row[7];
}
