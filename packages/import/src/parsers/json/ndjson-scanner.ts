import type { RawRecord } from '@batchactions/core';
import { NestingTooDeepError, ParseError, RecordTooLargeError } from '../../errors/parse-error';
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
/** Offset of the bracket that nests `line` deeper than `maxDepth`, or -1 (strings skipped). */
function nestingBeyond(line: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (code === 0x5c) escaped = true;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > maxDepth) return i;
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return -1;
}

export class NdjsonScanner extends ScanPosition implements JsonTextScanner {
  /** Pieces of the current line from earlier chunks. */
  private parts: string[] = [];
  /** Code units held in `parts`. */
  private partsLength = 0;

  feed(text: string, out: RawRecord[]): void {
    let from = 0;
    for (;;) {
      const newline = text.indexOf('\n', from);
      if (newline === -1) break;
      const piece = text.slice(from, newline);
      if (this.partsLength + piece.length > this.maxRecordBytes) this.tooLarge();
      const line = this.parts.length === 0 ? piece : this.parts.join('') + piece;
      this.parts = [];
      this.partsLength = 0;
      this.readLine(line, out, this.offset + newline + 1);
      this.line++;
      this.lineStart = this.offset + newline + 1;
      from = newline + 1;
    }
    if (from < text.length) {
      const part = from === 0 ? text : text.slice(from);
      this.partsLength += part.length;
      // A line without a line break is held in memory: not beyond the limit (plus one chunk).
      if (this.partsLength > this.maxRecordBytes) this.tooLarge();
      this.parts.push(part);
    }
    this.offset += text.length;
  }

  end(out: RawRecord[]): void {
    if (this.parts.length === 0) return;
    const line = this.parts.join('');
    this.parts = [];
    this.partsLength = 0;
    this.readLine(line, out, this.offset);
  }

  /** `end`: the offset just after the line (its line break included). */
  private tooLarge(): never {
    throw new RecordTooLargeError('ndjson', this.maxRecordBytes, {
      line: this.line,
      column: 1,
      position: this.lineStart,
      record: this.records + 1,
    });
  }

  private readLine(line: string, out: RawRecord[], end: number): void {
    if (isBlankLine(line)) return;
    this.records++;
    // A line shorter than the limit cannot nest deeper than it: only long lines are scanned.
    if (line.length > this.maxDepth) {
      const at = nestingBeyond(line, this.maxDepth);
      if (at !== -1) {
        throw new NestingTooDeepError('ndjson', this.maxDepth, {
          line: this.line,
          column: at + 1,
          position: this.lineStart + at,
          record: this.records,
        });
      }
    }
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
