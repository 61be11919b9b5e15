import type { RawRecord } from '@batchactions/core';

/** Where a scanner goes on from after a record (see `JsonParser.parseStreamFrom`). */
export interface JsonScanPoint {
  /** Records read before (array elements, or non-blank NDJSON lines). */
  readonly records: number;
  /** Code units of the text before (the input after a byte-order mark). */
  readonly charOffset: number;
  /** 1-based line (counting `\n`) and the `charOffset` where it starts. */
  readonly line: number;
  readonly lineStart: number;
}

/** Incremental JSON reader fed with decoded text; completed records are pushed to `out`. */
export interface JsonTextScanner {
  /**
   * When set, the end of each record pushed to `out` (the code-unit offset just after it in the
   * whole text fed) is pushed here too.
   */
  recordEnds: number[] | undefined;
  /** See `JsonParserOptions.maxRecordBytes`. */
  maxRecordBytes: number;
  /** See `JsonParserOptions.maxDepth`. */
  maxDepth: number;
  /** The line being read and the offset where it starts. */
  readonly currentLine: number;
  readonly currentLineStart: number;
  /** Goes on from just after a record, as if the text before had been fed. */
  resume(point: JsonScanPoint): void;
  /** Consumes a piece of text. Records completed before a `ParseError` are already in `out`. */
  feed(text: string, out: RawRecord[]): void;
  /** Signals the end of the input; throws `ParseError` if the input is incomplete. */
  end(out: RawRecord[]): void;
}

/** What a parsed JSON value is, for "expected an object" messages. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return 'an object';
}

/** True for JSON insignificant whitespace. */
export function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}
