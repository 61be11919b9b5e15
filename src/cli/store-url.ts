import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';

/** Where a store lives, as told by a `--store` URL. */
export type StoreLocation =
  | {
      readonly kind: 'sqlite';
      /** Absolute path of the database file. */
      readonly filename: string;
      /** The URL as given. */
      readonly url: string;
      /** The URL as given (to hand to another process). */
      readonly raw: string;
    }
  | {
      readonly kind: 'postgres';
      /** The URL without the `schema` parameter, for the `pg` driver. */
      readonly connectionString: string;
      /** From the `?schema=` parameter. Default: the store's default (`batchactions`). */
      readonly schema?: string;
      /** The URL with its password replaced by `***`, for messages. */
      readonly url: string;
      /** The URL as given (to hand to another process). */
      readonly raw: string;
    };

/** The schemes `--store` accepts, for messages. */
export const STORE_URL_FORMS = 'sqlite:<path> or postgres://user@host:port/database[?schema=name]';

function parsePostgresUrl(url: string): StoreLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new InvalidArgumentError(
      `"${url}" is not a valid PostgreSQL URL (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  // `schema` is ours, not libpq's: take it out before the URL reaches the driver.
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const connectionString = parsed.toString();
  if (parsed.password !== '') parsed.password = '***';
  return {
    kind: 'postgres',
    connectionString,
    ...(schema === undefined ? {} : { schema }),
    url: parsed.toString(),
    raw: url,
  };
}

/**
 * Parses a store URL: `sqlite:<path>` (relative to the working directory, or absolute) or
 * `postgres://...` / `postgresql://...` (with an optional `?schema=<name>`). Anything else throws commander's `InvalidArgumentError`
 * (a usage error).
 */
export function parseStoreUrl(value: string): StoreLocation {
  const url = value.trim();
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') {
      throw new InvalidArgumentError(`"${value}" names no database file; use sqlite:<path>.`);
    }
    return { kind: 'sqlite', filename: resolve(path), url, raw: url };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return parsePostgresUrl(url);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  const what = scheme === undefined ? 'has no scheme' : `has the unknown scheme "${scheme}:"`;
  throw new InvalidArgumentError(`The store URL "${value}" ${what}; use ${STORE_URL_FORMS}.`);
}
