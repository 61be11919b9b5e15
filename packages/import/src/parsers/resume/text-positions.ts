/** Where a record ends in decoded text: bytes, UTF-16 code units, and the line it is on. */
export interface TextPosition {
  /** Bytes of the input before it (UTF-8 bytes of the decoded text, plus any bytes skipped). */
  readonly byteOffset: number;
  /** UTF-16 code units of the text fed before it (the scanner's `position` scale). */
  readonly charOffset: number;
  /** 1-based line it is on, counting `\n`. */
  readonly line: number;
  /** `charOffset` of the start of that line. */
  readonly lineStart: number;
}

interface FedText {
  readonly text: string;
  readonly start: TextPosition;
}

const LF = '\n';

/**
 * Maps record ends, given as code-unit offsets in the text fed to a scanner, to byte offsets and
 * lines. Per record it keeps one number (`recordEnd`); the bytes and lines are counted only when
 * `position()` is asked for (once per batch), from the text the record ended in.
 */
export class TextPositions {
  private current: FedText;
  /** The text the last record ended in (kept until another record ends in a later text). */
  private lastText: FedText;
  private lastEnd = -1;
  private resolved: TextPosition;
  private nextByte: number;
  private nextChar: number;

  constructor(initial: TextPosition) {
    this.current = { text: '', start: initial };
    this.lastText = this.current;
    this.resolved = initial;
    this.nextByte = initial.byteOffset;
    this.nextChar = initial.charOffset;
  }

  /** Bytes of the input that are not fed as text (a byte-order mark, skipped chunks). */
  skipBytes(count: number): void {
    this.nextByte += count;
  }

  /** Text about to be fed; `line`/`lineStart`: the scanner's line where the text starts. */
  feed(text: string, line: number, lineStart: number): void {
    this.current = {
      text,
      start: { byteOffset: this.nextByte, charOffset: this.nextChar, line, lineStart },
    };
    this.nextChar += text.length;
    this.nextByte += Buffer.byteLength(text, 'utf8');
  }

  /** A record ended just before code unit `charEnd` (in the current text). */
  recordEnd(charEnd: number): void {
    this.lastEnd = charEnd;
    this.lastText = this.current;
  }

  /** Where the last record ended (the initial position before any). */
  position(): TextPosition {
    if (this.lastEnd < 0) return this.resolved;
    const { text, start } = this.lastText;
    const part = text.slice(0, this.lastEnd - start.charOffset);
    let { line, lineStart } = start;
    for (let at = part.indexOf(LF); at !== -1; at = part.indexOf(LF, at + 1)) {
      line++;
      lineStart = start.charOffset + at + 1;
    }
    this.resolved = {
      byteOffset: start.byteOffset + Buffer.byteLength(part, 'utf8'),
      charOffset: this.lastEnd,
      line,
      lineStart,
    };
    this.lastEnd = -1;
    return this.resolved;
  }
}
