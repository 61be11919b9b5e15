import { Readable, pipeline } from 'node:stream';
import type { RawRecord } from '@batchactions/core';
import { parse, type Options as CsvParseOptions, type Parser as CsvStreamParser } from 'csv-parse';
import { parse as parseWhole } from 'csv-parse/sync';
import type { ParseCursor, SourceParser, TrackedRecords } from '../../ports/source-parser';
import { trackedRecords } from '../resume/tracked-records';
import { csvStartCursor, CsvRowEnds, readCsvCursor, type CsvCursorState } from './csv-cursor';
import { detectCsvDelimiter, firstLineEnd, type CsvDetection } from './csv-delimiter-detection';
import { toCsvParseError, type CsvProgress } from './csv-error-mapping';
import {
  resolveCsvOptions,
  type CsvParserOptions,
  type ResolvedCsvOptions,
} from './csv-parser-options';
import { CsvRecordShaper } from './csv-record-shaper';
import { CsvDamagedRowError } from '../../errors/parse-error';
import { MALFORMED_ROW_KEY } from '../../schema/malformed-row';
import { RowQueue, TextCheck } from '../text-check';
import { CsvDamageScanner, DamagedRows, type CsvRowMark } from './csv-damage-scanner';
import {
  CsvSimpleLines,
  simpleLinesEnabled,
  type CsvSimpleLinesSetup,
  type SimpleRowSink,
} from './csv-simple-lines';

/** A row as csv-parse yields it: its fields, or with `info` its fields and where it ended. */
type CsvRow =
  | string[]
  | {
      readonly record: string[];
      readonly info: { readonly lines: number; readonly bytes: number };
    };

/** A stream being parsed: csv-parse's rows, and how each becomes a record. */
interface CsvRowStream {
  readonly rows: RowQueue<CsvRow>;
  /** The record of the next row (`undefined`: the header or an empty row), tracked and checked. */
  record(row: CsvRow): RawRecord | undefined;
  /** What to throw for `error` (csv-parse's errors named with their lines and positions). */
  failure(error: unknown): unknown;
  /** Stops reading the source. */
  close(): void;
}

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
 * (inside rows, quotes or multi-byte characters) with one header for the whole stream. The
 * streams split lines themselves (a fraction of csv-parse's cost) while each line holds no stray
 * CR and its quotes, if any, belong to fields wrapped in quotes (`"a,b",c,"O""Brien"`), up to
 * the first line that is otherwise (a quoted line break, a stray quote…); csv-parse reads the
 * input from there (see `CsvSimpleLines`: the results are the same).
 */
export class CsvParser implements SourceParser {
  private readonly options: ResolvedCsvOptions;

  constructor(options?: Partial<CsvParserOptions>) {
    this.options = resolveCsvOptions(options);
  }

  /**
   * Detects the delimiter of a sample, as published: the candidate among `,` `;` tab `|` that
   * splits its first row into the most fields (quotes respected; ties go to the earlier one);
   * `,` when none occurs.
   */
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
      const options = this.csvParseOptions(delimiter, { bom: true, recordDelimiter: null });
      const rowsOf: (input: string | Buffer, o: CsvParseOptions) => string[][] = parseWhole;
      rows =
        typeof data === 'string'
          ? rowsOf(data, { ...options, encoding: 'utf8' })
          : rowsOf(data, options);
    } catch (error: unknown) {
      throw toCsvParseError(error, progress);
    }
    const shaper = this.newShaper();
    const scanner = this.newScanner(delimiter, undefined);
    if (scanner !== undefined) {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      scanner.scan(hasBom(bytes) ? bytes.subarray(3) : bytes);
      scanner.end();
    }
    const damaged = new DamagedRows();
    let rowNumber = 0;
    for (const row of rows as unknown as CsvRow[]) {
      rowNumber += 1;
      const record = this.checkedRow(shaper, row, 0, scanner?.markOf(rowNumber), damaged);
      if (record !== undefined) yield record;
    }
  }

  /** Parses a stream of chunks split anywhere (inside rows, quotes or multi-byte characters). */
  parseStream(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<RawRecord> {
    return this.streamRecords(chunks, undefined, new DamagedRows());
  }

  /**
   * `parseStream` that tracks where each record ends (see `SourceParser.parseStreamFrom`). The
   * cursor's `byteOffset` is just after the record's line break (bytes of the input, string
   * chunks counted in `encoding`); its `state` holds the delimiter, the line break, the header
   * and the line and row counts, so a resumed parse names the same lines. A cursor made by
   * another parser, or with another delimiter, header or `columns`, is a `ParseResumeError`.
   */
  parseStreamFrom(chunks: AsyncIterable<string | Buffer>, from?: ParseCursor): TrackedRecords {
    const resume = from === undefined ? undefined : readCsvCursor(from, this.options);
    const tracking = new CsvTracking(
      resume?.byteOffset ?? 0,
      resume?.state,
      this.options.hasHeader && this.options.columns === undefined,
    );
    const damaged = new DamagedRows();
    const batches = new CsvRecordBatches(() => this.openRows(chunks, tracking, damaged));
    return {
      ...trackedRecords(
        this.streamRecords(chunks, tracking, damaged),
        () => tracking.cursor(),
        () => damaged.report(),
      ),
      take: (max) => batches.take(max),
      close: () => batches.close(),
    };
  }

  private async *streamRecords(
    chunks: AsyncIterable<string | Buffer>,
    tracking: CsvTracking | undefined,
    damaged: DamagedRows,
  ): AsyncGenerator<RawRecord> {
    const stream = await this.openRows(chunks, tracking, damaged);
    try {
      // The rows ready are taken together: no promise per row, only per record yielded.
      for (
        let ready = await stream.rows.next();
        ready.length > 0;
        ready = await stream.rows.next()
      ) {
        for (const row of ready) {
          const record = stream.record(row);
          if (record !== undefined) yield record;
        }
      }
    } catch (error: unknown) {
      throw stream.failure(error);
    } finally {
      // An early `return` by our consumer: stop reading the source.
      stream.close();
    }
  }

  /**
   * Starts parsing `chunks`: the rows, and how each becomes a record. Simple lines are split by
   * {@link CsvSimpleLines} while they last; csv-parse reads the input from the first line that
   * is not (all of it when the fast path does not apply), as a parse resumed there would.
   */
  private async openRows(
    chunks: AsyncIterable<string | Buffer>,
    tracking: CsvTracking | undefined,
    damaged: DamagedRows,
  ): Promise<CsvRowStream> {
    const source = chunks[Symbol.asyncIterator]();
    const resume = tracking?.resumed;
    const textCheck =
      resume === undefined ? new TextCheck('csv', this.options.encoding) : undefined;
    const head: Head =
      resume === undefined
        ? await this.readHead(source, textCheck)
        : { chunks: [], exhausted: false, delimiter: resume.delimiter };
    // Rows reach the queue as they are made, so the rows before an error are all read before it
    // is thrown (a stream destroyed by its error drops what it buffered).
    const rows = new RowQueue<CsvRow>();
    const input = this.bytesOf(head, source, textCheck, rows);
    const resumedRows = resume === undefined ? 0 : (resume.headerRow ? 1 : 0) + resume.dataRows;
    const delimiter = head.delimiter;
    const setup = this.simpleLinesSetup(delimiter, resume);
    const simple =
      setup === undefined
        ? undefined
        : new CsvSimpleLines(setup, this.simpleRowSink(rows, tracking));
    tracking?.begin(delimiter, !this.reportsLines, simple);
    let progress = this.newProgress(tracking);
    let parser: CsvStreamParser | undefined;
    let scanner: CsvDamageScanner | undefined;
    let closed = false;

    /** csv-parse on `pieces` then `rest`, from where `simple` stopped (if anywhere). */
    const startCsvParse = (
      pieces: readonly Buffer[],
      rest: AsyncIterator<Buffer>,
      before: CsvSimpleLines | undefined,
    ): void => {
      const at = before === undefined || before.bytes === 0 ? undefined : before;
      const recordDelimiter = at?.recordDelimiter ?? resume?.recordDelimiter ?? null;
      const csvParser = parse(
        this.csvParseOptions(delimiter, {
          // After the fast path's rows, a U+FEFF is data: csv-parse starts past any mark.
          bom: resume === undefined && at === undefined,
          recordDelimiter,
        }),
      );
      parser = csvParser;
      if (at !== undefined) {
        // csv-parse's position stays at the last row's end until a field ends (its errors name
        // it): start it there, as a parse from the start would have it. csv-parse only ever
        // assigns `info.bytes`; it is typed read-only for its callers.
        (csvParser.info as { bytes: number }).bytes = at.lastRowEnd - at.bytes;
      }
      if (at === undefined) {
        scanner = this.newScanner(delimiter, resume);
      } else {
        scanner = this.newScanner(delimiter, resume, at);
        progress = this.newProgress(tracking, at);
      }
      tracking?.watch(csvParser, at);
      csvParser.on('data', (row: CsvRow) => {
        rows.push(at === undefined || Array.isArray(row) ? row : shiftedRow(row, at));
      });
      const scanned = this.scanned(
        pieces,
        rest,
        scanner,
        at === undefined && textCheck !== undefined,
      );
      pipeline(Readable.from(scanned), csvParser, (error) => {
        rows.end(error);
      });
    };

    if (simple === undefined) {
      startCsvParse([], input, undefined);
    } else {
      const readSimpleLines = async (): Promise<void> => {
        try {
          for (;;) {
            const next = await input.next();
            if (closed) {
              await input.return(undefined);
              return;
            }
            const rest = next.done === true ? simple.end() : simple.read(next.value);
            if (rest !== undefined) {
              startCsvParse(rest, input, simple);
              return;
            }
            if (next.done === true) {
              rows.end();
              return;
            }
          }
        } catch (error: unknown) {
          rows.end(error);
        }
      };
      void readSimpleLines();
    }

    const shaper = this.newShaper(resume);
    const linesBefore = resume?.lines ?? 0;
    let rowNumber = resumedRows;
    return {
      rows,
      record: (row) => {
        rowNumber += 1;
        const mark = scanner?.markOf(rowNumber);
        const record = this.checkedRow(shaper, row, linesBefore, mark, damaged);
        if (tracking !== undefined) tracking.rowRead(row, shaper, record !== undefined);
        return record;
      },
      failure: (error) => {
        const openedAt = scanner?.openQuoteLine;
        return toCsvParseError(
          error,
          openedAt === undefined ? progress : { ...progress, openedAt },
        );
      },
      close: () => {
        closed = true;
        if (parser === undefined) {
          // Wakes the fast path waiting for room, which then stops reading the source.
          rows.end();
        } else if (!parser.destroyed) {
          parser.destroy();
        }
      },
    };
  }

  /** The fast path's setup for this parse, or `undefined` when it does not apply. */
  private simpleLinesSetup(
    delimiter: string,
    resume: CsvCursorState | undefined,
  ): CsvSimpleLinesSetup | undefined {
    if (!simpleLinesEnabled()) return undefined;
    const setup: CsvSimpleLinesSetup = {
      ...this.options,
      delimiter,
      atInputStart: resume === undefined,
      recordDelimiter: resume?.recordDelimiter ?? null,
    };
    return CsvSimpleLines.supports(setup) ? setup : undefined;
  }

  /** Where the fast path's rows go: the queue, with their ends as csv-parse's rows have them. */
  private simpleRowSink(rows: RowQueue<CsvRow>, tracking: CsvTracking | undefined): SimpleRowSink {
    if (this.reportsLines) {
      return (fields, bytes, lines) => {
        rows.push({ record: fields, info: { lines, bytes } });
      };
    }
    if (tracking === undefined) {
      return (fields) => {
        rows.push(fields);
      };
    }
    return (fields, bytes, lines) => {
      tracking.rowEnd(bytes, lines);
      rows.push(fields);
    };
  }

  /**
   * A row shaped into its record, with its damage (see `CsvDamageScanner`) counted, and, with
   * `malformedRows` `'invalid'` or `'fail'`, turned into an invalid record or an error.
   */
  private checkedRow(
    shaper: CsvRecordShaper,
    row: CsvRow,
    linesBefore: number,
    mark: CsvRowMark | undefined,
    damaged: DamagedRows,
  ): RawRecord | undefined {
    const mode = this.options.malformedRows;
    if (mark?.kind !== undefined && shaper.columns === undefined) {
      // The header row itself is damaged: reported as row 0; it cannot be an invalid record.
      const header = { line: mark.line, endLine: mark.endLine, kind: mark.kind, record: 0 };
      damaged.add(header);
      if (mode !== 'keep') throw new CsvDamagedRowError(mark.kind, header);
    }
    if (mode === 'fail' && mark?.kind !== undefined && shaper.columns !== undefined) {
      // Before the column count is checked: the damage is what made the count wrong.
      const fields = Array.isArray(row) ? row : row.record;
      if (fields.some((value) => value !== '')) {
        throw new CsvDamagedRowError(mark.kind, {
          line: mark.line,
          endLine: mark.endLine,
          record: shaper.rowsSeen + 1,
        });
      }
    }
    const record = this.shapeRow(shaper, row, linesBefore, mark?.line);
    if (mark?.kind === undefined || record === undefined) return record;
    const found = {
      line: mark.line,
      endLine: mark.endLine,
      kind: mark.kind,
      record: shaper.rowsSeen,
    };
    damaged.add(found);
    if (mode === 'invalid') {
      // The damage explains a wrong column count too: its message replaces that one.
      record[MALFORMED_ROW_KEY] =
        `line ${mark.line}: ${CsvDamagedRowError.detailOf(mark.kind, mark.line, mark.endLine)}`;
    }
    return record;
  }

  /** The damage scanner for this delimiter, when it understands it (one-byte characters). */
  private newScanner(
    delimiter: string,
    resume: CsvCursorState | undefined,
    simple?: CsvSimpleLines,
  ): CsvDamageScanner | undefined {
    const { quote, encoding, trim, skipEmptyLines, columns } = this.options;
    if (!CsvDamageScanner.supports(delimiter, quote, encoding)) return undefined;
    const header = resume?.header.length ?? columns?.length;
    const known = header === undefined || header === 0 ? undefined : header;
    return new CsvDamageScanner(
      delimiter,
      quote,
      trim,
      skipEmptyLines,
      // After the fast path, the first row it read sets the threshold, as it would have.
      known ?? simple?.firstRowFields,
      (resume?.lines ?? 0) + (simple?.lines ?? 0),
      (resume === undefined ? 0 : (resume.headerRow ? 1 : 0) + resume.dataRows) +
        (simple?.rows ?? 0),
      // csv-parse discovers the line break in a new parse; a resumed one is told it.
      simple?.recordDelimiter ?? resume?.recordDelimiter ?? null,
    );
  }

  /** Whether rows come with their `info` (line, bytes): when malformed rows are checked. */
  private get reportsLines(): boolean {
    return this.options.malformedRows !== 'keep';
  }

  private newShaper(resume?: CsvCursorState): CsvRecordShaper {
    return new CsvRecordShaper(
      this.options.columns,
      this.options.hasHeader,
      this.options.malformedRows,
      resume,
    );
  }

  /** One csv-parse row: plain, or with its line (`info`) when malformed rows are checked. */
  private shapeRow(
    shaper: CsvRecordShaper,
    row: CsvRow,
    linesBefore: number,
    startLine: number | undefined,
  ): ReturnType<CsvRecordShaper['shape']> {
    // A row's line is where it starts: the scanner knows it for a row spanning lines.
    return Array.isArray(row)
      ? shaper.shape(row, startLine)
      : shaper.shape(row.record, startLine ?? row.info.lines + linesBefore);
  }

  /**
   * What errors are named with: csv-parse counts rows, lines and bytes from where it started, a
   * resumed cursor and the rows of the fast path (`simple`) before it.
   */
  private newProgress(tracking?: CsvTracking, simple?: CsvSimpleLines): CsvProgress {
    const resume = tracking?.resumed;
    const resumed =
      resume === undefined || tracking === undefined
        ? undefined
        : {
            rows: (resume.headerRow ? 1 : 0) + resume.dataRows,
            lines: resume.lines,
            bytes: tracking.startOffset,
          };
    const before =
      simple === undefined
        ? resumed
        : {
            rows: (resumed?.rows ?? 0) + simple.rows,
            lines: (resumed?.lines ?? 0) + simple.lines,
            bytes: (resumed?.bytes ?? 0) + simple.bytes,
          };
    return {
      maxRecordBytes: this.options.maxRecordBytes,
      usesHeader: this.options.hasHeader && this.options.columns === undefined,
      columnCount: this.options.columns?.length,
      ...(before === undefined ? {} : { before }),
    };
  }

  /**
   * @param start `bom`: whether the input starts here (a parse resumed after a record, or after
   *   the fast path's rows, does not: a U+FEFF there is data); `recordDelimiter`: the line break
   *   discovered before, so a parse started after it splits rows the same way.
   */
  private csvParseOptions(
    delimiter: string,
    start: { readonly bom: boolean; readonly recordDelimiter: string | null },
  ): CsvParseOptions {
    const { quote, trim, skipEmptyLines, encoding } = this.options;
    return {
      delimiter,
      quote,
      escape: quote,
      encoding,
      bom: start.bom,
      ...(start.recordDelimiter === null ? {} : { record_delimiter: start.recordDelimiter }),
      trim,
      skip_empty_lines: skipEmptyLines,
      relax_column_count: true,
      relax_quotes: true,
      columns: false,
      max_record_size: maxRecordSize(this.options.maxRecordBytes),
      // Each row's line, only when malformed rows are reported (it costs an object per row).
      info: this.reportsLines,
    };
  }

  /** Reads chunks until the delimiter is known (immediately when it is configured). */
  private async readHead(
    source: AsyncIterator<string | Buffer>,
    textCheck: TextCheck | undefined,
  ): Promise<Head> {
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
      textCheck?.check(next.value);
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

  /**
   * The input's bytes: the head read already, then the rest of the source, each chunk checked
   * for being text (the first 64 KiB), and only when the consumer has room for more rows.
   */
  private async *bytesOf(
    head: Head,
    source: AsyncIterator<string | Buffer>,
    textCheck: TextCheck | undefined,
    rows: RowQueue<CsvRow>,
  ): AsyncGenerator<Buffer, void, undefined> {
    for (const chunk of head.chunks) {
      yield chunk;
      await rows.room();
    }
    if (!head.exhausted) {
      const rest: AsyncIterable<string | Buffer> = { [Symbol.asyncIterator]: () => source };
      for await (const value of rest) {
        const chunk = this.toBuffer(value);
        textCheck?.check(value);
        yield chunk;
        await rows.room();
      }
    }
  }

  /**
   * The bytes for csv-parse (`pieces`, then `rest`), each scanned for damage first.
   * `atInputStart`: the input's first bytes come first; a byte-order mark there is not data.
   */
  private async *scanned(
    pieces: readonly Buffer[],
    rest: AsyncIterator<Buffer>,
    scanner: CsvDamageScanner | undefined,
    atInputStart: boolean,
  ): AsyncGenerator<Buffer> {
    const scan = scanner === undefined ? undefined : new BomSkippingScan(scanner, atInputStart);
    for (const piece of pieces) {
      scan?.scan(piece);
      yield piece;
    }
    const more: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => rest };
    for await (const chunk of more) {
      scan?.scan(chunk);
      yield chunk;
    }
    scan?.end();
  }

  private toBuffer(chunk: string | Buffer): Buffer {
    return typeof chunk === 'string' ? Buffer.from(chunk, this.options.encoding) : chunk;
  }
}

/**
 * Feeds the damage scanner the bytes csv-parse parses: without the input's byte-order mark,
 * which csv-parse looks for in the input's first three bytes, whatever chunks hold them (the
 * scanner used to look only at the first chunk: a first chunk of one or two bytes made it read
 * the mark as data, and mark the wrong rows).
 */
class BomSkippingScan {
  /** The input's first bytes, while fewer than three arrived. */
  private start: Buffer | undefined;

  constructor(
    private readonly scanner: CsvDamageScanner,
    atInputStart: boolean,
  ) {
    this.start = atInputStart ? Buffer.alloc(0) : undefined;
  }

  scan(chunk: Buffer): void {
    if (this.start === undefined) {
      this.scanner.scan(chunk);
      return;
    }
    const start = this.start.length === 0 ? chunk : Buffer.concat([this.start, chunk]);
    if (start.length < 3) {
      // csv-parse waits for three bytes too: no row can be read before.
      this.start = start;
      return;
    }
    this.start = undefined;
    this.scanner.scan(hasBom(start) ? start.subarray(3) : start);
  }

  end(): void {
    if (this.start !== undefined && this.start.length > 0) this.scanner.scan(this.start);
    this.start = undefined;
    this.scanner.end();
  }
}

/** Whether `bytes` starts with a UTF-8 byte-order mark. */
function hasBom(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** A csv-parse row with `info`, its ends counted from the parse's start (`after` the fast path). */
function shiftedRow(
  row: Exclude<CsvRow, string[]>,
  after: { readonly bytes: number; readonly lines: number },
): CsvRow {
  return {
    record: row.record,
    info: { lines: row.info.lines + after.lines, bytes: row.info.bytes + after.bytes },
  };
}

/** csv-parse's `max_record_size` for `maxRecordBytes` (it counts bytes of fields). */
function maxRecordSize(maxRecordBytes: number): number {
  return maxRecordBytes;
}

/**
 * The tracking side of `parseStreamFrom`: where each csv-parse row ends (a pair of numbers per
 * row) and, for the last record yielded, its end, line and row count; the cursor object is
 * built only when asked for.
 */
class CsvTracking {
  private parser: CsvStreamParser | undefined;
  /** The fast path, while it reads (csv-parse not started). */
  private simple: CsvSimpleLines | undefined;
  private delimiter = '';
  private readonly ends = new CsvRowEnds();
  /** Whether row ends come from the queue (rows without `info`). */
  private queued = false;
  private yielded = false;
  private lastBytes = 0;
  private lastLines = 0;
  private lastDataRows = 0;
  private lastHeader: readonly string[] = [];

  constructor(
    /** Bytes of the input before the chunks parsed (the resumed cursor's `byteOffset`). */
    readonly startOffset: number,
    /** The state resumed from, if any. */
    readonly resumed: CsvCursorState | undefined,
    /** Whether the header is the input's first row. */
    private readonly headerRow: boolean,
  ) {}

  /**
   * Starts tracking a parse with `delimiter`; `queue`: rows come without `info`, their ends are
   * recorded as they are made (`rowEnd`, or csv-parse's pushes once `watch`ed).
   */
  begin(delimiter: string, queue: boolean, simple?: CsvSimpleLines): void {
    this.delimiter = delimiter;
    this.queued = queue;
    this.simple = simple;
  }

  /** A row of the fast path ends here (bytes and lines since the parse's start). */
  rowEnd(bytes: number, lines: number): void {
    this.ends.push(bytes, lines);
  }

  /**
   * Tracks a csv-parse stream, started after the fast path's rows (`after`: its counts are
   * added to csv-parse's) or at the parse's start.
   */
  watch(
    parser: CsvStreamParser,
    after: { readonly bytes: number; readonly lines: number } | undefined,
  ): void {
    this.parser = parser;
    if (!this.queued) return;
    const { ends } = this;
    const bytes = after?.bytes ?? 0;
    const lines = after?.lines ?? 0;
    const push = parser.push.bind(parser);
    // csv-parse updates `info` just before it pushes a row: that is the row's end.
    parser.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (chunk !== null) ends.push(parser.info.bytes + bytes, parser.info.lines + lines);
      return push(chunk, encoding);
    };
  }

  /** A row was consumed; `yielded`: it became the record about to be yielded. */
  rowRead(row: CsvRow, shaper: CsvRecordShaper, yielded: boolean): void {
    let bytes: number;
    let lines: number;
    if (this.queued) {
      this.ends.shift();
      bytes = this.ends.bytes;
      lines = this.ends.lines;
    } else {
      const { info } = row as Exclude<CsvRow, string[]>;
      bytes = info.bytes;
      lines = info.lines;
    }
    if (!yielded) return;
    this.yielded = true;
    this.lastBytes = bytes;
    this.lastLines = lines;
    this.lastDataRows = shaper.rowsSeen;
    this.lastHeader = shaper.columns ?? [];
  }

  cursor(): ParseCursor {
    const resumed = this.resumed;
    if (!this.yielded) {
      return resumed === undefined
        ? csvStartCursor()
        : { byteOffset: this.startOffset, state: resumed };
    }
    const discovered = this.parser?.options.record_delimiter[0];
    const encoding: BufferEncoding = this.parser?.options.encoding ?? 'utf8';
    const state: CsvCursorState = {
      parser: 'csv',
      delimiter: this.delimiter,
      recordDelimiter:
        discovered !== undefined
          ? discovered.toString(encoding)
          : ((this.parser === undefined ? this.simple?.recordDelimiter : undefined) ??
            resumed?.recordDelimiter ??
            null),
      header: this.lastHeader,
      headerRow: this.headerRow,
      dataRows: this.lastDataRows,
      lines: (resumed?.lines ?? 0) + this.lastLines,
    };
    return { byteOffset: this.startOffset + this.lastBytes, state };
  }
}

/**
 * `TrackedRecords.take` of a CSV parse: the records of the rows ready, up to a count, so that a
 * consumer reading by the batch pays no promise per record. The parse starts on the first call.
 * The records before a failing row are returned first; the next call throws the failure.
 */
class CsvRecordBatches {
  private stream: Promise<CsvRowStream> | undefined;
  private ready: CsvRow[] = [];
  private at = 0;
  private failed: { readonly error: unknown } | undefined;

  constructor(private readonly open: () => Promise<CsvRowStream>) {}

  async take(max: number): Promise<RawRecord[]> {
    if (this.failed !== undefined) throw this.failed.error;
    const stream = await (this.stream ??= this.open());
    const out: RawRecord[] = [];
    try {
      for (;;) {
        const { ready } = this;
        while (this.at < ready.length) {
          const row = ready[this.at] as CsvRow;
          this.at += 1;
          const record = stream.record(row);
          if (record === undefined) continue;
          out.push(record);
          if (out.length >= max) return out;
        }
        if (out.length > 0) return out;
        this.ready = await stream.rows.next();
        this.at = 0;
        if (this.ready.length === 0) return out;
      }
    } catch (error: unknown) {
      const failure = stream.failure(error);
      this.failed = { error: failure };
      if (out.length === 0) throw failure;
      return out;
    }
  }

  async close(): Promise<void> {
    const opening = this.stream;
    if (opening === undefined) return;
    // A parse that failed to start has nothing to stop (its error went to `take`).
    const stream = await opening.catch(() => undefined);
    stream?.close();
  }
}
