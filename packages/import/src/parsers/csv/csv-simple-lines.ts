/**
 * The CSV fast path (issue 28): lines csv-parse would split plainly are split here, without
 * csv-parse, which spends about 21,800 instructions on a typical record. At the first line it
 * cannot prove simple, the reader stops and hands the rest of the input to csv-parse, which goes
 * on from that row boundary as a resumed parse would.
 *
 * What "simple" covers, and why each result equals csv-parse's (`relax_quotes`,
 * `relax_column_count`, no `trim`, `escape` = `quote`):
 * - a line without a quote cannot open, close or escape a quoted field; its line break is the
 *   record delimiter csv-parse discovers at the first line break, LF or CRLF, and a line holding
 *   any other CR or LF (a field character for csv-parse, and a line it counts) is not simple; so
 *   csv-parse's fields are exactly the pieces between delimiters; a lone CR as record delimiter
 *   is csv-parse's alone;
 * - a line whose quotes all belong to wrapped fields (`"a,b",c,"O""Brien",""`: a field that
 *   starts with the quote, doubled quotes inside it, and the delimiter or the line's end right
 *   after its closing quote) has csv-parse's fields too: each wrapped field is its text between
 *   the quotes, a doubled quote read as one (a quote anywhere else, text after a closing quote or
 *   a quote left open, which may span lines, make the line csv-parse's, and its damage
 *   scanner's);
 * - fields are decoded a line at a time: with one-byte ASCII delimiters, quotes and line breaks,
 *   no multi-byte character (nor an invalid sequence, replaced by U+FFFD) spans one of them, so
 *   the text is the same as csv-parse's field by field decoding;
 * - a line longer than `maxRecordBytes` goes to csv-parse, which reports it;
 * - a row is released only once the bytes csv-parse would wait for after it have arrived (the
 *   last byte received, the last two before the record delimiter is known), so the rows
 *   delivered before a failing chunk (a source error, input that is not text) are the same;
 * - a byte-order mark is skipped as csv-parse skips it (a UTF-8 one counts in byte offsets); an
 *   input csv-parse would decode otherwise (a UTF-16 mark, a UTF-8 mark with another encoding)
 *   is csv-parse's from its first byte.
 */

const LF = 0x0a;
const CR = 0x0d;
/**
 * Longest start of a line kept between chunks: a longer one is handed to csv-parse (which also
 * reports one over `maxRecordBytes`), so that joining chunks never copies much.
 */
const LONGEST_KEPT = 64 * 1024;

/**
 * Global switch of the fast path, for the differential tests and benchmarks only (not an
 * option: results are the same either way). `globalThis[CSV_SIMPLE_LINES_SWITCH] = false` turns
 * it off for parses started afterwards.
 */
export const CSV_SIMPLE_LINES_SWITCH = Symbol.for('@batchactions/import:csv-simple-lines');

/** Whether new parses use the fast path (see {@link CSV_SIMPLE_LINES_SWITCH}). */
export function simpleLinesEnabled(): boolean {
  return (globalThis as Record<symbol, unknown>)[CSV_SIMPLE_LINES_SWITCH] !== false;
}

/** Encodings in which the delimiter, quote and line breaks are single ASCII bytes. */
const ONE_BYTE_ASCII_ENCODINGS = ['utf8', 'utf-8', 'latin1', 'binary', 'ascii'];

/** What the reader needs of the parser's options and of where the parse starts. */
export interface CsvSimpleLinesSetup {
  readonly delimiter: string;
  readonly quote: string;
  readonly encoding: BufferEncoding;
  readonly trim: boolean;
  readonly skipEmptyLines: boolean;
  readonly maxRecordBytes: number;
  /** Whether the parse starts at the input's first byte (a byte-order mark may follow). */
  readonly atInputStart: boolean;
  /** The record delimiter known before the first byte (a resumed parse), `null`: not yet. */
  readonly recordDelimiter: string | null;
}

/** The record delimiters of simple lines: LF, CRLF (a lone CR is csv-parse's). */
export type SimpleRecordDelimiter = '\n' | '\r\n';

/** Receives a row: its fields, and where it ends (bytes and lines since the parse's start). */
export type SimpleRowSink = (fields: string[], bytes: number, lines: number) => void;

/**
 * Splits the simple lines of a chunk stream into rows (see the module comment), counting the
 * bytes, lines and rows it consumed so that csv-parse can go on from there.
 */
export class CsvSimpleLines {
  /** Bytes consumed since the parse's start (a byte-order mark and skipped lines included). */
  bytes = 0;
  /** Line breaks consumed. */
  lines = 0;
  /** Rows emitted (csv-parse's count: the header row and empty rows it keeps included). */
  rows = 0;
  /**
   * Where the last row emitted ends (0: none), as `bytes`. csv-parse's `info.bytes` stays there
   * until its next field ends, and its errors name that position.
   */
  lastRowEnd = 0;
  /** Fields of the first row emitted (the damage scanner's threshold when no header is known). */
  firstRowFields: number | undefined = undefined;
  /** The record delimiter csv-parse has discovered by now (`null`: no line break read yet). */
  recordDelimiter: SimpleRecordDelimiter | null;

  private readonly delimiter: string;
  private readonly quoteByte: number;
  private readonly utf8: boolean;
  private bomPending: boolean;
  /** Chunks received and not consumed yet (the start of a line). */
  private pending: Buffer[] = [];

  constructor(
    private readonly setup: CsvSimpleLinesSetup,
    private readonly emit: SimpleRowSink,
  ) {
    this.delimiter = setup.delimiter;
    this.quoteByte = setup.quote.charCodeAt(0);
    this.utf8 = ['utf8', 'utf-8'].includes(setup.encoding.toLowerCase());
    this.bomPending = setup.atInputStart;
    this.recordDelimiter =
      setup.recordDelimiter === '\n' || setup.recordDelimiter === '\r\n'
        ? setup.recordDelimiter
        : null;
  }

  /** Whether the fast path can read a parse with this setup at all. */
  static supports(setup: CsvSimpleLinesSetup): boolean {
    const asciiByte = (s: string): boolean =>
      s.length === 1 && s.charCodeAt(0) < 0x80 && s !== '\n' && s !== '\r';
    return (
      asciiByte(setup.delimiter) &&
      asciiByte(setup.quote) &&
      setup.delimiter !== setup.quote &&
      !setup.trim &&
      ONE_BYTE_ASCII_ENCODINGS.includes(setup.encoding.toLowerCase()) &&
      (setup.recordDelimiter === null ||
        setup.recordDelimiter === '\n' ||
        setup.recordDelimiter === '\r\n')
    );
  }

  /**
   * Reads the next chunk, emitting the rows of its complete simple lines. Returns `undefined`
   * while every line so far was simple; else the input from the first line that is not, for
   * csv-parse (the chunks as received when nothing was consumed yet). The reader is done then.
   */
  read(chunk: Buffer): Buffer[] | undefined {
    this.pending.push(chunk);
    return this.consume(false);
  }

  /** The input ended: emits the last line, or returns it (see `read`) when it is not simple. */
  end(): Buffer[] | undefined {
    return this.consume(true);
  }

  private consume(end: boolean): Buffer[] | undefined {
    const { pending } = this;
    const buf = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    let pos = 0;
    if (this.bomPending) {
      // csv-parse waits for three bytes before it looks for a byte-order mark.
      if (buf.length < 3 && !end) return undefined;
      this.bomPending = false;
      if (buf.length >= 3) {
        const utf8Bom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
        const utf16Bom = buf[0] === 0xff && buf[1] === 0xfe;
        // csv-parse would switch to the encoding the mark names: all of it is csv-parse's.
        if (utf16Bom || (utf8Bom && !this.utf8)) return this.handOver(buf, 0);
        if (utf8Bom) {
          pos = 3;
          this.bytes += 3;
        }
      }
    }
    let mode = this.recordDelimiter;
    if (mode === null) {
      const found = firstLineBreak(buf, pos, end);
      if (found === 'not simple') return this.handOver(buf, pos);
      mode = found ?? null;
    }
    // The first CR in a file of LF lines: its line is not simple (buf.length: none). (CRs of
    // CRLF lines, and quotes, are checked line by line.)
    const cr = mode === '\n' ? buf.indexOf(CR, pos) : -1;
    const special = cr === -1 ? buf.length : cr;
    // The complete lines csv-parse would have read: it keeps the last byte of the input received
    // for the next chunk (for the first line break, `firstLineBreak` tells).
    const firstLf = buf.indexOf(LF, pos);
    if (mode !== null && firstLf !== -1 && (end || firstLf < buf.length - 1)) {
      const limit = end ? buf.length : buf.length - 1;
      let stop = buf.lastIndexOf(LF, limit - 1) + 1;
      // The line holding the special byte, and those after it, are csv-parse's.
      const specialLine = special < stop ? Math.max(pos, buf.lastIndexOf(LF, special) + 1) : -1;
      if (specialLine !== -1) stop = specialLine;
      if (stop > pos) {
        const at = this.splitLines(buf, pos, stop, mode === '\r\n');
        // csv-parse discovers the record delimiter at the first line break it reads.
        if (at > pos) this.recordDelimiter = mode;
        if (at !== stop) return this.handOver(buf, at);
        pos = stop;
      }
      if (specialLine !== -1) return this.handOver(buf, pos);
    }
    // What is left is (the start of) a line, or lines csv-parse would not have read yet.
    const longest = Math.min(LONGEST_KEPT, this.setup.maxRecordBytes);
    if (special < buf.length || buf.length - pos > longest) return this.handOver(buf, pos);
    if (end) return this.lastLine(buf, pos);
    // Nothing consumed: the chunks stay as received (see `handOver`).
    if (pos > 0) this.pending = pos === buf.length ? [] : [buf.subarray(pos)];
    else if (pending.length > 1) this.pending = this.bytes === 0 ? pending : [buf];
    return undefined;
  }

  /** The input's last line, without a line break, from `pos`. */
  private lastLine(buf: Buffer, pos: number): Buffer[] | undefined {
    // A CR there is a field's character or a line break: csv-parse's.
    if (buf.indexOf(CR, pos) !== -1) return this.handOver(buf, pos);
    // csv-parse makes no row of an empty last line.
    if (pos === buf.length) {
      this.pending = [];
      return undefined;
    }
    const fields = this.fieldsOf(buf, pos, buf.length);
    if (fields === undefined) return this.handOver(buf, pos);
    this.pending = [];
    this.bytes += buf.length - pos;
    this.row(fields, this.lines + 1);
    return undefined;
  }

  /**
   * The fields of the line `buf[start..end)` (no line break in it), or `undefined` when it holds
   * a quote that does not wrap a whole field (see {@link splitQuotedFields}): csv-parse's.
   * `quoteAt`: the first quote at or after `start` (-1: none), when the caller knows it.
   */
  private fieldsOf(
    buf: Buffer,
    start: number,
    end: number,
    quoteAt = buf.indexOf(this.quoteByte, start),
  ): string[] | undefined {
    // Decoded a line at a time: a field kept by the caller holds on to its line at most (a
    // string sliced from a longer text keeps all of it alive).
    const text = buf.toString(this.setup.encoding, start, end);
    if (quoteAt === -1 || quoteAt >= end) return splitFields(text, this.delimiter);
    return splitQuotedFields(text, this.delimiter, this.setup.quote);
  }

  /**
   * The input from `pos` on, for csv-parse: from a row boundary. When nothing was consumed, the
   * chunks as received, so that csv-parse and the damage scanner see what they see without the
   * fast path.
   */
  private handOver(buf: Buffer, pos: number): Buffer[] {
    const rest = pos === 0 && this.bytes === 0 ? this.pending : [buf.subarray(pos)];
    this.pending = [];
    return rest;
  }

  /**
   * Emits the rows of the lines `buf[from..to)` (`to` just after an LF; no CR in LF lines).
   * Returns `to`, or the start of the first line that is not simple: longer than
   * `maxRecordBytes` (csv-parse reports it), holding a quote that does not wrap a whole field,
   * or, for CRLF lines (`crlf`), a line whose LF has no CR before it or which holds another CR
   * (field characters and lines for csv-parse).
   */
  private splitLines(buf: Buffer, from: number, to: number, crlf: boolean): number {
    const { maxRecordBytes, skipEmptyLines } = this.setup;
    let start = from;
    // The next quote from `start` on, looked for again only once passed (one scan per chunk).
    let quoteAt = buf.indexOf(this.quoteByte, start);
    while (start < to) {
      const lf = buf.indexOf(LF, start);
      const end = crlf ? lf - 1 : lf;
      if (crlf && (end < start || buf.indexOf(CR, start) !== end)) return start;
      if (end - start > maxRecordBytes) return start;
      if (quoteAt !== -1 && quoteAt < start) quoteAt = buf.indexOf(this.quoteByte, start);
      if (end > start) {
        const fields = this.fieldsOf(buf, start, end, quoteAt);
        if (fields === undefined) return start;
        this.lines += 1;
        this.bytes += lf + 1 - start;
        this.row(fields);
      } else {
        this.lines += 1;
        this.bytes += lf + 1 - start;
        if (!skipEmptyLines) this.row(['']);
      }
      start = lf + 1;
    }
    return to;
  }

  /** A row ending at the current position (`bytes`) on line `lines`. */
  private row(fields: string[], lines = this.lines): void {
    this.rows += 1;
    this.lastRowEnd = this.bytes;
    this.firstRowFields ??= fields.length;
    this.emit(fields, this.bytes, lines);
  }
}

/**
 * The record delimiter csv-parse will discover in `buf` from `pos`: the first line break,
 * `undefined` when it cannot tell yet (none, or not one csv-parse would have read: until it knows
 * the record delimiter, it keeps the last two bytes received for the next chunk), `'not simple'`
 * for a lone CR (csv-parse's record delimiter then) or a CR in the first line.
 */
function firstLineBreak(
  buf: Buffer,
  pos: number,
  end: boolean,
): SimpleRecordDelimiter | 'not simple' | undefined {
  const lf = buf.indexOf(LF, pos);
  const cr = buf.indexOf(CR, pos);
  if (cr !== -1 && (lf === -1 || cr < lf)) {
    if (cr + 1 === lf) return end || cr < buf.length - 2 ? '\r\n' : undefined;
    // A CR last may be the first half of a CRLF.
    return cr === buf.length - 1 && !end ? undefined : 'not simple';
  }
  if (lf === -1) return undefined;
  return end || lf < buf.length - 2 ? '\n' : undefined;
}

/**
 * The fields of one line holding the quote character, as csv-parse reads them, when every quote
 * in it belongs to a field wrapped in quotes: the field starts with a quote, a doubled quote in
 * it stands for one quote (the escape is the quote), and its closing quote is followed by the
 * delimiter or the line's end (`"a,b"` is `a,b`, `"O""Brien"` is `O"Brien`, `""` is empty).
 * `undefined` for anything else (a quote inside an unquoted field, text after a closing quote, a
 * quote left open, which may go on over the next lines): csv-parse reads those lines, and its
 * damage scanner marks the damaged ones.
 */
export function splitQuotedFields(
  line: string,
  delimiter: string,
  quote: string,
): string[] | undefined {
  const fields: string[] = [];
  let start = 0;
  for (;;) {
    if (line.startsWith(quote, start)) {
      let value = '';
      let from = start + 1;
      let close = line.indexOf(quote, from);
      // A doubled quote inside the field: one quote of its value.
      while (close !== -1 && line.startsWith(quote, close + 1)) {
        value += line.slice(from, close + 1);
        from = close + 2;
        close = line.indexOf(quote, from);
      }
      if (close === -1) return undefined;
      fields.push(value + line.slice(from, close));
      if (close + 1 === line.length) return fields;
      if (!line.startsWith(delimiter, close + 1)) return undefined;
      start = close + 2;
      continue;
    }
    const at = line.indexOf(delimiter, start);
    const end = at === -1 ? line.length : at;
    const stray = line.indexOf(quote, start);
    if (stray !== -1 && stray < end) return undefined;
    fields.push(line.slice(start, end));
    if (at === -1) return fields;
    start = at + 1;
  }
}

/** The fields of one line, split by a one-character delimiter. */
function splitFields(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let at = line.indexOf(delimiter); at !== -1; at = line.indexOf(delimiter, start)) {
    fields.push(line.slice(start, at));
    start = at + 1;
  }
  fields.push(start === 0 ? line : line.slice(start));
  return fields;
}
