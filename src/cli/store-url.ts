import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { redactUrl } from '@batchactions/core';
import { Option } from 'commander';
import { CliUsageError } from './cli-errors';
import { STORE_URL_FORMS } from './store-url-forms';

/** Where a store lives, as told by a `--store` URL. */
export type StoreLocation =
  | {
      readonly kind: 'sqlite';
      /** Absolute path of the database file. */
      readonly filename: string;
      /** The URL as given (SQLite URLs carry no secret). */
      readonly url: string;
      /** The URL as given, to hand to another process. */
      readonly raw: string;
    }
  | {
      readonly kind: 'postgres';
      /**
       * The URL without our parameters (`schema`, `connect_timeout`, `prepared_statements`,
       * `asynchronous_commit`), for the `pg` driver.
       */
      readonly connectionString: string;
      /** From the `?schema=` parameter. Default: the store's default (`batchactions`). */
      readonly schema?: string;
      /**
       * From libpq's `?connect_timeout=` (seconds): how long opening a connection may take, in
       * ms; 0 waits without limit. Default {@link DEFAULT_CONNECT_TIMEOUT_MS}.
       */
      readonly connectTimeoutMs: number;
      /**
       * From `?prepared_statements=` (`true` or `false`): the store's `preparedStatements`.
       * Default: the store's own (`false`).
       */
      readonly preparedStatements?: boolean;
      /**
       * From `?asynchronous_commit=` (`true` or `false`): the store's `asynchronousCommit`.
       * Default: the store's own (`false`).
       */
      readonly asynchronousCommit?: boolean;
      /** The URL with its password and query values replaced by `***`, for messages. */
      readonly url: string;
      /**
       * The URL as given, password included: only for the driver or another process's
       * environment (never a command line, never a message).
       */
      readonly raw: string;
    };

/** The environment variable `--store` falls back to (keeps passwords off command lines). */
export const STORE_URL_ENV = 'BATCHACTIONS_STORE_URL';

/** Connect timeout of PostgreSQL stores without `?connect_timeout=`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export { STORE_URL_FORMS } from './store-url-forms';

function usage(message: string): CliUsageError {
  return new CliUsageError(`--store: ${message}`);
}

/**
 * `sqlite:` URLs, read the way a person reads them:
 * - `sqlite:jobs.sqlite`, `sqlite:data/jobs.sqlite`: relative to the working directory;
 * - `sqlite:/var/lib/jobs.sqlite` and `sqlite:///var/lib/jobs.sqlite`: absolute;
 * - `sqlite:~/jobs.sqlite`: in the home directory.
 * `sqlite://jobs.sqlite` is refused: as a URL `jobs.sqlite` would be a host name, and read as a
 * path it looks relative while `//jobs.sqlite` is absolute; neither reading is safe to guess.
 */
function parseSqliteUrl(url: string): StoreLocation {
  const rest = url.slice('sqlite:'.length);
  if (rest === '') throw usage(`"${url}" names no database file; use sqlite:<path>.`);
  if (/[?#]/.test(rest)) {
    throw usage(
      `"${url}": SQLite store URLs take no parameters or fragments ("?", "#"); use sqlite:<path>.`,
    );
  }
  let path: string;
  if (rest.startsWith('//')) {
    const afterAuthority = rest.slice(2);
    if (!afterAuthority.startsWith('/')) {
      const name = afterAuthority === '' ? '<path>' : afterAuthority;
      throw usage(
        `"${url}" is ambiguous (a host name or a path?); write sqlite:${name} for a file relative ` +
          `to the working directory, or sqlite:///absolute/path/${name.split('/').at(-1) ?? name} for an absolute path.`,
      );
    }
    path = afterAuthority;
  } else if (rest === '~' || rest.startsWith('~/')) {
    path = join(homedir(), rest.slice(1));
  } else {
    path = rest;
  }
  return {
    kind: 'sqlite',
    filename: isAbsolute(path) ? resolve(path) : resolve(process.cwd(), path),
    url,
    raw: url,
  };
}

function connectTimeoutOf(value: string | null, shown: string): number {
  if (value === null) return DEFAULT_CONNECT_TIMEOUT_MS;
  if (!/^\d+$/.test(value.trim())) {
    throw usage(
      `"${shown}": connect_timeout must be a whole number of seconds (0: no limit), got "${value}".`,
    );
  }
  return Number(value.trim()) * 1000;
}

/** A `true` / `false` parameter (`1` / `0` too) named `name`, undefined when absent. */
function flagOf(name: string, value: string | null, shown: string): boolean | undefined {
  if (value === null) return undefined;
  const given = value.trim().toLowerCase();
  if (given === 'true' || given === '1') return true;
  if (given === 'false' || given === '0') return false;
  throw usage(`"${shown}": ${name} must be true or false, got "${value}".`);
}

function parsePostgresUrl(url: string): StoreLocation {
  const shown = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new CliUsageError(
      `--store: "${shown}" is not a valid PostgreSQL URL (${error instanceof Error ? error.message : String(error)}); ` +
        'special characters in the password must be percent-encoded (e.g. "@" as %40).',
      { cause: error },
    );
  }
  if (parsed.username === '' && /@/.test(parsed.pathname + parsed.hash)) {
    // `postgres://user:12/x@host/db` parses as host "user", port 12: the password's "/" (or "#")
    // ended the host part, and the driver would connect elsewhere.
    throw usage(
      `"${shown}" is not a valid PostgreSQL URL: the part after the "@" reads as a path, so the ` +
        `password seems to hold an unencoded "/", "?" or "#"; percent-encode them (%2F, %3F, %23).`,
    );
  }
  if (parsed.hostname === '') {
    throw usage(`"${shown}" names no host; use ${STORE_URL_FORMS}.`);
  }
  // `schema`, `prepared_statements` and `asynchronous_commit` are ours, `connect_timeout`
  // libpq's (seconds) that the pg driver ignores: all are applied here and taken out before the
  // URL reaches the driver.
  const schema = parsed.searchParams.get('schema') ?? undefined;
  const connectTimeoutMs = connectTimeoutOf(parsed.searchParams.get('connect_timeout'), shown);
  const flag = (name: string) => flagOf(name, parsed.searchParams.get(name), shown);
  const preparedStatements = flag('prepared_statements');
  const asynchronousCommit = flag('asynchronous_commit');
  for (const name of ['schema', 'connect_timeout', 'prepared_statements', 'asynchronous_commit']) {
    parsed.searchParams.delete(name);
  }
  return {
    kind: 'postgres',
    connectionString: parsed.toString(),
    ...(schema === undefined ? {} : { schema }),
    connectTimeoutMs,
    ...(preparedStatements === undefined ? {} : { preparedStatements }),
    ...(asynchronousCommit === undefined ? {} : { asynchronousCommit }),
    url: shown,
    raw: url,
  };
}

/**
 * Parses a store URL: `sqlite:<path>` (see {@link parseSqliteUrl}) or `postgres://...` /
 * `postgresql://...` (with optional `?schema=<name>`, `?connect_timeout=<seconds>`,
 * `?prepared_statements=true|false` and `?asynchronous_commit=true|false`).
 * Anything else throws `CliUsageError` (exit code 2); messages never show a password or a
 * query value.
 */
export function parseStoreUrl(value: string): StoreLocation {
  const url = value.trim();
  if (url.startsWith('sqlite:')) return parseSqliteUrl(url);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return parsePostgresUrl(url);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  const what = scheme === undefined ? 'has no scheme' : `has the unknown scheme "${scheme}:"`;
  throw usage(`the store URL "${redactUrl(url)}" ${what}; use ${STORE_URL_FORMS}.`);
}

/**
 * The `--store <url>` option: falls back to the `BATCHACTIONS_STORE_URL` environment variable,
 * which keeps a password off the command line (where `ps` shows it to every user).
 */
export function storeOption(options: { required: boolean; note?: string }): Option {
  const note = options.note === undefined ? '' : ` ${options.note}`;
  // Commander adds "(env: BATCHACTIONS_STORE_URL)" after the description.
  const required = options.required ? ' (required)' : '';
  const option = new Option('--store <url>', `state store: ${STORE_URL_FORMS}${note}${required}`)
    .env(STORE_URL_ENV)
    .argParser(parseStoreUrl);
  return options.required ? option.makeOptionMandatory() : option;
}
