import { CsvError } from 'csv-parse';
import { CsvColumnCountError, ParseError, RecordTooLargeError } from '../../errors/parse-error';

/** What the parser knows about its progress when an error surfaces. */
export interface CsvProgress {
  /** Whether the first row is a header row (counted by csv-parse as a record). */
  readonly usesHeader: boolean;
  /** Number of columns, when known. */
  readonly columnCount: number | undefined;
  /**
   * Where a resumed parse started (csv-parse counts from there): rows csv-parse had read
   * (header included), lines and bytes before it. Default: nothing before.
   */
  readonly before?: { readonly rows: number; readonly lines: number; readonly bytes: number };
  /** The line where the row holding a quote left open starts (the damage scanner knows it). */
  readonly openedAt?: number;
  /** The `maxRecordBytes` in force. */
  readonly maxRecordBytes?: number;
}

function numberField(error: CsvError, key: string): number | undefined {
  const value = error[key];
  return typeof value === 'number' ? value : undefined;
}

function arrayLength(error: CsvError, key: string): number | undefined {
  const value = error[key];
  return Array.isArray(value) ? value.length : undefined;
}

function rowName(progress: CsvProgress, dataRow: number): string {
  return progress.usesHeader && dataRow === 0 ? 'the header row' : `data row ${dataRow}`;
}

/**
 * Turns a csv-parse error into a `ParseError` naming the line. Other errors (the source failing,
 * our own header checks) are returned unchanged.
 */
export function toCsvParseError(error: unknown, progress: CsvProgress): unknown {
  if (!(error instanceof CsvError)) return error;
  const before = progress.before ?? { rows: 0, lines: 0, bytes: 0 };
  const lines = numberField(error, 'lines');
  const line = lines === undefined ? undefined : lines + before.lines;
  const rowsRead = (numberField(error, 'records') ?? 0) + before.rows;
  // csv-parse counts the header row as a record; ours are 1-based data rows (0: the header).
  const record = progress.usesHeader ? rowsRead : rowsRead + 1;
  const bytes = numberField(error, 'bytes');
  const position = bytes === undefined ? undefined : bytes + before.bytes;
  const location = { line, record, position };
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return new CsvColumnCountError(
        progress.columnCount ?? arrayLength(error, 'columns') ?? -1,
        arrayLength(error, 'record') ?? -1,
        location,
        error,
      );
    case 'CSV_QUOTE_NOT_CLOSED':
      if (progress.openedAt !== undefined) {
        return new ParseError(
          'csv',
          `unterminated quoted field: a quote opened in ${rowName(progress, record)} (starting at line ${progress.openedAt}) is never closed; the input ends at line ${line ?? '?'}`,
          { ...location, line: progress.openedAt },
          { cause: error },
        );
      }
      return new ParseError(
        'csv',
        `unterminated quoted field: the input ends (at line ${line ?? '?'}) inside a quoted field of ${rowName(progress, record)}`,
        location,
        { cause: error },
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new ParseError(
        'csv',
        `a closing quote in ${rowName(progress, record)} is followed by a character other than the delimiter or a line break`,
        location,
        { cause: error },
      );
    case 'INVALID_OPENING_QUOTE':
      return new ParseError(
        'csv',
        `a quote appears inside an unquoted field of ${rowName(progress, record)} (quote the whole field and double inner quotes)`,
        location,
        { cause: error },
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new RecordTooLargeError(
        'csv',
        numberField(error, 'max_record_size') ?? progress.maxRecordBytes ?? -1,
        location,
      );
    default:
      return new ParseError('csv', error.message, location, { cause: error });
  }
}
