/** What made a CSV row look damaged. */
export type CsvDamageKind =
  /** A quote inside an unquoted field (`Broken "quote" here`), or text right after a closing quote. */
  | 'stray-quote'
  /**
   * A quoted field spans lines that themselves look like rows (they hold at least as many
   * delimiters as the header has columns minus one): a quote left open swallowed the rows after it.
   */
  | 'swallowed-lines';

/** One CSV row that looks damaged, with the lines it spans. */
export interface CsvDamagedRow {
  /** 1-based line where the row starts. */
  readonly line: number;
  /** 1-based line where the row ends (equal to `line` for a one-line row). */
  readonly endLine: number;
  /** What looks wrong (the first finding of the row). */
  readonly kind: CsvDamageKind;
  /** 1-based data row number (the header is not a row), as in error messages; 0: the header row. */
  readonly record: number;
}

/** The rows of a parse that look damaged: how many, and the first ones. */
export interface DamagedRowsReport {
  /** Rows that look damaged. */
  readonly count: number;
  /** The first of them, in input order (at most {@link DAMAGED_ROWS_SAMPLE}). */
  readonly rows: readonly CsvDamagedRow[];
}

/** Damaged rows kept in a report; `count` goes on counting beyond. */
export const DAMAGED_ROWS_SAMPLE = 100;

/** Where a row csv-parse will give starts, when it is worth knowing (multi-line or damaged). */
export interface CsvRowMark {
  /** 1-based csv-parse row number (the header row counts). */
  readonly row: number;
  readonly line: number;
  readonly endLine: number;
  readonly kind: CsvDamageKind | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/** Record delimiters, as csv-parse discovers them: the first line break outside quotes. */
const UNKNOWN = 0;
const LF_ONLY = 1;
const CRLF = 2;
const CR_ONLY = 3;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

/**
 * Scans the bytes csv-parse reads, one pass, one comparison or two per byte, with csv-parse's
 * quoting rules (`relax_quotes`: a quote opens a quoted field only at the start of the field), and
 * marks the rows that are damaged or span lines: their start and end lines. It runs ahead of
 * csv-parse; the marks wait in a queue until their row is consumed.
 *
 * Only for a one-byte delimiter and quote in an encoding where they are one byte (utf-8,
 * latin1, ascii); {@link CsvDamageScanner.supports} tells.
 */
export class CsvDamageScanner {
  private state = FIELD_START;
  private line: number;
  private row: number;
  private startLine: number;
  private hasContent = false;
  /** A CR outside quotes waits for the next byte (a CRLF, or a CR alone). */
  private afterCr = false;
  private recordDelimiter = UNKNOWN;
  private kind: CsvDamageKind | undefined = undefined;
  /** Inside a quoted field, on a line after its first: delimiters seen on this line. */
  private spanning = false;
  private lineDelimiters = 0;
  private readonly marks: CsvRowMark[] = [];
  private swallowThreshold: number | undefined;
  /** Delimiters of the row being scanned outside quotes (the first row sets the threshold). */
  private rowDelimiters = 0;
  private head = 0;
  private readonly delimiter: number;
  private readonly quote: number;

  /**
   * @param linesBefore lines before the first byte scanned (a resumed parse)
   * @param rowsBefore csv-parse rows before it (header row included)
   * @param recordDelimiter the line break a resumed parse uses (`null`: discovered)
   * @param columns the header's column count when known; else the first row's is used: a line
   *   inside a quoted field holding `columns - 1` delimiters looks like a row
   */
  constructor(
    delimiter: string,
    quote: string,
    private readonly trim: boolean,
    private readonly skipEmptyLines: boolean,
    columns: number | undefined,
    linesBefore = 0,
    rowsBefore = 0,
    recordDelimiter: string | null = null,
  ) {
    this.recordDelimiter =
      recordDelimiter === '\n'
        ? LF_ONLY
        : recordDelimiter === '\r\n'
          ? CRLF
          : recordDelimiter === '\r'
            ? CR_ONLY
            : UNKNOWN;
    this.swallowThreshold = columns === undefined ? undefined : Math.max(1, columns - 1);
    this.delimiter = delimiter.charCodeAt(0);
    this.quote = quote.charCodeAt(0);
    this.line = linesBefore + 1;
    this.startLine = this.line;
    this.row = rowsBefore;
  }

  /** Whether the scanner understands this delimiter, quote and encoding. */
  static supports(delimiter: string, quote: string, encoding: BufferEncoding): boolean {
    const oneByte = (s: string): boolean => s.length === 1 && s.charCodeAt(0) < 0x80;
    return (
      oneByte(delimiter) &&
      oneByte(quote) &&
      ['utf8', 'utf-8', 'latin1', 'binary', 'ascii'].includes(encoding.toLowerCase())
    );
  }

  /**
   * Scans the next bytes of the input. Lines without a quote or a CR, in a file whose line break
   * is LF, are skimmed (`skim`): only their line breaks are looked for. The line holding the
   * next quote or CR, and everything while skimming is not possible, is read byte by byte.
   */
  scan(chunk: Buffer): void {
    const length = chunk.length;
    // Where the next quote and CR are (-1: none left in the chunk; -2: not looked for yet).
    let nextQuote = -2;
    let nextCr = -2;
    let from = 0;
    while (from < length) {
      if (this.skimmable()) {
        if (nextQuote !== -1 && nextQuote < from) nextQuote = chunk.indexOf(this.quote, from);
        if (nextCr !== -1 && nextCr < from) nextCr = chunk.indexOf(CR, from);
        const stop = Math.min(
          nextQuote === -1 ? length : nextQuote,
          nextCr === -1 ? length : nextCr,
        );
        from = this.skim(chunk, from, stop);
        if (from >= length) break;
      }
      const lf = chunk.indexOf(LF, from);
      const to = lf === -1 ? length : lf + 1;
      this.scanBytes(chunk, from, to);
      from = to;
    }
  }

  /**
   * Whether the bytes ahead can be skimmed: outside quotes, no CR pending, LF line breaks known,
   * the swallow threshold known, no trimming (a line of blanks is not content then).
   */
  private skimmable(): boolean {
    return (
      !this.afterCr &&
      !this.trim &&
      this.recordDelimiter === LF_ONLY &&
      this.swallowThreshold !== undefined &&
      (this.state === FIELD_START || this.state === UNQUOTED)
    );
  }

  /**
   * Reads `chunk` from `from` up to `stop` (the next quote or CR, or the end) line by line: none
   * of those bytes can damage a row or make it span lines, so each LF ends a row (with content
   * when its line is not empty). Returns where the byte-by-byte scan must go on: the start of the
   * line holding `stop`, or the chunk's length when nothing is left.
   */
  private skim(chunk: Buffer, from: number, stop: number): number {
    let start = from;
    for (;;) {
      const lf = chunk.indexOf(LF, start);
      if (lf === -1 || lf >= stop) break;
      if (lf > start) this.hasContent = true;
      this.state = this.rowEnd();
      start = lf + 1;
    }
    if (stop < chunk.length) return start;
    if (start < chunk.length) {
      // The start of a row the next chunk ends.
      this.hasContent = true;
      this.state = chunk[chunk.length - 1] === this.delimiter ? FIELD_START : UNQUOTED;
    }
    return chunk.length;
  }

  /** Scans bytes `from`..`to` (excluded) of `chunk` one by one. */
  private scanBytes(chunk: Buffer, from: number, to: number): void {
    const delimiter = this.delimiter;
    const quote = this.quote;
    let state = this.state;
    for (let i = from; i < to; i++) {
      const byte = chunk[i] as number;
      if (this.afterCr) {
        // A CR outside quotes, with CRLF or no line break known yet: this byte tells.
        this.afterCr = false;
        if (byte === LF) {
          if (this.recordDelimiter === UNKNOWN) this.recordDelimiter = CRLF;
          state = this.rowEnd();
          continue;
        }
        if (this.recordDelimiter === UNKNOWN) {
          this.recordDelimiter = CR_ONLY;
          state = this.rowEnd();
        } else {
          // A lone CR in a CRLF file: a character of the field, and a line for csv-parse.
          this.line += 1;
          state = this.asContent(state);
        }
      }
      // Most bytes are none of the special ones: one range check skips the line-break tests.
      if (byte <= CR && (byte === LF || byte === CR)) {
        if (state === QUOTED) {
          // csv-parse counts a line for every CR and every LF inside quotes.
          this.line += 1;
          this.spanning = true;
          this.lineDelimiters = 0;
          continue;
        }
        const known = this.recordDelimiter;
        if (byte === CR && (known === UNKNOWN || known === CRLF)) {
          this.afterCr = true;
          continue;
        }
        if (byte === LF ? known === UNKNOWN || known === LF_ONLY : known === CR_ONLY) {
          if (known === UNKNOWN) this.recordDelimiter = LF_ONLY;
          state = this.rowEnd();
          continue;
        }
        // A line break that is not the record delimiter: a character of the field.
        this.line += 1;
        state = this.asContent(state);
        continue;
      }
      switch (state) {
        case FIELD_START:
          if (byte === quote) {
            state = QUOTED;
            this.hasContent = true;
          } else if (byte === delimiter) {
            this.hasContent = true;
            this.rowDelimiters += 1;
          } else if (!(this.trim && (byte === SPACE || byte === TAB))) {
            state = UNQUOTED;
            this.hasContent = true;
          }
          break;
        case UNQUOTED:
          if (byte === delimiter) {
            state = FIELD_START;
            this.rowDelimiters += 1;
          } else if (byte === quote) this.damage('stray-quote');
          break;
        case QUOTED:
          if (byte === quote) state = QUOTE_IN_QUOTED;
          else if (byte === delimiter && this.spanning) {
            this.lineDelimiters += 1;
            if (this.lineDelimiters === this.swallowThreshold) this.damage('swallowed-lines');
          }
          break;
        default:
          // QUOTE_IN_QUOTED: a doubled quote, the end of the field, or text after it.
          if (byte === quote) state = QUOTED;
          else if (byte === delimiter) {
            state = FIELD_START;
            this.spanning = false;
            this.rowDelimiters += 1;
          } else if (!(this.trim && (byte === SPACE || byte === TAB))) {
            state = UNQUOTED;
            this.spanning = false;
            this.damage('stray-quote');
          }
      }
    }
    this.state = state;
  }

  /** The record delimiter ended a row: the next byte starts a field. */
  private rowEnd(): number {
    this.spanning = false;
    this.endRow();
    return FIELD_START;
  }

  /** A byte of field content outside quotes (a line break that is not the record delimiter). */
  private asContent(state: number): number {
    this.hasContent = true;
    if (state === QUOTE_IN_QUOTED) {
      this.spanning = false;
      this.damage('stray-quote');
    }
    return state === QUOTED ? QUOTED : UNQUOTED;
  }

  /** The line where the row being scanned starts, while it is inside a quoted field. */
  get openQuoteLine(): number | undefined {
    return this.state === QUOTED ? this.startLine : undefined;
  }

  /** The input ended. */
  end(): void {
    if (this.afterCr) {
      this.afterCr = false;
      this.rowEnd();
      return;
    }
    if (this.state !== QUOTED && this.hasContent) this.endRow();
  }

  /**
   * The mark of csv-parse row `row` if it has one (marks of earlier rows are dropped). Rows are
   * asked for in order.
   */
  markOf(row: number): CsvRowMark | undefined {
    const { marks } = this;
    while (this.head < marks.length) {
      const mark = marks[this.head] as CsvRowMark;
      if (mark.row > row) return undefined;
      this.head += 1;
      if (this.head === marks.length) {
        marks.length = 0;
        this.head = 0;
      } else if (this.head >= 1024) {
        marks.splice(0, this.head);
        this.head = 0;
      }
      if (mark.row === row) return mark;
    }
    return undefined;
  }

  private damage(kind: CsvDamageKind): void {
    if (this.kind === undefined) this.kind = kind;
  }

  private endRow(): void {
    if (this.hasContent || !this.skipEmptyLines) {
      this.row += 1;
      if (this.swallowThreshold === undefined) {
        this.swallowThreshold = Math.max(1, this.rowDelimiters);
      }
      if (this.kind !== undefined || this.startLine !== this.line) {
        this.marks.push({
          row: this.row,
          line: this.startLine,
          endLine: this.line,
          kind: this.kind,
        });
      }
    }
    this.line += 1;
    this.startLine = this.line;
    this.hasContent = false;
    this.rowDelimiters = 0;
    this.kind = undefined;
    this.spanning = false;
  }
}

/** Counts damaged rows and keeps the first ones. */
export class DamagedRows {
  private count = 0;
  private readonly rows: CsvDamagedRow[] = [];

  add(row: CsvDamagedRow): void {
    this.count += 1;
    if (this.rows.length < DAMAGED_ROWS_SAMPLE) this.rows.push(row);
  }

  /** The report, or `undefined` when no row looked damaged. */
  report(): DamagedRowsReport | undefined {
    return this.count === 0 ? undefined : { count: this.count, rows: [...this.rows] };
  }
}
