import { Readable, pipeline } from 'node:stream';
import type { RawRecord } from '@batchactions/core';
import { parse, type Options as CsvParseOptions } from 'csv-parse';
import { ParseError } from '../../errors/parse-error';
import type { SourceParser } from '../../ports/source-parser';
import { wholeInput } from '../whole-input';
import { detectCsvDelimiter, firstLineEnd, type CsvDetection } from './csv-delimiter-detection';
import { toCsvParseError } from './csv-error-mapping';
import {
  resolveCsvOptions,
  type CsvParserOptions,
  type ResolvedCsvOptions,
} from './csv-parser-options';

/** Bytes read at most before detecting the delimiter without a complete first line. */
const DETECTION_LIMIT = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

interface Head {
  readonly chunks: Buffer[];
  readonly exhausted: boolean;
  readonly delimiter: string;
}

/** Mutable progress shared with the header callback and the error mapping. */
interface ParseProgress {
  readonly usesHeader: boolean;
  headerRead: boolean;
  columnCount: number | undefined;
}

/**
 * Streaming CSV parser on csv-parse. Each data row becomes a record keyed by the header (or the
 * `columns` option); values are strings. Handles a BOM, CRLF, quoted delimiters, quotes and
 * line breaks, and multi-byte characters split across chunks. A row with a different number of
 * fields than the header throws `CsvColumnCountError`; malformed quoting throws `ParseError`.
 * No row is ever skipped silently (only empty lines, with `skipEmptyLines`).
 */
export class CsvParser implements SourceParser {
  private readonly options: ResolvedCsvOptions;

  constructor(options?: CsvParserOptions) {
    this.options = resolveCsvOptions(options);
  }

  /** Detects the delimiter of a sample (its first line): see {@link detectCsvDelimiter}. */
  static detect(sample: string | Buffer, quote = '"'): CsvDetection {
    return detectCsvDelimiter(typeof sample === 'string' ? sample : sample.toString('utf8'), quote);
  }

  /** Detects the delimiter of a sample with this parser's quote and encoding. */
  detect(sample: string | Buffer): CsvDetection {
    const text = typeof sample === 'string' ? sample : sample.toString(this.options.encoding);
    return detectCsvDelimiter(text, this.options.quote);
  }

  /** Parses one complete input. */
  parse(data: string | Buffer): AsyncIterable<RawRecord> {
    return this.parseStream(wholeInput(data));
  }

  /** Parses a stream of chunks split anywhere (inside rows, quotes or multi-byte characters). */
  async *parseStream(chunks: AsyncIterable<string | Buffer>): AsyncIterable<RawRecord> {
    const source = chunks[Symbol.asyncIterator]();
    const head = await this.readHead(source);
    const progress: ParseProgress = {
      usesHeader: this.options.columns === undefined,
      headerRead: false,
      columnCount: this.options.columns?.length,
    };
    const parser = parse(this.csvParseOptions(head.delimiter, progress));
    const input = Readable.from(this.bytesOf(head, source));
    pipeline(input, parser, () => {
      // Nothing to do: on failure pipeline destroys `parser` with the error, and the loop below
      // rethrows it; an early `return` by our consumer also ends here (premature close).
    });
    try {
      for await (const record of parser as AsyncIterable<RawRecord>) yield record;
    } catch (error: unknown) {
      throw toCsvParseError(error, progress);
    }
  }

  private csvParseOptions(delimiter: string, progress: ParseProgress): CsvParseOptions {
    const { columns, quote, encoding, trim, skipEmptyLines } = this.options;
    return {
      delimiter,
      quote,
      escape: quote,
      encoding,
      bom: true,
      trim,
      skip_empty_lines: skipEmptyLines,
      relax_column_count: false,
      columns:
        columns === undefined ? (header: string[]) => checkHeader(header, progress) : [...columns],
    };
  }

  /** Reads chunks until the delimiter is known (immediately when it is configured). */
  private async readHead(source: AsyncIterator<string | Buffer>): Promise<Head> {
    const configured = this.options.delimiter;
    if (configured !== undefined) return { chunks: [], exhausted: false, delimiter: configured };
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const next = await source.next();
      if (next.done === true) {
        return { chunks, exhausted: true, delimiter: this.detect(Buffer.concat(chunks)).delimiter };
      }
      const chunk = this.toBuffer(next.value);
      chunks.push(chunk);
      size += chunk.length;
      const mayHoldLineEnd = chunk.includes(LF) || chunk.includes(CR);
      if (!mayHoldLineEnd && size < DETECTION_LIMIT) continue;
      const text = Buffer.concat(chunks).toString(this.options.encoding);
      if (firstLineEnd(text, this.options.quote) !== -1 || size >= DETECTION_LIMIT) {
        return { chunks, exhausted: false, delimiter: this.detect(text).delimiter };
      }
    }
  }

  private async *bytesOf(
    head: Head,
    source: AsyncIterator<string | Buffer>,
  ): AsyncIterable<Buffer> {
    yield* head.chunks;
    if (head.exhausted) return;
    const rest: AsyncIterable<string | Buffer> = { [Symbol.asyncIterator]: () => source };
    for await (const chunk of rest) yield this.toBuffer(chunk);
  }

  private toBuffer(chunk: string | Buffer): Buffer {
    return typeof chunk === 'string' ? Buffer.from(chunk, this.options.encoding) : chunk;
  }
}

/** Header row check: names must be unique, and `__proto__` cannot be a plain-object key. */
function checkHeader(header: string[], progress: ParseProgress): string[] {
  const firstIndex = new Map<string, number>();
  header.forEach((name, index) => {
    const earlier = firstIndex.get(name);
    if (earlier !== undefined) {
      throw new ParseError(
        'csv',
        `duplicate column name ${JSON.stringify(name)} in the header (columns ${earlier + 1} and ${index + 1})`,
      );
    }
    if (name === '__proto__') {
      throw new ParseError('csv', 'the header names a column "__proto__", which cannot be a field');
    }
    firstIndex.set(name, index);
  });
  progress.headerRead = true;
  progress.columnCount = header.length;
  return header;
}
