import { StringDecoder } from 'node:string_decoder';
import { InvalidOptionError, type RawRecord } from '@batchactions/core';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { ParseError } from '../../errors/parse-error';
import type { ParserOptions, SourceParser } from '../../ports/source-parser';
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
  }

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
    for await (const chunk of chunks) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (!started && text.trim() === '') continue;
      started = true;
      yield* drain(out, () => parser.write(text));
    }
    const rest = decoder.end();
    if (!started && rest.trim() === '') return;
    yield* drain(out, () => parser.write(rest).close());
  }

  private createSaxParser(out: RawRecord[]): Saxes {
    const parser: Saxes = new SaxesParser({ xmlns: false, position: true });
    let recordTag = this.recordTag;
    let depth = 0;
    /** Depth of the open record element, or 0 outside records. */
    let recordDepth = 0;
    let record: XmlRecordBuilder | undefined;

    parser.on('opentag', (tag: SaxesTagPlain) => {
      depth++;
      if (record === undefined) {
        if (recordTag === undefined && depth === 2) recordTag = tag.name;
        if (tag.name === recordTag) {
          record = new XmlRecordBuilder(this.includeAttributes ? tag.attributes : undefined);
          recordDepth = depth;
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
          record = undefined;
          recordDepth = 0;
        }
      }
      depth--;
    });
    parser.on('text', (text) => record?.addText(text));
    parser.on('cdata', (text) => record?.addText(text));
    parser.on('end', () => {
      if (recordTag === undefined) {
        throw new ParseError('xml', 'could not detect record tag. Provide recordTag in options.');
      }
    });
    parser.on('error', (error) => {
      throw new ParseError(
        'xml',
        error.message.replace(SAXES_POSITION_PREFIX, ''),
        { line: parser.line, column: parser.column, position: parser.position },
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
