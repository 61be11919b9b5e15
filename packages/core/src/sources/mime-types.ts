import { extname } from 'node:path';

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.json': 'application/json',
  '.ndjson': 'application/x-ndjson',
  '.jsonl': 'application/x-ndjson',
  '.xml': 'application/xml',
  '.txt': 'text/plain',
};

/** The MIME type implied by a file name's extension, or `undefined` when unknown. */
export function guessMimeType(fileName: string): string | undefined {
  return MIME_BY_EXTENSION[extname(fileName).toLowerCase()];
}

/** The media type of a `Content-Type` header without its parameters (`text/csv; charset=utf-8` → `text/csv`). */
export function mediaTypeOf(contentType: string): string | undefined {
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return mediaType === '' ? undefined : mediaType;
}
