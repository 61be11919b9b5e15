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
