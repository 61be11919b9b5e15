import type { RawRecord } from '@batchactions/core';
import { ParseError } from '../../errors/parse-error';
import { ScanPosition } from './scan-position';
import { locateJsonSyntaxError } from './json-syntax-locator';
import { isJsonWhitespace, jsonKind, type JsonTextScanner } from './json-text-scanner';

function isBlankLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    if (!isJsonWhitespace(line.charCodeAt(i))) return false;
  }
  return true;
}

/**
 * Reads newline-delimited JSON: one object per line, blank lines ignored, `\r\n` accepted. Only
 * the current line is buffered.
 */
export class NdjsonScanner extends ScanPosition implements JsonTextScanner {
  /** Pieces of the current line from earlier chunks. */
  private parts: string[] = [];

  feed(text: string, out: RawRecord[]): void {
    let from = 0;
    for (;;) {
      const newline = text.indexOf('\n', from);
      if (newline === -1) break;
      const piece = text.slice(from, newline);
      const line = this.parts.length === 0 ? piece : this.parts.join('') + piece;
      this.parts = [];
      this.readLine(line, out, this.offset + newline + 1);
      this.line++;
      this.lineStart = this.offset + newline + 1;
      from = newline + 1;
    }
    if (from < text.length) this.parts.push(from === 0 ? text : text.slice(from));
    this.offset += text.length;
  }

  end(out: RawRecord[]): void {
    if (this.parts.length === 0) return;
    const line = this.parts.join('');
    this.parts = [];
    this.readLine(line, out, this.offset);
  }

  /** `end`: the offset just after the line (its line break included). */
  private readLine(line: string, out: RawRecord[], end: number): void {
    if (isBlankLine(line)) return;
    this.records++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error: unknown) {
      const fallback = error instanceof Error ? error.message : String(error);
      const problem = locateJsonSyntaxError(line, fallback);
      throw new ParseError(
        'ndjson',
        `the line is not valid JSON: ${problem.message}`,
        {
          line: this.line,
          column: problem.offset + 1,
          position: this.lineStart + problem.offset,
          record: this.records,
        },
        { cause: error },
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ParseError(
        'ndjson',
        `JsonParser: each NDJSON line must be a plain object; the line holds ${jsonKind(value)}`,
        { line: this.line, column: 1, position: this.lineStart, record: this.records },
      );
    }
    out.push(value as RawRecord);
    this.recordEnds?.push(end);
  }
}
