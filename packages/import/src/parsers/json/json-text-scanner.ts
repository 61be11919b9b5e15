import type { RawRecord } from '@batchactions/core';

/** Incremental JSON reader fed with decoded text; completed records are pushed to `out`. */
export interface JsonTextScanner {
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
