import { StringDecoder } from 'node:string_decoder';
import { InvalidOptionError, type RawRecord } from '@batchactions/core';
import type { ParseCursor, SourceParser, TrackedRecords } from '../../ports/source-parser';
import { TextPositions } from '../resume/text-positions';
import { trackedRecords } from '../resume/tracked-records';
import { jsonCursor, jsonStartCursor, readJsonCursor, type JsonCursorState } from './json-cursor';
import { nestedValuesAsText } from './nested-values';
import type { ParserOptions } from '../../ports/source-parser';
import { JsonArrayScanner } from './json-array-scanner';
import { isJsonWhitespace, type JsonScanPoint, type JsonTextScanner } from './json-text-scanner';
import { NdjsonScanner } from './ndjson-scanner';
import { TextCheck } from '../text-check';
import { maxDepthOption, maxRecordBytesOption } from '../csv/csv-parser-options';

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
  /**
   * Largest record (an array element or an NDJSON line), counted in UTF-16 code units of the
   * decoded text, which are never more than its bytes (an addition). A longer one (a line
   * without a line break, an element that never closes) stops the parse with
   * `RecordTooLargeError` naming its record and line, before more of it is held in memory.
   * @defaultValue `67108864` (64 MiB)
   */
  readonly maxRecordBytes?: number;
  /**
   * Deepest nesting of objects and arrays in a record, the record's own braces being level 1
   * (an addition). Deeper stops the parse with `NestingTooDeepError` naming the record and line.
   * @defaultValue `1000`
   */
  readonly maxDepth?: number;
}

const FORMATS: readonly JsonFormat[] = ['array', 'ndjson', 'auto'];
const BOM = '\uFEFF';
const BOM_BYTES = 3;

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
    this.maxRecordBytes = maxRecordBytesOption(options.maxRecordBytes);
    this.maxDepth = maxDepthOption(options.maxDepth);
  }

  private readonly maxRecordBytes: number;
  private readonly maxDepth: number;

  /** `scanner` with this parser's record bounds. */
  private limited<T extends JsonTextScanner>(scanner: T): T {
    scanner.maxRecordBytes = this.maxRecordBytes;
    scanner.maxDepth = this.maxDepth;
    return scanner;
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
    const textCheck = new TextCheck('json', 'utf-8');
    const texts = async function* (): AsyncIterable<string> {
      for await (const chunk of chunks) {
        textCheck.check(chunk);
        yield typeof chunk === 'string' ? chunk : decoder.write(chunk);
      }
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
    scanner ??=
      this.format === 'array'
        ? this.limited(new JsonArrayScanner())
        : this.limited(new NdjsonScanner());
    yield* this.shaped(drain(scanner, undefined, out));
  }

  /**
   * `parseStream` that tracks where each record ends (see `SourceParser.parseStreamFrom`): the
   * cursor's `byteOffset` is just after an array element (the scan goes on expecting `,` or
   * `]`) or after an NDJSON line's line break; its `state` holds the layout, the record count and
   * the line, so a resumed parse reports the same lines, columns and positions. A cursor of the
   * other layout (for `format: 'array'` or `'ndjson'`) or of another parser is a
   * `ParseResumeError`.
   */
  parseStreamFrom(chunks: AsyncIterable<string | Buffer>, from?: ParseCursor): TrackedRecords {
    const resume = from === undefined ? undefined : readJsonCursor(from, this.format);
    const tracking = new JsonTracking(resume);
    return trackedRecords(this.trackedStream(chunks, tracking), () => tracking.cursor());
  }

  /** `parseStream`, step for step, telling `tracking` where each record ends. */
  private async *trackedStream(
    chunks: AsyncIterable<string | Buffer>,
    tracking: JsonTracking,
  ): AsyncGenerator<RawRecord> {
    const decoder = new StringDecoder('utf8');
    const out: RawRecord[] = [];
    const { positions, ends } = tracking;
    const resumed = tracking.resumed?.state;
    let scanner = resumed === undefined ? undefined : this.resumedScanner(resumed, ends);
    tracking.scanner = scanner;
    let pending = '';
    // A resumed parse starts after a record: a U+FEFF there is not a byte-order mark.
    let atStart = resumed === undefined;
    // A resumed parse starts in the middle: the start of the input was checked already.
    const textCheck = resumed === undefined ? new TextCheck('json', 'utf-8') : undefined;
    const texts = async function* (): AsyncIterable<string> {
      for await (const chunk of chunks) {
        textCheck?.check(chunk);
        yield typeof chunk === 'string' ? chunk : decoder.write(chunk);
      }
      yield decoder.end();
    };
    for await (let text of texts()) {
      if (atStart && text.length > 0) {
        atStart = false;
        if (text.startsWith(BOM)) {
          text = text.slice(1);
          positions.skipBytes(BOM_BYTES);
        }
      }
      if (scanner === undefined) {
        pending += text;
        scanner = this.scannerFor(pending);
        if (scanner === undefined) continue;
        scanner.recordEnds = ends;
        tracking.scanner = scanner;
        text = pending;
        pending = '';
      }
      positions.feed(text, scanner.currentLine, scanner.currentLineStart);
      yield* this.shaped(tracking.drain(text, out));
    }
    if (scanner === undefined) {
      scanner =
        this.format === 'array'
          ? this.limited(new JsonArrayScanner())
          : this.limited(new NdjsonScanner());
      tracking.scanner = scanner;
    }
    yield* this.shaped(tracking.drain(undefined, out));
  }

  private resumedScanner(
    state: JsonScanPoint & { format: string },
    ends: number[],
  ): JsonTextScanner {
    const scanner =
      state.format === 'array'
        ? this.limited(new JsonArrayScanner())
        : this.limited(new NdjsonScanner());
    scanner.resume(state);
    scanner.recordEnds = ends;
    return scanner;
  }

  /** The scanner for this input, or undefined while only whitespace has been seen. */
  private scannerFor(text: string): JsonTextScanner | undefined {
    if (this.format === 'array') return this.limited(new JsonArrayScanner());
    if (this.format === 'ndjson') return this.limited(new NdjsonScanner());
    const first = firstSignificant(text);
    if (first === -1) return undefined;
    return text[first] === '['
      ? this.limited(new JsonArrayScanner())
      : this.limited(new NdjsonScanner());
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

/**
 * The tracking side of `JsonParser.parseStreamFrom`: one number per record (where it ends, from
 * the scanner), turned into a cursor only when asked for.
 */
class JsonTracking {
  readonly positions: TextPositions;
  readonly ends: number[] = [];
  scanner: JsonTextScanner | undefined;
  private yielded = 0;

  constructor(readonly resumed: { byteOffset: number; state: JsonCursorState } | undefined) {
    this.positions = new TextPositions(
      resumed === undefined
        ? { byteOffset: 0, charOffset: 0, line: 1, lineStart: 0 }
        : { ...resumed.state, byteOffset: resumed.byteOffset },
    );
  }

  /** Feeds the scanner (the end when `text` is undefined) and yields what it completed. */
  *drain(text: string | undefined, out: RawRecord[]): Generator<RawRecord> {
    const scanner = this.scanner;
    if (scanner === undefined) return;
    try {
      if (text === undefined) scanner.end(out);
      else scanner.feed(text, out);
    } finally {
      // Records completed before a ParseError are still handed over before it propagates.
      // The scanner is not fed again before this loop ends: `ends` is read in place.
      const ready = out.splice(0, out.length);
      const { ends, positions } = this;
      for (let i = 0; i < ready.length; i++) {
        positions.recordEnd(ends[i] ?? 0);
        this.yielded++;
        yield ready[i] as RawRecord;
      }
      ends.length = 0;
    }
  }

  cursor(): ParseCursor {
    const { resumed, scanner } = this;
    if (this.yielded === 0 || scanner === undefined) {
      return resumed === undefined
        ? jsonStartCursor()
        : { byteOffset: resumed.byteOffset, state: resumed.state };
    }
    return jsonCursor(
      scanner instanceof JsonArrayScanner ? 'array' : 'ndjson',
      (resumed?.state.records ?? 0) + this.yielded,
      this.positions.position(),
    );
  }
}
