import type { RawRecord } from '@batchactions/core';

/**
 * Turns source bytes into raw records.
 *
 * `parseStream` consumes the whole chunk stream of a source, so records and multi-byte characters
 * that span chunk boundaries are parsed correctly; callers (such as `prepare`) use it when present.
 * `parse` handles one complete input; custom parsers written for the published port implement
 * only `parse`, and callers then hand them the whole content as one input.
 */
export interface SourceParser {
  parse(data: string | Buffer): AsyncIterable<RawRecord> | Iterable<RawRecord>;
  parseStream?(chunks: AsyncIterable<string | Buffer>): AsyncIterable<RawRecord>;
}
