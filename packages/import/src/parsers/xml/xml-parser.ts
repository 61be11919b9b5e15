import { StringDecoder } from 'node:string_decoder';
import { InvalidOptionError, type RawRecord } from '@batchactions/core';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { NestingTooDeepError, ParseError, RecordTooLargeError } from '../../errors/parse-error';
import { TextCheck } from '../text-check';
import { maxDepthOption, maxRecordBytesOption } from '../csv/csv-parser-options';
import type {
  ParseCursor,
  ParserOptions,
  SourceParser,
  TrackedRecords,
} from '../../ports/source-parser';
import { TextPositions } from '../resume/text-positions';
import { trackedRecords } from '../resume/tracked-records';
import { readXmlCursor, xmlStartCursor, type XmlCursorState } from './xml-cursor';
import { XmlRecordBuilder } from './xml-record-builder';

/** Options of `XmlParser`. */
export interface XmlParserOptions {
  /**
   * Name of the record elements (matched exactly, at any depth outside another record).
   * @defaultValue auto-detected: the name of the root element's first child element
   */
  readonly recordTag?: string;
  /**
   * Earlier name of `recordTag`, kept for code written against it; `recordTag` wins.
   * @defaultValue none
   */
  readonly recordElement?: string;
  /**
   * Include the record element's attributes as fields (an addition; published: ignored).
   * @defaultValue `false`
   */
  readonly includeAttributes?: boolean;
  /**
   * Largest record, counted in UTF-16 code units of the decoded text from the end of the
   * previous record, which are never more than its bytes (an addition). A longer one (an
   * element that never closes, a huge text node) stops the parse with `RecordTooLargeError`
   * naming its record and line, before more of it is held in memory.
   * @defaultValue `67108864` (64 MiB)
   */
  readonly maxRecordBytes?: number;
  /**
   * Deepest nesting of elements in the document, the root being level 1 (an addition). Deeper
   * stops the parse with `NestingTooDeepError` naming the record and line.
   * @defaultValue `1000`
   */
  readonly maxDepth?: number;
}

/** saxes prefixes its messages with `line:column: `; our ParseError carries those separately. */
const SAXES_POSITION_PREFIX = /^\d+:\d+: /;

type Saxes = SaxesParser<{ xmlns: false; position: true }>;

function checkTag(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionError(option, value, 'a non-empty element name');
  }
  return value;
}

/**
 * XML parser on saxes (a real, streaming XML parser). Each record element becomes a record whose
 * fields are its child elements' text content (trimmed; entities, numeric references and CDATA
 * decoded; a repeated child keeps the last value; `<name/>` gives `''`); attributes are ignored
 * unless `includeAttributes`. Malformed XML throws `ParseError` with line and column.
 *
 * `parse` reads one whole input synchronously; `parseStream` reads a chunk stream split anywhere.
 */
export class XmlParser implements SourceParser {
  private readonly recordTag: string | undefined;
  private readonly includeAttributes: boolean;

  constructor(options: XmlParserOptions = {}) {
    this.recordTag =
      checkTag(options.recordTag, 'recordTag') ?? checkTag(options.recordElement, 'recordElement');
    this.includeAttributes = options.includeAttributes === true;
    this.maxRecordBytes = maxRecordBytesOption(options.maxRecordBytes);
    this.maxDepth = maxDepthOption(options.maxDepth);
  }

  private readonly maxRecordBytes: number;
  private readonly maxDepth: number;

  /** Always `{ encoding: 'utf-8', hasHeader: false }` (published). */
  detect(_sample: string | Buffer): ParserOptions {
    return { encoding: 'utf-8', hasHeader: false };
  }

  /** Parses one complete input (synchronously). Whitespace-only input yields nothing. */
  *parse(data: string | Buffer): Generator<RawRecord> {
    const text = typeof data === 'string' ? data : data.toString('utf8');
    if (text.trim() === '') return;
    const out: RawRecord[] = [];
    const parser = this.createSaxParser(out);
    yield* drain(out, () => parser.write(text).close());
  }

  /** Parses a stream of chunks split anywhere, including inside UTF-8 characters. */
  async *parseStream(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<RawRecord> {
    const out: RawRecord[] = [];
    const parser = this.createSaxParser(out);
    const decoder = new StringDecoder('utf8');
    let started = false;
    const textCheck = new TextCheck('xml', 'utf-8');
    for await (const chunk of chunks) {
      textCheck.check(chunk);
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (!started && text.trim() === '') continue;
      started = true;
      yield* drain(out, () => parser.write(text));
    }
    const rest = decoder.end();
    if (!started && rest.trim() === '') return;
    yield* drain(out, () => parser.write(rest).close());
  }

  /**
   * `parseStream` that tracks where each record ends (see `SourceParser.parseStreamFrom`): the
   * cursor's `byteOffset` is just after the record's closing tag; its `state` holds the record
   * tag, the names of the elements open around the record, and saxes' position, so a resumed
   * parse (which reopens those elements before the rest of the input) reports the same lines,
   * columns and positions. A cursor of another parser or for another `recordTag` is a
   * `ParseResumeError`.
   */
  parseStreamFrom(chunks: AsyncIterable<string | Buffer>, from?: ParseCursor): TrackedRecords {
    const resume = from === undefined ? undefined : readXmlCursor(from, this.recordTag);
    const tracking = new XmlTracking(resume);
    return trackedRecords(this.trackedStream(chunks, tracking), () => tracking.cursor());
  }

  /** `parseStream`, step for step, telling `tracking` where each record ends. */
  private async *trackedStream(
    chunks: AsyncIterable<string | Buffer>,
    tracking: XmlTracking,
  ): AsyncGenerator<RawRecord> {
    const out: RawRecord[] = [];
    const parser = this.createSaxParser(out, tracking);
    const { positions } = tracking;
    const decoder = new StringDecoder('utf8');
    let started = false;
    const resumed = tracking.resumed?.state;
    if (resumed !== undefined) {
      // The elements open around the record, reopened so the rest of the input is well-formed.
      parser.write(tracking.prefix);
      started = true;
    }
    const write = (text: string, close: boolean): void => {
      positions.feed(text, 0, 0);
      parser.write(text);
      if (close) parser.close();
    };
    const textCheck = resumed === undefined ? new TextCheck('xml', 'utf-8') : undefined;
    for await (const chunk of chunks) {
      textCheck?.check(chunk);
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (!started && text.trim() === '') {
        positions.skipBytes(Buffer.byteLength(text, 'utf8'));
        continue;
      }
      started = true;
      yield* tracking.drain(out, () => {
        write(text, false);
      });
    }
    const rest = decoder.end();
    if (!started && rest.trim() === '') return;
    yield* tracking.drain(out, () => {
      write(rest, true);
    });
  }

  private createSaxParser(out: RawRecord[], tracking?: XmlTracking): Saxes {
    const parser: Saxes = new SaxesParser({ xmlns: false, position: true });
    let recordTag = tracking?.resumed?.state.recordTag ?? this.recordTag;
    let depth = 0;
    /** Depth of the open record element, or 0 outside records. */
    let recordDepth = 0;
    let record: XmlRecordBuilder | undefined;
    /** Names of the open elements outside records; replaced, never changed, when one opens or closes. */
    let path: readonly string[] = [];

    let records = 0;
    /** saxes' position at the end of the last record: what is held since counts for the next. */
    let lastEnd = 0;
    const location = (): { line: number; column: number; position: number } => {
      const at = { line: parser.line, column: parser.column, position: parser.position };
      return tracking === undefined ? at : tracking.inInput(at);
    };
    const write = parser.write.bind(parser);
    // Each chunk written: the text since the last record must stay within maxRecordBytes.
    parser.write = (chunk: string | object | null): Saxes => {
      const written = write(chunk);
      if (typeof chunk === 'string' && parser.position - lastEnd > this.maxRecordBytes) {
        throw new RecordTooLargeError('xml', this.maxRecordBytes, {
          ...location(),
          record: records + 1,
        });
      }
      return written;
    };
    parser.on('opentag', (tag: SaxesTagPlain) => {
      depth++;
      if (depth > this.maxDepth) {
        throw new NestingTooDeepError('xml', this.maxDepth, { ...location(), record: records + 1 });
      }
      if (record === undefined) {
        if (recordTag === undefined && depth === 2) recordTag = tag.name;
        if (tag.name === recordTag) {
          record = new XmlRecordBuilder(this.includeAttributes ? tag.attributes : undefined);
          recordDepth = depth;
        } else if (tracking !== undefined) {
          path = [...path, tag.name];
        }
      } else if (depth === recordDepth + 1) {
        record.openField(tag.name);
      }
    });
    parser.on('closetag', () => {
      if (record !== undefined) {
        if (depth === recordDepth + 1) record.closeField();
        else if (depth === recordDepth) {
          out.push(record.build());
          records++;
          lastEnd = parser.position;
          tracking?.recordEnd(parser, recordTag ?? '', path);
          record = undefined;
          recordDepth = 0;
        }
      } else if (tracking !== undefined) {
        path = path.slice(0, -1);
      }
      depth--;
    });
    parser.on('text', (text) => record?.addText(text));
    parser.on('cdata', (text) => record?.addText(text));
    parser.on('end', () => {
      if (recordTag === undefined) {
        // The published message, whole, after our location prefix.
        throw new ParseError(
          'xml',
          'XmlParser: could not detect record tag. Provide recordTag in options.',
        );
      }
    });
    parser.on('error', (error) => {
      const at = { line: parser.line, column: parser.column, position: parser.position };
      throw new ParseError(
        'xml',
        error.message.replace(SAXES_POSITION_PREFIX, ''),
        tracking === undefined ? at : tracking.inInput(at),
        { cause: error },
      );
    });
    return parser;
  }
}

/** Runs a parser step and yields the records it completed, even when the step throws. */
function* drain(out: RawRecord[], step: () => unknown): Generator<RawRecord> {
  try {
    step();
  } finally {
    // Records completed before a ParseError are still handed over before it propagates.
    const ready = out.splice(0, out.length);
    yield* ready;
  }
}

/** saxes' place: 1-based line, column (characters) and position (UTF-16 code units). */
interface SaxesPlace {
  readonly line: number;
  readonly column: number;
  readonly position: number;
}

/**
 * The tracking side of `XmlParser.parseStreamFrom`. A resumed parse first writes `prefix` (the
 * open elements) to saxes, so saxes' places are shifted by it: `inInput` maps them back to the
 * input's. Per record it keeps a few numbers and a shared reference to the open elements.
 */
class XmlTracking {
  readonly positions: TextPositions;
  /** `<root><…>` reopening the elements around the resumed record; `''` from the start. */
  readonly prefix: string;
  private readonly prefixColumns: number;
  private readonly ends: number[] = [];
  private readonly paths: (readonly string[])[] = [];
  private recordTag = '';
  private yielded = 0;
  private lastLine = 1;
  private lastColumn = 0;
  private lastPath: readonly string[] = [];

  constructor(readonly resumed: { byteOffset: number; state: XmlCursorState } | undefined) {
    this.prefix = resumed === undefined ? '' : resumed.state.path.map((n) => `<${n}>`).join('');
    // saxes counts a column per code point (a surrogate pair is one column), not per grapheme.
    this.prefixColumns = Array.from(this.prefix).length;
    this.positions = new TextPositions({
      byteOffset: resumed?.byteOffset ?? 0,
      charOffset: this.prefix.length,
      line: 1,
      lineStart: 0,
    });
  }

  /** Where saxes is, in the input's terms (a resumed parse's saxes started at the cursor). */
  inInput(place: SaxesPlace): SaxesPlace {
    const state = this.resumed?.state;
    if (state === undefined) return place;
    return {
      line: state.line + place.line - 1,
      column: place.line === 1 ? state.column + place.column - this.prefixColumns : place.column,
      position: state.charOffset + place.position - this.prefix.length,
    };
  }

  /** A record element closed (saxes is just after its closing tag). */
  recordEnd(place: SaxesPlace, recordTag: string, path: readonly string[]): void {
    this.recordTag = recordTag;
    this.ends.push(place.position, place.line, place.column);
    this.paths.push(path);
  }

  /** Runs a saxes step and yields the records it completed, even when the step throws. */
  *drain(out: RawRecord[], step: () => void): Generator<RawRecord> {
    try {
      step();
    } finally {
      // Records completed before a ParseError are still handed over before it propagates.
      const ready = out.splice(0, out.length);
      const ends = this.ends.splice(0, this.ends.length);
      const paths = this.paths.splice(0, this.paths.length);
      for (let i = 0; i < ready.length; i++) {
        this.positions.recordEnd(ends[3 * i] ?? 0);
        this.lastLine = ends[3 * i + 1] ?? 1;
        this.lastColumn = ends[3 * i + 2] ?? 0;
        this.lastPath = paths[i] ?? [];
        this.yielded++;
        yield ready[i] as RawRecord;
      }
    }
  }

  cursor(): ParseCursor {
    const { resumed } = this;
    if (this.yielded === 0) {
      return resumed === undefined
        ? xmlStartCursor()
        : { byteOffset: resumed.byteOffset, state: resumed.state };
    }
    const end = this.positions.position();
    const place = this.inInput({
      line: this.lastLine,
      column: this.lastColumn,
      position: end.charOffset,
    });
    const state: XmlCursorState = {
      parser: 'xml',
      recordTag: this.recordTag,
      path: [...this.lastPath],
      charOffset: place.position,
      line: place.line,
      column: place.column,
    };
    return { byteOffset: end.byteOffset, state };
  }
}
