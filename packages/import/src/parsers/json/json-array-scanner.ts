import type { RawRecord } from '@batchactions/core';
import { NestingTooDeepError, ParseError, RecordTooLargeError } from '../../errors/parse-error';
import { ScanPosition } from './scan-position';
import { advancePosition, locateJsonSyntaxError } from './json-syntax-locator';
import { isJsonWhitespace, type JsonScanPoint, type JsonTextScanner } from './json-text-scanner';

/** The published message for an input that is not an array, kept at the start of ours. */
const NOT_AN_ARRAY = 'JsonParser: expected a JSON array of objects';
/** The published message for an array element that is not an object, kept at the start of ours. */
const NOT_AN_OBJECT = 'JsonParser: each item in the array must be a plain object';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LF = 0x0a;

/** What the scanner expects next. */
const Expect = {
  ArrayStart: 0,
  ElementOrEnd: 1,
  Element: 2,
  CommaOrEnd: 3,
  Nothing: 4,
  InElement: 5,
} as const;
type Expect = (typeof Expect)[keyof typeof Expect];

function describeToken(code: number): string {
  return JSON.stringify(String.fromCharCode(code));
}

function startedKind(code: number): string {
  if (code === OPEN_BRACKET) return 'an array';
  if (code === QUOTE) return 'a string';
  if (code === 0x74 || code === 0x66) return 'a boolean';
  if (code === 0x6e) return 'null';
  if (code === 0x2d || (code >= 0x30 && code <= 0x39)) return 'a number';
  return '';
}

/**
 * Reads a top-level JSON array incrementally and emits each element, which must be an object.
 * Only the element being read is buffered, so memory is bounded by the largest element. The
 * scanner tracks strings and nesting to find element boundaries; each element's text is then
 * handed to `JSON.parse`, and on failure a checker locates the problem for the error message.
 */
export class JsonArrayScanner extends ScanPosition implements JsonTextScanner {
  private expect: Expect = Expect.ArrayStart;
  /** Nesting depth inside the current element (1 = the element's own braces). */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Pieces of the current element from earlier chunks. */
  private parts: string[] = [];
  /** Code units held in `parts`. */
  private partsLength = 0;
  private elementLine = 0;
  private elementColumn = 0;
  private elementPosition = 0;
  /** After an element the scanner expects `,` or `]`. */
  override resume(point: JsonScanPoint): void {
    super.resume(point);
    this.expect = Expect.CommaOrEnd;
  }

  feed(text: string, out: RawRecord[]): void {
    let start = this.expect === Expect.InElement ? 0 : -1;
    let { depth, inString, escaped } = this;
    const length = text.length;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code === LF) {
        this.line++;
        this.lineStart = this.offset + i + 1;
      }
      if (this.expect === Expect.InElement) {
        if (inString) {
          if (escaped) escaped = false;
          else if (code === BACKSLASH) escaped = true;
          else if (code === QUOTE) inString = false;
        } else if (code === QUOTE) {
          inString = true;
        } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
          if (++depth > this.maxDepth) {
            throw new NestingTooDeepError('json', this.maxDepth, {
              ...this.location(i),
              record: this.records + 1,
            });
          }
        } else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && --depth === 0) {
          this.emit(text.slice(start, i + 1), out);
          this.recordEnds?.push(this.offset + i + 1);
          start = -1;
          this.expect = Expect.CommaOrEnd;
        }
        continue;
      }
      if (isJsonWhitespace(code)) continue;
      if (this.expect === Expect.ArrayStart) {
        if (code !== OPEN_BRACKET)
          this.fail(
            i,
            `${NOT_AN_ARRAY}; got ${describeToken(code)} where '[' should start the array`,
          );
        this.expect = Expect.ElementOrEnd;
      } else if (this.expect === Expect.CommaOrEnd) {
        if (code === COMMA) this.expect = Expect.Element;
        else if (code === CLOSE_BRACKET) this.expect = Expect.Nothing;
        else
          this.fail(
            i,
            `expected ',' or ']' after the array element at index ${this.records - 1}, got ${describeToken(code)}`,
          );
      } else if (this.expect === Expect.Nothing) {
        this.fail(i, `unexpected ${describeToken(code)} after the closing ']' of the array`);
      } else if (code === OPEN_BRACE) {
        start = i;
        depth = 1;
        inString = false;
        escaped = false;
        this.expect = Expect.InElement;
        this.markElementStart(i);
      } else if (code === CLOSE_BRACKET && this.expect === Expect.ElementOrEnd) {
        this.expect = Expect.Nothing;
      } else {
        this.failAtElement(i, code);
      }
    }
    if (start !== -1) {
      const part = start === 0 ? text : text.slice(start);
      this.partsLength += part.length;
      // The element so far is held in memory: not beyond the limit (plus one chunk).
      if (this.partsLength > this.maxRecordBytes) this.tooLarge();
      this.parts.push(part);
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.offset += length;
  }

  end(): void {
    // Positions are relative to the text after the last one fed: 0 is the end of the input.
    if (this.expect === Expect.Nothing) return;
    if (this.expect === Expect.ArrayStart) {
      this.fail(0, `${NOT_AN_ARRAY}; the input is empty`);
    }
    if (this.expect === Expect.InElement) {
      throw new ParseError(
        'json',
        `unexpected end of input inside the array element at index ${this.records} (it starts at line ${this.elementLine}, column ${this.elementColumn})`,
        { ...this.location(0), record: this.records + 1 },
      );
    }
    this.fail(0, "unexpected end of input: the array is not closed with ']'");
  }

  private tooLarge(): never {
    throw new RecordTooLargeError('json', this.maxRecordBytes, {
      line: this.elementLine,
      column: this.elementColumn,
      position: this.elementPosition,
      record: this.records + 1,
    });
  }

  private markElementStart(i: number): void {
    this.elementPosition = this.offset + i;
    this.elementLine = this.line;
    this.elementColumn = this.elementPosition - this.lineStart + 1;
  }

  private emit(tail: string, out: RawRecord[]): void {
    if (this.partsLength + tail.length > this.maxRecordBytes) this.tooLarge();
    const text = this.parts.length === 0 ? tail : this.parts.join('') + tail;
    this.parts = [];
    this.partsLength = 0;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error: unknown) {
      const fallback = error instanceof Error ? error.message : String(error);
      const problem = locateJsonSyntaxError(text, fallback);
      const { line, column } = advancePosition(
        text,
        problem.offset,
        this.elementLine,
        this.elementColumn,
      );
      throw new ParseError(
        'json',
        `the array element at index ${this.records} is not valid JSON: ${problem.message}`,
        { line, column, position: this.elementPosition + problem.offset, record: this.records + 1 },
        { cause: error },
      );
    }
    this.records++;
    out.push(value as RawRecord);
  }

  private location(i: number): { line: number; column: number; position: number } {
    const position = this.offset + i;
    return { line: this.line, column: position - this.lineStart + 1, position };
  }

  private fail(i: number, detail: string): never {
    throw new ParseError('json', detail, this.location(i));
  }

  private failAtElement(i: number, code: number): never {
    if (code === CLOSE_BRACKET) this.fail(i, "unexpected ']' after ',' (trailing comma)");
    const kind = startedKind(code);
    if (kind === '')
      this.fail(i, `unexpected ${describeToken(code)} where an element was expected`);
    throw new ParseError(
      'json',
      `${NOT_AN_OBJECT}; the element at index ${this.records} is ${kind}`,
      { ...this.location(i), record: this.records + 1 },
    );
  }
}
