import type { DataSource, RawRecord } from '@batchactions/core';
import type { SourceParser } from '@batchactions/import';

async function readWhole(source: DataSource): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source.read()) {
    parts.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  return Buffer.concat(parts);
}

/**
 * The records of `source`. Streams through `parseStream` when the parser has it; a parser with
 * only `parse` (the published port) gets the whole content at once, since parsing each chunk on
 * its own would split records and lose the header after the first chunk.
 */
export function readRecords(
  source: DataSource,
  parser: SourceParser,
): AsyncIterable<RawRecord> | Iterable<RawRecord> {
  // Returned as is, not re-yielded: every generator layer costs a promise per record.
  if (parser.parseStream) return parser.parseStream(source.read());
  return parseWhole(source, parser);
}

async function* parseWhole(source: DataSource, parser: SourceParser): AsyncGenerator<RawRecord> {
  yield* parser.parse(await readWhole(source));
}
