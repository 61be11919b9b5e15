import { InvalidOptionError } from '@batchactions/core';

/** Options of `CsvParser`: the published `delimiter`, `encoding`, `hasHeader`, plus ours. */
export interface CsvParserOptions {
  /**
   * Field delimiter (one or more characters). `''` also means auto-detection.
   * @defaultValue auto-detected from the first line among `,` `;` `\t` `|`, else `,`
   */
  readonly delimiter?: string;
  /**
   * Encoding of `Buffer` chunks (and of string chunks re-encoded for parsing). A byte-order mark
   * is stripped.
   * @defaultValue `'utf-8'`
   */
  readonly encoding?: string;
  /**
   * The first row is the header. Without a header, records are keyed by column number
   * (`'0'`, `'1'`, …) unless `columns` names them.
   * @defaultValue `true`
   */
  readonly hasHeader?: boolean;
  /**
   * Quote character (an addition); a quote inside a quoted field is written twice.
   * @defaultValue `'"'`
   */
  readonly quote?: string;
  /**
   * Column names (an addition). When set, every row is data (the file has no header row).
   * @defaultValue none
   */
  readonly columns?: readonly string[];
  /**
   * Trim whitespace around fields (an addition; published values are never trimmed).
   * @defaultValue `false`
   */
  readonly trim?: boolean;
  /**
   * Skip empty lines (an addition; published: always).
   * @defaultValue `true`
   */
  readonly skipEmptyLines?: boolean;
  /**
   * What to do with a row whose number of fields differs from the header's (an addition):
   * - `'keep'`: as published, the row is a record: surplus values under `__parsed_extra`,
   *   missing columns absent (a strict schema or required fields may then reject it);
   * - `'invalid'`: the row is still a record, but it carries `__row_error` (see
   *   {@link MALFORMED_ROW_KEY}) with its line and the reason, e.g. `line 7: the row has 5
   *   field(s) but the header has 4 column(s)`, and `SchemaValidator` marks it invalid
   *   (`MALFORMED_ROW`), so it is reported failed with that message while the import carries on;
   * - `'fail'`: parsing stops with `CsvColumnCountError` naming the line (fail-fast).
   * @defaultValue `'keep'`
   */
  readonly malformedRows?: MalformedRowsMode;
  /**
   * Largest record, in bytes of the input (an addition). A longer record (a quote left open, a
   * line without a line break) stops the parse with `RecordTooLargeError` naming its record and
   * line, before more of it is held in memory.
   * @defaultValue `67108864` (64 MiB)
   */
  readonly maxRecordBytes?: number;
}

/** Default `maxRecordBytes` of every parser: 64 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Checks a `maxRecordBytes` option (a positive safe integer) and applies the default. */
export function maxRecordBytesOption(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_RECORD_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError('maxRecordBytes', value, 'a positive integer (bytes)');
  }
  return value;
}

/** Checks a `maxDepth` option (a positive safe integer) and applies the default. */
export function maxDepthOption(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_DEPTH;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError('maxDepth', value, 'a positive integer (nesting levels)');
  }
  return value;
}

/** Default `maxDepth` of the JSON and XML parsers. */
export const DEFAULT_MAX_DEPTH = 1000;

/** How `CsvParser` treats a row with the wrong number of fields: see `malformedRows`. */
export type MalformedRowsMode = 'keep' | 'invalid' | 'fail';

const MALFORMED_ROWS_MODES: readonly string[] = ['keep', 'invalid', 'fail'];

/** Options with defaults applied. `delimiter` stays undefined when it must be detected. */
export interface ResolvedCsvOptions {
  readonly delimiter: string | undefined;
  readonly quote: string;
  readonly encoding: BufferEncoding;
  readonly hasHeader: boolean;
  readonly columns: readonly string[] | undefined;
  readonly trim: boolean;
  readonly skipEmptyLines: boolean;
  readonly malformedRows: MalformedRowsMode;
  readonly maxRecordBytes: number;
}

function optionalString(value: unknown, option: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidOptionError(option, value, 'a string');
  if (value.includes('\n') || value.includes('\r')) {
    throw new InvalidOptionError(option, value, 'a string without line breaks');
  }
  return value;
}

function optionalBoolean(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, value, 'a boolean');
  return value;
}

function checkColumns(columns: unknown): readonly string[] | undefined {
  if (columns === undefined) return undefined;
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new InvalidOptionError('columns', columns, 'a non-empty array of column names');
  }
  (columns as readonly unknown[]).forEach((name, index) => {
    if (typeof name !== 'string')
      throw new InvalidOptionError(`columns[${index}]`, name, 'a string');
  });
  return Object.freeze([...(columns as string[])]);
}

function malformedRowsMode(value: unknown): MalformedRowsMode {
  if (value === undefined) return 'keep';
  if (typeof value !== 'string' || !MALFORMED_ROWS_MODES.includes(value)) {
    throw new InvalidOptionError('malformedRows', value, "'keep', 'invalid' or 'fail'");
  }
  return value as MalformedRowsMode;
}

/** Checks the options (throwing `InvalidOptionError` naming the option) and applies defaults. */
export function resolveCsvOptions(options: CsvParserOptions = {}): ResolvedCsvOptions {
  const encoding = options.encoding ?? 'utf-8';
  if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) {
    throw new InvalidOptionError('encoding', encoding, 'a Node.js Buffer encoding such as "utf-8"');
  }
  const delimiter = optionalString(options.delimiter, 'delimiter');
  const quote = optionalString(options.quote, 'quote') ?? '"';
  if (delimiter !== undefined && delimiter === quote) {
    throw new InvalidOptionError('delimiter', delimiter, 'a delimiter different from the quote');
  }
  return {
    delimiter,
    quote,
    encoding,
    hasHeader: optionalBoolean(options.hasHeader, 'hasHeader', true),
    columns: checkColumns(options.columns),
    trim: optionalBoolean(options.trim, 'trim', false),
    skipEmptyLines: optionalBoolean(options.skipEmptyLines, 'skipEmptyLines', true),
    malformedRows: malformedRowsMode(options.malformedRows),
    maxRecordBytes: maxRecordBytesOption(options.maxRecordBytes),
  };
}
