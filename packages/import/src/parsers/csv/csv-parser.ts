import { Readable, pipeline } from 'node:stream';
import type { RawRecord } from '@batchactions/core';
import { parse, type Options as CsvParseOptions } from 'csv-parse';
import { parse as parseWhole } from 'csv-parse/sync';
import type { SourceParser } from '../../ports/source-parser';
import { detectCsvDelimiter, firstLineEnd, type CsvDetection } from './csv-delimiter-detection';
import { toCsvParseError, type CsvProgress } from './csv-error-mapping';
import {
  resolveCsvOptions,
  type CsvParserOptions,
  type ResolvedCsvOptions,
} from './csv-parser-options';
import { CsvRecordShaper } from './csv-record-shaper';

/** A row as csv-parse yields it: its fields, or with `info` its fields and where it ended. */
type CsvRow = string[] | { readonly record: string[]; readonly info: { readonly lines: number } };

/** Bytes read at most before detecting the delimiter without a complete first line. */
const DETECTION_LIMIT = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

interface Head {
  readonly chunks: Buffer[];
  readonly exhausted: boolean;
  readonly delimiter: string;
}

/**
 * CSV parser (csv-parse underneath) with the published record shape: values are strings, keyed
 * by the header (duplicate names get `_1`, `_2`…), short rows lack the missing keys, surplus
 * values go to `__parsed_extra`, rows whose values are all empty are dropped. Handles a BOM, CRLF,
 * quoted delimiters, quotes and line breaks. Broken quoting throws `ParseError` naming the line
 * (the published parser ignored it).
 *
 * `parse` reads one whole input synchronously; `parseStream` reads a chunk stream split anywhere
 * (inside rows, quotes or multi-byte characters) with one header for the whole stream.
 */
export class CsvParser implements SourceParser {
  private readonly options: ResolvedCsvOptions;

  constructor(options?: Partial<CsvParserOptions>) {
    this.options = resolveCsvOptions(options);
  }

  /** Detects the delimiter of a sample (its first line): see {@link detectCsvDelimiter}. */
  static detect(sample: string | Buffer, quote = '"'): CsvDetection {
    return detectCsvDelimiter(typeof sample === 'string' ? sample : sample.toString('utf8'), quote);
  }

  /** `{ delimiter, encoding: 'utf-8', hasHeader: true }` for a sample (its first line). */
  detect(sample: string | Buffer): CsvDetection {
    const text = typeof sample === 'string' ? sample : sample.toString(this.options.encoding);
    return detectCsvDelimiter(text, this.options.quote);
  }

  /** Parses one complete input (synchronously). */
  *parse(data: string | Buffer): Generator<RawRecord> {
    const text = typeof data === 'string' ? data : data.toString(this.options.encoding);
    const delimiter = this.options.delimiter ?? this.detect(text).delimiter;
    const progress = this.newProgress();
    let rows: string[][];
    try {
      // Strings are parsed as text; Buffers as bytes in the configured encoding.
      const options = this.csvParseOptions(delimiter);
      const rowsOf: (input: string | Buffer, o: CsvParseOptions) => string[][] = parseWhole;
      rows =
        typeof data === 'string'
          ? rowsOf(data, { ...options, encoding: 'utf8' })
          : rowsOf(data, options);
    } catch (error: unknown) {
      throw toCsvParseError(error, progress);
    }
    const shaper = this.newShaper();
    for (const row of rows as unknown as CsvRow[]) {
      const record = this.shapeRow(shaper, row);
      if (record !== undefined) yield record;
    }
  }

  /** Parses a stream of chunks split anywhere (inside rows, quotes or multi-byte characters). */
  async *parseStream(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<RawRecord> {
    const source = chunks[Symbol.asyncIterator]();
    const head = await this.readHead(source);
    const progress = this.newProgress();
    const parser = parse(this.csvParseOptions(head.delimiter));
    const input = Readable.from(this.bytesOf(head, source));
    pipeline(input, parser, () => {
      // Nothing to do: on failure pipeline destroys `parser` with the error, and the loop below
      // rethrows it; an early `return` by our consumer also ends here (premature close).
    });
    const shaper = this.newShaper();
    try {
      for await (const row of parser as AsyncIterable<CsvRow>) {
        const record = this.shapeRow(shaper, row);
        if (record !== undefined) yield record;
      }
    } catch (error: unknown) {
      throw toCsvParseError(error, progress);
    }
  }

  private newShaper(): CsvRecordShaper {
    return new CsvRecordShaper(
      this.options.columns,
      this.options.hasHeader,
      this.options.malformedRows,
    );
  }

  /** One csv-parse row: plain, or with its line (`info`) when malformed rows are checked. */
  private shapeRow(shaper: CsvRecordShaper, row: CsvRow): ReturnType<CsvRecordShaper['shape']> {
    return Array.isArray(row) ? shaper.shape(row) : shaper.shape(row.record, row.info.lines);
  }

  private newProgress(): CsvProgress {
    return {
      usesHeader: this.options.hasHeader && this.options.columns === undefined,
      columnCount: this.options.columns?.length,
    };
  }

  private csvParseOptions(delimiter: string): CsvParseOptions {
    const { quote, trim, skipEmptyLines, encoding } = this.options;
    return {
      delimiter,
      quote,
      escape: quote,
      encoding,
      bom: true,
      trim,
      skip_empty_lines: skipEmptyLines,
      relax_column_count: true,
      relax_quotes: true,
      columns: false,
      // Each row's line, only when malformed rows are reported (it costs an object per row).
      info: this.options.malformedRows !== 'keep',
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
  ): AsyncGenerator<Buffer> {
    yield* head.chunks;
    if (head.exhausted) return;
    const rest: AsyncIterable<string | Buffer> = { [Symbol.asyncIterator]: () => source };
    for await (const chunk of rest) yield this.toBuffer(chunk);
  }

  private toBuffer(chunk: string | Buffer): Buffer {
    return typeof chunk === 'string' ? Buffer.from(chunk, this.options.encoding) : chunk;
  }
}
