import { StringDecoder } from 'node:string_decoder';
import { InvalidOptionError, type RawRecord } from '@batchactions/core';
import type { SourceParser } from '../../ports/source-parser';
import { nestedValuesAsText } from './nested-values';
import type { ParserOptions } from '../../ports/source-parser';
import { JsonArrayScanner } from './json-array-scanner';
import { isJsonWhitespace, type JsonTextScanner } from './json-text-scanner';
import { NdjsonScanner } from './ndjson-scanner';

/** Layout of a JSON input. */
export type JsonFormat = 'array' | 'ndjson' | 'auto';

/** Options of `JsonParser`. */
export interface JsonParserOptions {
  /**
   * `array`: one top-level array of objects. `ndjson`: one object per line. `auto`: `array`
   * when the first non-whitespace character is `[`, else `ndjson`.
   * @defaultValue `'auto'`
   */
  readonly format?: JsonFormat;
  /**
   * Keep nested objects and arrays as they are (an addition). Published: a top-level value that
   * is an object or an array is replaced by its `JSON.stringify` text.
   * @defaultValue `false`
   */
  readonly keepNestedValues?: boolean;
}

const FORMATS: readonly JsonFormat[] = ['array', 'ndjson', 'auto'];
const BOM = '\uFEFF';

/** Index of the first non-whitespace character, or -1. */
function firstSignificant(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (!isJsonWhitespace(text.charCodeAt(i))) return i;
  }
  return -1;
}

/**
 * JSON parser (UTF-8): a top-level array of objects, read element by element without holding the
 * file, or NDJSON. Every record must be a JSON object; nested objects and arrays arrive as JSON
 * text (published). Invalid JSON and non-object records throw `ParseError` with line, column and
 * position (and the record number).
 */
export class JsonParser implements SourceParser {
  private readonly format: JsonFormat;
  private readonly keepNested: boolean;

  constructor(options: JsonParserOptions = {}) {
    const format = options.format ?? 'auto';
    if (!FORMATS.includes(format)) {
      throw new InvalidOptionError('format', format, `one of ${FORMATS.join(', ')}`);
    }
    this.format = format;
    this.keepNested = options.keepNestedValues === true;
  }

  /**
   * `{ encoding: 'utf-8', delimiter: '\n', hasHeader: false }` for NDJSON, the same without a
   * delimiter for an array (the `format` option, or for `auto` the first character).
   */
  detect(sample: string | Buffer): ParserOptions {
    const text = typeof sample === 'string' ? sample : sample.toString('utf8');
    const scanner = this.scannerFor(text.startsWith(BOM) ? text.slice(1) : text);
    const ndjson =
      scanner === undefined ? this.format !== 'array' : scanner instanceof NdjsonScanner;
    return { encoding: 'utf-8', delimiter: ndjson ? '\n' : undefined, hasHeader: false };
  }

  /** Parses one complete input (synchronously). An empty input yields nothing. */
  *parse(data: string | Buffer): Generator<RawRecord> {
    let text = typeof data === 'string' ? data : data.toString('utf8');
    if (text.startsWith(BOM)) text = text.slice(1);
    const scanner = firstSignificant(text) === -1 ? undefined : this.scannerFor(text);
    if (scanner === undefined) return;
    const out: RawRecord[] = [];
    yield* this.shaped(drain(scanner, text, out));
    yield* this.shaped(drain(scanner, undefined, out));
  }

  private *shaped(records: Iterable<RawRecord>): Generator<RawRecord> {
    if (this.keepNested) yield* records;
    else for (const record of records) yield nestedValuesAsText(record);
  }

  /** Parses a stream of chunks split anywhere, including inside UTF-8 characters. */
  async *parseStream(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<RawRecord> {
    const decoder = new StringDecoder('utf8');
    const out: RawRecord[] = [];
    let scanner: JsonTextScanner | undefined;
    let pending = '';
    let atStart = true;
    const texts = async function* (): AsyncIterable<string> {
      for await (const chunk of chunks)
        yield typeof chunk === 'string' ? chunk : decoder.write(chunk);
      yield decoder.end();
    };
    for await (let text of texts()) {
      if (atStart && text.length > 0) {
        atStart = false;
        if (text.startsWith(BOM)) text = text.slice(1);
      }
      if (scanner === undefined) {
        pending += text;
        scanner = this.scannerFor(pending);
        if (scanner === undefined) continue;
        text = pending;
        pending = '';
      }
      yield* this.shaped(drain(scanner, text, out));
    }
    scanner ??= this.format === 'array' ? new JsonArrayScanner() : new NdjsonScanner();
    yield* this.shaped(drain(scanner, undefined, out));
  }

  /** The scanner for this input, or undefined while only whitespace has been seen. */
  private scannerFor(text: string): JsonTextScanner | undefined {
    if (this.format === 'array') return new JsonArrayScanner();
    if (this.format === 'ndjson') return new NdjsonScanner();
    const first = firstSignificant(text);
    if (first === -1) return undefined;
    return text[first] === '[' ? new JsonArrayScanner() : new NdjsonScanner();
  }
}

/** Feeds text (or the end, when undefined) and yields the completed records, even on error. */
function* drain(
  scanner: JsonTextScanner,
  text: string | undefined,
  out: RawRecord[],
): Iterable<RawRecord> {
  try {
    if (text === undefined) scanner.end(out);
    else scanner.feed(text, out);
  } finally {
    // Records completed before a ParseError are still handed over before it propagates.
    const ready = out.splice(0, out.length);
    yield* ready;
  }
}
