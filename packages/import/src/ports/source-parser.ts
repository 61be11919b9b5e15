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
  detect?(sample: string | Buffer): ParserOptions;
}
