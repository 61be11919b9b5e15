import { BatchActionsError } from '@batchactions/core';

/** The input format a parser was reading when it failed. */
export type ParseFormat = 'csv' | 'json' | 'ndjson' | 'xml';

/** Where in the input a parse problem was found. Every field is optional: a parser sets what it knows. */
export interface ParseErrorLocation {
  /** 1-based line number. */
  readonly line?: number;
  /** 1-based column (UTF-16 code units from the start of the line). */
  readonly column?: number;
  /**
   * 0-based offset from the start of the input: bytes for CSV, UTF-16 code units of the decoded
   * text for JSON, NDJSON and XML.
   */
  readonly position?: number;
  /** 1-based number of the data record (CSV data row, NDJSON record, JSON array element). */
  readonly record?: number;
}

function describeLocation(location: ParseErrorLocation): string {
  const parts: string[] = [];
  if (location.record !== undefined) parts.push(`record ${location.record}`);
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.column !== undefined) parts.push(`column ${location.column}`);
  if (parts.length === 0 && location.position !== undefined) {
    parts.push(`position ${location.position}`);
  }
  return parts.length === 0 ? '' : ` at ${parts.join(', ')}`;
}

/**
 * The input is not valid for its format (broken CSV quoting, invalid JSON, malformed XML, a JSON
 * element that is not an object...). The message names the format, the location and the problem,
 * e.g. `Invalid CSV at line 7: ...`. Parsing stops at the first problem: no row is skipped silently.
 */
export class ParseError extends BatchActionsError {
  /** The format being parsed. */
  readonly format: ParseFormat;
  /** 1-based line of the problem, when known. */
  readonly line?: number;
  /** 1-based column of the problem, when known. */
  readonly column?: number;
  /** 0-based offset: bytes for CSV, UTF-16 code units for JSON, NDJSON and XML. */
  readonly position?: number;
  /** 1-based number of the record being read, when known. */
  readonly record?: number;
  /** The problem without the location prefix. */
  readonly detail: string;

  constructor(
    format: ParseFormat,
    detail: string,
    location: ParseErrorLocation = {},
    options?: { cause?: unknown },
  ) {
    super(
      'PARSE_ERROR',
      `Invalid ${format.toUpperCase()}${describeLocation(location)}: ${detail}`,
      options,
    );
    this.format = format;
    this.detail = detail;
    if (location.line !== undefined) this.line = location.line;
    if (location.column !== undefined) this.column = location.column;
    if (location.position !== undefined) this.position = location.position;
    if (location.record !== undefined) this.record = location.record;
  }
}

/** A CSV row has more or fewer fields than the header (or the `columns` option). */
export class CsvColumnCountError extends ParseError {
  /** Number of columns of the header. */
  readonly expected: number;
  /** Number of fields found in the row. */
  readonly actual: number;

  constructor(expected: number, actual: number, location: ParseErrorLocation, cause?: unknown) {
    super(
      'csv',
      `the row has ${actual} field(s) but the header has ${expected} column(s)`,
      location,
      { cause },
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** Describes a damaged CSV row's kind for messages. */
function damageDetail(
  kind: 'stray-quote' | 'swallowed-lines',
  line: number,
  endLine: number,
): string {
  return kind === 'stray-quote'
    ? 'a quote appears inside an unquoted field or right after a closing quote (quote the whole field and double inner quotes)'
    : `a quoted field spans lines ${line}-${endLine}, and the lines it swallowed look like rows (a quote was left open)`;
}

/**
 * A CSV row looks damaged (`CsvParser` with `malformedRows: 'fail'`): a stray quote, or a quoted
 * field that swallowed the lines after it. `line` is where the row starts, `endLine` where it ends.
 */
export class CsvDamagedRowError extends ParseError {
  /** What looks wrong. */
  readonly kind: 'stray-quote' | 'swallowed-lines';
  /** 1-based line where the row ends. */
  readonly endLine: number;

  constructor(
    kind: 'stray-quote' | 'swallowed-lines',
    location: { readonly line: number; readonly endLine: number; readonly record: number },
  ) {
    super('csv', damageDetail(kind, location.line, location.endLine), {
      line: location.line,
      record: location.record,
    });
    this.kind = kind;
    this.endLine = location.endLine;
  }

  /** The reason without the location, as kept on an invalid record. */
  static detailOf(kind: 'stray-quote' | 'swallowed-lines', line: number, endLine: number): string {
    return damageDetail(kind, line, endLine);
  }
}

/**
 * The input is not text in the parser's encoding (utf-8 by default): a NUL byte or a byte
 * sequence that is not UTF-8 in the first 64 KiB. `position` is the byte offset of the first such
 * byte. Set the parser's `encoding` when the input is text in another encoding.
 */
export class NotTextError extends ParseError {
  /** 0-based byte offset of the first byte that is not text. */
  readonly byteOffset: number;

  constructor(format: ParseFormat, byteOffset: number, what: 'a NUL byte' | 'invalid UTF-8') {
    super(
      format,
      `the input is not text: ${what} at byte offset ${byteOffset} (a binary file?); set the parser's encoding option if the file is text in another encoding`,
      { position: byteOffset },
    );

    this.byteOffset = byteOffset;
  }
}

/**
 * One record is larger than the parser's `maxRecordBytes` (a quote left open, a line without a
 * line break, a JSON/XML record that never ends). Parsing stops before reading more of it.
 */
export class RecordTooLargeError extends ParseError {
  /** The limit, in bytes of the input. */
  readonly maxRecordBytes: number;

  constructor(format: ParseFormat, maxRecordBytes: number, location: ParseErrorLocation) {
    super(
      format,
      `the record is larger than maxRecordBytes (${maxRecordBytes} bytes); raise the parser's maxRecordBytes option if records this large are expected`,
      location,
    );

    this.maxRecordBytes = maxRecordBytes;
  }
}

/** A JSON or XML record is nested deeper than the parser's `maxDepth`. */
export class NestingTooDeepError extends ParseError {
  /** The limit: nesting levels. */
  readonly maxDepth: number;

  constructor(format: ParseFormat, maxDepth: number, location: ParseErrorLocation) {
    super(
      format,
      `the input is nested deeper than maxDepth (${maxDepth} levels); raise the parser's maxDepth option if this is expected`,
      location,
    );

    this.maxDepth = maxDepth;
  }
}
