import { extname } from 'node:path';
import type { MalformedRowsMode, SourceParser } from '@batchactions/import';
import { CliUsageError } from './cli-errors';

/** The file formats `prepare` reads. */
export const SOURCE_FORMATS = ['csv', 'json', 'ndjson', 'xml'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

const BY_EXTENSION: Readonly<Record<string, SourceFormat>> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.xml': 'xml',
};

/** The format named by `--format`, else the one the file's extension implies. */
export function resolveFormat(file: string, explicit: SourceFormat | undefined): SourceFormat {
  if (explicit !== undefined) return explicit;
  const extension = extname(file).toLowerCase();
  const format = BY_EXTENSION[extension];
  if (format === undefined) {
    throw new CliUsageError(
      `Cannot tell the format of "${file}" from its extension "${extension}"; pass --format ${SOURCE_FORMATS.join('|')}`,
    );
  }
  return format;
}

/** Options that shape the parser of a format. */
export interface ParserChoice {
  readonly format: SourceFormat;
  /** For `xml`: the element that is a record. Default: every child of the root element. */
  readonly recordElement?: string;
  /** For `csv`: what a row with the wrong number of fields becomes. Default `'keep'`. */
  readonly malformedRows?: MalformedRowsMode;
}

/** The values of `prepare --malformed-rows`. */
export const MALFORMED_ROWS_MODES = ['keep', 'invalid', 'fail'] as const;

/**
 * The streaming parser for a format. The parsers are loaded here, on demand: of the CLI's
 * commands only `prepare` parses, and a `work` process need not hold the parsers' libraries.
 */
export async function parserFor(choice: ParserChoice): Promise<SourceParser> {
  const { CsvParser, JsonParser, XmlParser } = await import('@batchactions/import');
  switch (choice.format) {
    case 'csv':
      return new CsvParser(
        choice.malformedRows === undefined ? {} : { malformedRows: choice.malformedRows },
      );
    case 'json':
      return new JsonParser({ format: 'array' });
    case 'ndjson':
      return new JsonParser({ format: 'ndjson' });
    case 'xml':
      return new XmlParser(
        choice.recordElement === undefined ? {} : { recordElement: choice.recordElement },
      );
  }
}
