import type { DamagedRowsReport } from '../parsers/csv/csv-damage-scanner';
import type { RawRecord } from '@batchactions/core';

/** What a parser detected about a sample, or was configured with. */
export interface ParserOptions {
  /** Field delimiter (CSV), `'\n'` for NDJSON. */
  readonly delimiter?: string;
  /** Text encoding of the input. */
  readonly encoding?: string;
  /** Whether the first row is a header (CSV). */
  readonly hasHeader?: boolean;
}

/**
 * Where a tracked parse stands: just after the last record it yielded. JSON-serialisable (it
 * survives `JSON.parse(JSON.stringify(cursor))`), so it can be stored with a batch and handed
 * back to `parseStreamFrom` to resume.
 */
export interface ParseCursor {
  /**
   * Bytes of the input consumed up to the end of that record (UTF-8 bytes of string chunks;
   * `CsvParser` counts string chunks in its `encoding`, UTF-8 by default). Always a character
   * boundary: pass it to `DataSource.readFrom`.
   */
  readonly byteOffset: number;
  /**
   * What the parser needs to go on from there (CSV header and delimiter, line number, ...);
   * JSON values only, small, and opaque: only the parser that made it reads it.
   */
  readonly state: unknown;
}

/** Records of a tracked parse; `cursor()` can be read between records. */
export interface TrackedRecords extends AsyncIterable<RawRecord> {
  /** The cursor after the last record yielded so far (before any: the start, or `from`). */
  cursor(): ParseCursor;
  /**
   * The rows read so far that look damaged (`CsvParser`: a stray quote, a quoted field that
   * swallowed following lines), or `undefined` when none did or the parser does not look.
   */
  damagedRows?(): DamagedRowsReport | undefined;
  /**
   * Optional, for a consumer that reads a batch at a time (`CsvParser` has it): the next
   * records, at most `max` (at least one while any remain, `[]` at the end), without a promise
   * per record; `cursor()` then stands after the last record returned. A consumer uses either
   * this or the iterator, not both, and calls `close()` when it stops before the end.
   */
  take?(max: number): Promise<RawRecord[]>;
  /** Stops a parse read with `take` (the source is closed); nothing when it ended already. */
  close?(): Promise<void>;
}

/**
 * Turns source bytes into raw records.
 *
 * `parse` handles one input given whole (the published port: engines written for it call it once
 * per source chunk). `parseStream` (an addition) consumes a source's whole chunk stream, so
 * records, headers and multi-byte characters that span chunk boundaries are parsed correctly;
 * `BulkImport` and `DistributedImport` use it when present. `detect` is optional and never called
 * by the library.
 */
export interface SourceParser {
  parse(data: string | Buffer): AsyncIterable<RawRecord> | Iterable<RawRecord>;
  parseStream?(chunks: AsyncIterable<string | Buffer>): AsyncIterable<RawRecord>;
  /**
   * Like `parseStream`, and tracks where each record ends. With `from` (a cursor an earlier
   * tracked parse of the same content by a parser with the same options gave), `chunks` must be
   * the content from `from.byteOffset` (`source.readFrom(from.byteOffset)`), and the records
   * yielded are exactly those after the cursor's record; errors name the same lines and
   * positions as a parse from the start. A cursor of another parser or format, or a malformed
   * one, throws `ParseResumeError`.
   */
  parseStreamFrom?(chunks: AsyncIterable<string | Buffer>, from?: ParseCursor): TrackedRecords;
  detect?(sample: string | Buffer): ParserOptions;
}
