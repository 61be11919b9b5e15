import { InvalidOptionError } from '@batchactions/core';

/** Options of `CsvParser`. */
export interface CsvParserOptions {
  /**
   * Field delimiter (one or more characters).
   * @defaultValue auto-detected from the first line among `,` `;` `\t` `|`, else `,`
   */
  readonly delimiter?: string;
  /**
   * Quote character; a quote inside a quoted field is written twice.
   * @defaultValue `'"'`
   */
  readonly quote?: string;
  /**
   * Encoding of `Buffer` chunks (and the one string chunks are converted with). A UTF-8 or
   * UTF-16LE byte-order mark is detected and stripped whatever the setting.
   * @defaultValue `'utf-8'`
   */
  readonly encoding?: BufferEncoding;
  /**
   * Column names. When set, the first row is data, not a header.
   * @defaultValue none: the first row is the header
   */
  readonly columns?: readonly string[];
  /**
   * Trim whitespace around unquoted fields and around quoted fields (not inside the quotes).
   * @defaultValue `false`
   */
  readonly trim?: boolean;
  /**
   * Skip lines that are empty. When `false`, an empty line is a one-field row, which is a column
   * count error unless there is exactly one column.
   * @defaultValue `true`
   */
  readonly skipEmptyLines?: boolean;
}

/** Options with defaults applied. `delimiter` stays undefined when it must be detected. */
export interface ResolvedCsvOptions {
  readonly delimiter: string | undefined;
  readonly quote: string;
  readonly encoding: BufferEncoding;
  readonly columns: readonly string[] | undefined;
  readonly trim: boolean;
  readonly skipEmptyLines: boolean;
}

function nonEmptyString(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new InvalidOptionError(option, value, 'a non-empty string');
  }
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
  const seen = new Set<string>();
  (columns as readonly unknown[]).forEach((name, index) => {
    if (typeof name !== 'string' || name === '__proto__' || seen.has(name)) {
      throw new InvalidOptionError(
        `columns[${index}]`,
        name,
        'a string, unique among the columns, other than "__proto__"',
      );
    }
    seen.add(name);
  });
  return Object.freeze([...seen]);
}

/** Checks the options (throwing `InvalidOptionError` naming the option) and applies defaults. */
export function resolveCsvOptions(options: CsvParserOptions = {}): ResolvedCsvOptions {
  const encoding = options.encoding ?? 'utf-8';
  if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) {
    throw new InvalidOptionError('encoding', encoding, 'a Node.js Buffer encoding such as "utf-8"');
  }
  const delimiter = nonEmptyString(options.delimiter, 'delimiter');
  const quote = nonEmptyString(options.quote, 'quote') ?? '"';
  if (delimiter !== undefined && delimiter === quote) {
    throw new InvalidOptionError('delimiter', delimiter, 'a delimiter different from the quote');
  }
  return {
    delimiter,
    quote,
    encoding,
    columns: checkColumns(options.columns),
    trim: optionalBoolean(options.trim, 'trim', false),
    skipEmptyLines: optionalBoolean(options.skipEmptyLines, 'skipEmptyLines', true),
  };
}
