import { basename } from 'node:path';

/** Longest source name kept (a longer one is cut): names are for search and listings. */
export const MAX_SOURCE_NAME_LENGTH = 1000;

/** Names the sources of this package gave themselves at construction, by source. */
const names = new WeakMap<object, string>();

/**
 * Records `name` as the name of `source` (the constructors of this package's sources call it
 * with the values they were given, so that no method of a source is called to learn it).
 * Empty or non-string names are not recorded.
 */
export function rememberSourceName(source: object, name: unknown): void {
  if (typeof name === 'string' && name !== '') {
    names.set(source, name.slice(0, MAX_SOURCE_NAME_LENGTH));
  }
}

/**
 * The name a source of this package was constructed with, without calling any of its methods:
 * a `FilePathSource`'s base name, the `fileName` given to a `BufferSource` or a `StreamSource`,
 * a `UrlSource`'s `fileName` or the URI-decoded last segment of its URL's path. `undefined` for
 * any other source (user sources are never asked: `metadata()` is not called) and for a
 * `BufferSource` or `StreamSource` given no `fileName`.
 */
export function knownSourceName(source: unknown): string | undefined {
  return typeof source === 'object' && source !== null ? names.get(source) : undefined;
}

/** The base name of a file path, as `FilePathSource` reports it. */
export function pathSourceName(filePath: string): string {
  return basename(filePath);
}
