import type { DataSource, RawRecord, SourceVersion } from '@batchactions/core';
import type {
  DamagedRowsReport,
  ParseCursor,
  SourceParser,
  TrackedRecords,
} from '@batchactions/import';

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

/** Records with the parser's cursor after the last one read, when the parser tracks it. */
export interface SourceRecords {
  readonly records: AsyncIterable<RawRecord> | Iterable<RawRecord>;
  /** The cursor after the last record yielded; absent when the parser cannot tell. */
  readonly cursor?: () => ParseCursor;
  /** The rows read so far that look damaged, when the parser looks (see `TrackedRecords`). */
  readonly damagedRows?: () => DamagedRowsReport | undefined;
  /**
   * Present when the parser reads a batch at a time (`TrackedRecords.take`): the next records,
   * at most `max`, `[]` at the end; then `records` is not read, and `close` ends the parse.
   */
  readonly take?: (max: number) => Promise<RawRecord[]>;
  readonly close?: () => Promise<void>;
}

type TrackingParser = SourceParser & Required<Pick<SourceParser, 'parseStreamFrom'>>;

type SeekableSource = DataSource & Required<Pick<DataSource, 'readFrom'>>;

function tracks(parser: SourceParser): parser is TrackingParser {
  return typeof parser.parseStreamFrom === 'function';
}

/** True when a prepare can go on from a cursor with this source and parser (a byte offset). */
export function canReadFrom(source: DataSource, parser: SourceParser): boolean {
  return tracks(parser) && typeof source.readFrom === 'function';
}

/**
 * The records of `source` with their cursors where the parser tracks them (`parseStreamFrom`),
 * read from `from` when given (the caller checked `canReadFrom`), else from the start. With
 * `expect`, the source's version when the cursor was stored: a source that can tell (a
 * `UrlSource`) refuses to go on from a changed content (`SourceChangedError`).
 */
export function readTrackedRecords(
  source: DataSource,
  parser: SourceParser,
  from?: ParseCursor,
  expect?: SourceVersion,
): SourceRecords {
  if (!tracks(parser)) return { records: readRecords(source, parser) };
  const tracked =
    from === undefined
      ? parser.parseStreamFrom(source.read())
      : parser.parseStreamFrom(
          (source as SeekableSource).readFrom(
            from.byteOffset,
            expect === undefined ? undefined : { expect },
          ),
          from,
        );
  return {
    records: tracked,
    cursor: () => tracked.cursor(),
    ...(tracked.damagedRows === undefined ? {} : { damagedRows: () => tracked.damagedRows?.() }),
    ...(tracked.take === undefined
      ? {}
      : {
          take: (max: number) => (tracked as Required<Pick<TrackedRecords, 'take'>>).take(max),
          close: () => tracked.close?.() ?? Promise.resolve(),
        }),
  };
}
