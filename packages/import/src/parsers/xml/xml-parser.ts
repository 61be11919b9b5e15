import { StringDecoder } from 'node:string_decoder';
import { InvalidOptionError, type RawRecord } from '@batchactions/core';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { ParseError } from '../../errors/parse-error';
import type { SourceParser } from '../../ports/source-parser';
import { wholeInput } from '../whole-input';
import { XmlRecordBuilder } from './xml-record-builder';

/** Options of `XmlParser`. */
export interface XmlParserOptions {
  /**
   * Name of the elements that are records (matched exactly, at any depth; elements outside
   * records are ignored).
   * @defaultValue none: every child element of the root element is a record
   */
  readonly recordElement?: string;
}

/** saxes prefixes its messages with `line:column: `; our ParseError carries those separately. */
const SAXES_POSITION_PREFIX = /^\d+:\d+: /;

/**
 * Streaming XML parser on saxes. Each record element becomes a record: its attributes and the
 * text content of its child elements (entities decoded, CDATA included) are the fields; a child
 * element wins over an attribute of the same name; a repeated child element gives an array.
 * Malformed XML throws `ParseError` with line and column.
 */
export class XmlParser implements SourceParser {
  private readonly recordElement: string | undefined;

  constructor(options: XmlParserOptions = {}) {
    const { recordElement } = options;
    if (
      recordElement !== undefined &&
      (typeof recordElement !== 'string' || recordElement === '')
    ) {
      throw new InvalidOptionError('recordElement', recordElement, 'a non-empty element name');
    }
    this.recordElement = recordElement;
  }

  /** Parses one complete input. */
  parse(data: string | Buffer): AsyncIterable<RawRecord> {
    return this.parseStream(wholeInput(data));
  }

  /** Parses a stream of chunks split anywhere, including inside UTF-8 characters. */
  async *parseStream(chunks: AsyncIterable<string | Buffer>): AsyncIterable<RawRecord> {
    const out: RawRecord[] = [];
    const parser = this.createSaxParser(out);
    const decoder = new StringDecoder('utf8');
    for await (const chunk of chunks) {
      yield* drain(out, () =>
        parser.write(typeof chunk === 'string' ? chunk : decoder.write(chunk)),
      );
    }
    yield* drain(out, () => parser.write(decoder.end()).close());
  }

  private createSaxParser(out: RawRecord[]): SaxesParser<{ xmlns: false; position: true }> {
    const parser = new SaxesParser<{ xmlns: false; position: true }>({
      xmlns: false,
      position: true,
    });
    const recordElement = this.recordElement;
    let depth = 0;
    /** Depth of the open record element, or 0 outside records. */
    let recordDepth = 0;
    let record: XmlRecordBuilder | undefined;

    parser.on('opentag', (tag: SaxesTagPlain) => {
      depth++;
      if (record === undefined) {
        const isRecord = recordElement === undefined ? depth === 2 : tag.name === recordElement;
        if (isRecord) {
          record = new XmlRecordBuilder(tag.attributes);
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
function* drain(out: RawRecord[], step: () => unknown): Iterable<RawRecord> {
  try {
    step();
  } finally {
    // Records completed before a ParseError are still handed over before it propagates.
    const ready = out.splice(0, out.length);
    yield* ready;
  }
}
