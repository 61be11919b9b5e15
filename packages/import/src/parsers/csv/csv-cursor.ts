import type { ParseCursor } from '../../ports/source-parser';
import { checkCursor, CursorStateReader } from '../resume/cursor-state';
import type { ResolvedCsvOptions } from './csv-parser-options';

const PARSER = 'CsvParser';
const TAG = 'csv';
/** Consumed queue entries kept before they are dropped. */
const COMPACT_AFTER = 4096;
const RECORD_DELIMITERS = ['\n', '\r\n', '\r'] as const;

/** What a resumed CSV parse needs; JSON values only (it is a cursor's `state`). */
export interface CsvCursorState {
  readonly parser: typeof TAG;
  /** The field delimiter in use (detected or configured). */
  readonly delimiter: string;
  /** The line break csv-parse discovered, or `null` when none was seen yet. */
  readonly recordDelimiter: string | null;
  /** The header in use (`[]`: records keyed by column number). */
  readonly header: readonly string[];
  /** Whether the header came from the input's first row (csv-parse counted it as a row). */
  readonly headerRow: boolean;
  /** Data rows read, all-empty rows included. */
  readonly dataRows: number;
  /** Lines read (the record's last line). */
  readonly lines: number;
}

/** The cursor of a tracked parse that has not yielded a record yet. */
export function csvStartCursor(): ParseCursor {
  return { byteOffset: 0, state: { parser: TAG } };
}

/** A checked `from`: `undefined` for a start cursor (the parse starts from the beginning). */
export function readCsvCursor(
  from: unknown,
  options: ResolvedCsvOptions,
): { byteOffset: number; state: CsvCursorState } | undefined {
  const { byteOffset, state } = checkCursor(PARSER, TAG, from);
  const reader = new CursorStateReader(PARSER, state);
  if (!('header' in state)) {
    if (byteOffset !== 0) throw reader.fail('a start cursor must have byteOffset 0');
    return undefined;
  }
  const resumed: CsvCursorState = {
    parser: TAG,
    delimiter: reader.string('delimiter'),
    recordDelimiter: reader.optionalString('recordDelimiter'),
    header: reader.strings('header'),
    headerRow: state.headerRow === true,
    dataRows: reader.count('dataRows'),
    lines: reader.count('lines'),
  };
  if (
    resumed.recordDelimiter !== null &&
    !(RECORD_DELIMITERS as readonly string[]).includes(resumed.recordDelimiter)
  ) {
    throw reader.fail(
      `state.recordDelimiter must be a line break, got ${JSON.stringify(resumed.recordDelimiter)}`,
    );
  }
  checkAgainstOptions(reader, resumed, options);
  return { byteOffset, state: resumed };
}

/** A cursor made with other options would shape records differently: refuse it. */
function checkAgainstOptions(
  reader: CursorStateReader,
  state: CsvCursorState,
  options: ResolvedCsvOptions,
): void {
  if (options.delimiter !== undefined && options.delimiter !== state.delimiter) {
    throw reader.fail(
      `the cursor's delimiter ${JSON.stringify(state.delimiter)} differs from the configured ${JSON.stringify(options.delimiter)}`,
    );
  }
  const { columns, hasHeader } = options;
  const fromFile = columns === undefined && hasHeader;
  if (columns !== undefined && JSON.stringify(columns) !== JSON.stringify(state.header)) {
    throw reader.fail("the cursor's header differs from the configured columns");
  }
  if (!fromFile && columns === undefined && state.header.length > 0) {
    throw reader.fail('the cursor has a header but the parser is configured with hasHeader: false');
  }
  if (fromFile !== state.headerRow || (fromFile && state.header.length === 0)) {
    throw reader.fail(
      fromFile
        ? 'the cursor has no header row but the parser reads one (hasHeader: true)'
        : 'the cursor has a header row but the parser reads none (columns or hasHeader: false)',
    );
  }
}

/**
 * Where each row csv-parse produced ends (bytes, lines), in order, until the row is consumed: a
 * flat queue of numbers, not an object per row.
 */
export class CsvRowEnds {
  private values: number[] = [];
  private head = 0;

  push(bytes: number, lines: number): void {
    this.values.push(bytes, lines);
  }

  /** Removes the oldest row's end; `bytes` and `lines` then hold it. */
  shift(): void {
    const { values } = this;
    this.bytes = values[this.head] ?? 0;
    this.lines = values[this.head + 1] ?? 0;
    this.head += 2;
    if (this.head === values.length) {
      values.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER) {
      // The producer stays ahead: drop the consumed part now and then, not on every row.
      values.splice(0, this.head);
      this.head = 0;
    }
  }

  bytes = 0;
  lines = 0;
}
