import type { DataSource, RawRecord } from '@batchactions/core';
import type { SourceParser } from '../ports/source-parser';

async function* wholeContent(source: DataSource): AsyncGenerator<string | Buffer> {
  const parts: (string | Buffer)[] = [];
  for await (const chunk of source.read()) parts.push(chunk);
  if (parts.every((part) => typeof part === 'string')) yield parts.join('');
  else {
    yield Buffer.concat(
      parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)),
    );
  }
}

async function* parseEach(
  chunks: AsyncIterable<string | Buffer>,
  parser: SourceParser,
): AsyncGenerator<RawRecord> {
  for await (const chunk of chunks) yield* parser.parse(chunk);
}

/**
 * The raw records of a source, read the way `BatchEngine` reads them: through `parseStream` when
 * the parser has it, otherwise the whole content handed to `parse` once (per-chunk parsing split
 * records: defect 1).
 */
export function sourceRecords(source: DataSource, parser: SourceParser): AsyncIterable<RawRecord> {
  if (parser.parseStream) return parser.parseStream(source.read());
  return parseEach(wholeContent(source), parser);
}
