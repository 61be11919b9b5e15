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
    }
  | {
      readonly kind: 'postgres';
      readonly connectionString: string;
      /** The URL with its password replaced by `***`, for messages. */
      readonly url: string;
    };

/** The schemes `--store` accepts, for messages. */
export const STORE_URL_FORMS = 'sqlite:<path> or postgres://user@host:port/database';

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch (error) {
    throw new InvalidArgumentError(
      `"${url}" is not a valid PostgreSQL URL (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
}

/**
 * Parses a store URL: `sqlite:<path>` (relative to the working directory, or absolute) or
 * `postgres://...` / `postgresql://...`. Anything else throws commander's `InvalidArgumentError`
 * (a usage error).
 */
export function parseStoreUrl(value: string): StoreLocation {
  const url = value.trim();
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') {
      throw new InvalidArgumentError(`"${value}" names no database file; use sqlite:<path>.`);
    }
    return { kind: 'sqlite', filename: resolve(path), url };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return { kind: 'postgres', connectionString: url, url: redactPassword(url) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  const what = scheme === undefined ? 'has no scheme' : `has the unknown scheme "${scheme}:"`;
  throw new InvalidArgumentError(`The store URL "${value}" ${what}; use ${STORE_URL_FORMS}.`);
}
