import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_RECORD_BYTES } from '../csv/csv-parser-options';
import type { JsonScanPoint } from './json-text-scanner';

/**
 * Where a JSON scanner stands in the whole text fed to it: the records read, the line being read
 * and where it starts, the offset of the current chunk. Both scanners keep it the same way and
 * resume it from a `JsonScanPoint`.
 */
export abstract class ScanPosition {
  /** Offset of the current text's first character in the whole input. */
  protected offset = 0;
  /** 1-based number of the line being read. */
  protected line = 1;
  /** Offset in the whole input where the current line starts. */
  protected lineStart = 0;
  /** Records read so far (array elements, or non-blank NDJSON lines). */
  protected records = 0;
  recordEnds: number[] | undefined = undefined;
  /** `maxRecordBytes` (counted in UTF-16 code units of the text, never more than its bytes). */
  maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
  /** `maxDepth`: nesting levels of a record (the record's own braces are level 1). */
  maxDepth = DEFAULT_MAX_DEPTH;

  get currentLine(): number {
    return this.line;
  }

  get currentLineStart(): number {
    return this.lineStart;
  }

  /** Goes on from just after a record, as if the text before had been fed. */
  resume(point: JsonScanPoint): void {
    this.records = point.records;
    this.offset = point.charOffset;
    this.line = point.line;
    this.lineStart = point.lineStart;
  }
}
