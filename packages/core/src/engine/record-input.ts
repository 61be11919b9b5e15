import type { DataSource } from '../ports/data-source';
import type { RawRecord } from '../model/record';
import type { RecordParser } from './job-context';

/**
 * The raw records of `source` through `parser`. A parser with `parseStream` gets the chunk stream
 * (records and characters may span chunks; memory stays flat). A parser with only `parse` gets
 * the whole content as one input: the published engine parsed each chunk alone, which splits
 * records at chunk boundaries and loses the header after the first chunk.
 */
export function recordsFromSource(
  source: DataSource,
  parser: RecordParser,
): AsyncIterable<RawRecord> | Iterable<RawRecord> {
  if (typeof parser.parseStream === 'function') return parser.parseStream(source.read());
  return parseWhole(source, parser);
}

async function* parseWhole(source: DataSource, parser: RecordParser): AsyncGenerator<RawRecord> {
  const strings: string[] = [];
  const buffers: Buffer[] = [];
  for await (const chunk of source.read()) {
    if (typeof chunk === 'string') strings.push(chunk);
    else buffers.push(chunk);
  }
  // Sources yield strings (the built-in ones) or Buffers; a mix is joined as UTF-8 bytes.
  let whole: string | Buffer;
  if (buffers.length === 0) whole = strings.join('');
  else if (strings.length === 0) whole = Buffer.concat(buffers);
  else whole = Buffer.concat([Buffer.from(strings.join(''), 'utf8'), ...buffers]);
  yield* parser.parse(whole);
}

/**
 * True for inputs that can be iterated only once: an iterator that is its own iterable (a
 * generator), as opposed to an array or a re-readable source.
 */
export function isOneShot(input: Iterable<RawRecord> | AsyncIterable<RawRecord>): boolean {
  const asyncIterator = (input as Partial<AsyncIterable<RawRecord>>)[Symbol.asyncIterator];
  if (typeof asyncIterator === 'function') return asyncIterator.call(input) === (input as unknown);
  const syncIterator = (input as Partial<Iterable<RawRecord>>)[Symbol.iterator];
  if (typeof syncIterator === 'function') return syncIterator.call(input) === (input as unknown);
  return false;
}
