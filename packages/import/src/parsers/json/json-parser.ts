import { StringDecoder } from 'node:string_decoder';
import { InvalidOptionError, type RawRecord } from '@batchactions/core';
import type { SourceParser } from '../../ports/source-parser';
import { wholeInput } from '../whole-input';
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
 * Streaming JSON parser (UTF-8): a top-level array of objects, read element by element without
 * holding the file, or NDJSON. Every record must be a JSON object. Invalid JSON and non-object
 * records throw `ParseError` with line, column and position (and the record number).
 */
export class JsonParser implements SourceParser {
  private readonly format: JsonFormat;

  constructor(options: JsonParserOptions = {}) {
    const format = options.format ?? 'auto';
    if (!FORMATS.includes(format)) {
      throw new InvalidOptionError('format', format, `one of ${FORMATS.join(', ')}`);
    }
    this.format = format;
  }

  /** Parses one complete input. */
  parse(data: string | Buffer): AsyncIterable<RawRecord> {
    return this.parseStream(wholeInput(data));
  }

  /** Parses a stream of chunks split anywhere, including inside UTF-8 characters. */
  async *parseStream(chunks: AsyncIterable<string | Buffer>): AsyncIterable<RawRecord> {
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
      yield* drain(scanner, text, out);
    }
    scanner ??= this.format === 'array' ? new JsonArrayScanner() : new NdjsonScanner();
    yield* drain(scanner, undefined, out);
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
