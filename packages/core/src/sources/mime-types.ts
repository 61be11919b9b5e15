const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  csv: 'text/csv',
  json: 'application/json',
  xml: 'application/xml',
  tsv: 'text/tab-separated-values',
};

/** The published default when nothing better is known. */
export const DEFAULT_MIME_TYPE = 'text/plain';

/**
 * The MIME type of a known extension (the text after the last `.`, lower-cased: csv, json, xml,
 * tsv), or `undefined` for any other (`.ndjson` included, as published).
 */
export function knownMimeType(fileName: string): string | undefined {
  const dot = fileName.lastIndexOf('.');
  if (dot < 0) return undefined;
  return MIME_BY_EXTENSION[fileName.slice(dot + 1).toLowerCase()];
}

/** The published detection: a known extension's type, else `text/plain`. */
export function detectMimeType(fileName: string): string {
  return knownMimeType(fileName) ?? DEFAULT_MIME_TYPE;
}

/** The media type of a `Content-Type` header without its parameters (`text/csv; charset=utf-8` → `text/csv`). */
export function mediaTypeOf(contentType: string): string | undefined {
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return mediaType === '' ? undefined : mediaType;
}
