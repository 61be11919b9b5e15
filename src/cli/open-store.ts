import { existsSync, statSync } from 'node:fs';
import {
  BatchActionsError,
  isDistributedStateStore,
  type DistributedStateStore,
} from '@batchactions/core';
import { StorePackageMissingError } from './cli-errors';
import { describeError } from './format';
import type { StoreLocation } from './store-url';

/** An initialised store and how to close it. */
export interface OpenedStore {
  readonly store: DistributedStateStore;
  readonly location: StoreLocation;
  close(): Promise<void>;
}

/**
 * `create`: make the store (file, schema, tables) when it does not exist (`prepare`, `demo`).
 * `existing`: the store must exist already; nothing is created (every other command, so that a
 * mistyped `--store` is reported rather than answered from a new, empty store).
 */
export type OpenMode = 'create' | 'existing';

/** The store a `--store` URL names could not be opened; the message names it, password hidden. */
export class StoreOpenError extends BatchActionsError {
  /** The store URL, redacted. */
  readonly storeUrl: string;

  constructor(location: StoreLocation, reason: string, cause?: unknown) {
    super('STORE_OPEN_FAILED', `Cannot open the store ${location.url}: ${reason}`, { cause });
    this.storeUrl = location.url;
  }
}

interface Lifecycle {
  initialize(): Promise<unknown>;
  close(): Promise<void>;
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(packageName)
  );
}

async function importStorePackage<T>(
  packageName: string,
  location: StoreLocation,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isModuleNotFound(error, packageName)) {
      throw new StorePackageMissingError(packageName, location.url, error);
    }
    throw error;
  }
}

/** Settings a command gives the store it opens, beyond the URL's. */
export interface StoreTuning {
  /** SQLite only: the store's `cacheSizeKiB` (`work` keeps a worker's page cache small). */
  readonly sqliteCacheSizeKiB?: number;
}

/**
 * Loads the store package on demand: both are optional peer dependencies, so a user of one store
 * need not install the other's driver.
 */
export async function createStore(
  location: StoreLocation,
  tuning: StoreTuning = {},
): Promise<DistributedStateStore & Lifecycle> {
  if (location.kind === 'sqlite') {
    const { SqliteStateStore } = await importStorePackage(
      '@batchactions/state-sqlite',
      location,
      () => import('@batchactions/state-sqlite'),
    );
    return new SqliteStateStore({
      filename: location.filename,
      ...(tuning.sqliteCacheSizeKiB === undefined
        ? {}
        : { cacheSizeKiB: tuning.sqliteCacheSizeKiB }),
    });
  }
  const { PostgresStateStore } = await importStorePackage(
    '@batchactions/state-postgres',
    location,
    () => import('@batchactions/state-postgres'),
  );
  return new PostgresStateStore({
    connectionString: location.connectionString,
    connectTimeoutMs: location.connectTimeoutMs,
    ...(location.schema === undefined ? {} : { schema: location.schema }),
    ...(location.preparedStatements === undefined
      ? {}
      : { preparedStatements: location.preparedStatements }),
    ...(location.asynchronousCommit === undefined
      ? {}
      : { asynchronousCommit: location.asynchronousCommit }),
  });
}

/** What a driver's failure means to someone who typed a store URL. */
export function explain(location: StoreLocation, error: unknown): string {
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (location.kind === 'postgres') {
    if (/client password must be a string|password authentication failed/i.test(message)) {
      return (
        'the server requires a password and the URL has none or a wrong one; put it in the URL ' +
        '(postgres://user:password@host/database) or in PGPASSWORD, and prefer the ' +
        'BATCHACTIONS_STORE_URL environment variable to the command line'
      );
    }
    if (/timeout/i.test(message)) {
      const seconds = location.connectTimeoutMs / 1000;
      return `no connection within ${seconds} s (the URL's connect_timeout; 0 waits without limit)`;
    }
  }
  if (code === 'ECONNREFUSED') return `connection refused (${message})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `unknown host (${message})`;
  return describeError(error);
}

/** `existing` mode, SQLite: the file must be there; nothing may create it. */
function requireSqliteFile(location: StoreLocation & { kind: 'sqlite' }): void {
  if (!existsSync(location.filename)) {
    throw new StoreOpenError(
      location,
      `no such database file ${location.filename} (prepare creates a store; this command only uses an existing one)`,
    );
  }
  if (!statSync(location.filename).isFile()) {
    throw new StoreOpenError(location, `${location.filename} is not a file`);
  }
}

/**
 * `existing` mode: one cheap read before `initialize()`, which would otherwise create the
 * schema; the store reports missing tables as `SchemaNotInitializedError` (PostgreSQL) or a
 * "no such table" error (SQLite, whose file check came first).
 */
async function requireStoreTables(store: DistributedStateStore): Promise<boolean> {
  try {
    await store.getJobState('batchactions-cli-probe');
    return true;
  } catch (error) {
    const code =
      typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    if (code === 'SCHEMA_NOT_INITIALIZED') return false;
    throw error;
  }
}

async function initialize(
  store: DistributedStateStore & Lifecycle,
  location: StoreLocation,
  mode: OpenMode,
): Promise<void> {
  if (mode === 'existing' && location.kind === 'postgres') {
    if (!(await requireStoreTables(store))) {
      const schema = location.schema ?? 'batchactions';
      throw new StoreOpenError(
        location,
        `schema "${schema}" holds no store (prepare creates one; this command only uses an existing one)`,
      );
    }
  }
  await store.initialize();
}

/**
 * Creates and initialises the store a `--store` URL names (see {@link OpenMode}). A failure to
 * connect is a `StoreOpenError` naming the store without its password. Close it when done.
 */
export async function openStore(
  location: StoreLocation,
  mode: OpenMode,
  tuning: StoreTuning = {},
): Promise<OpenedStore> {
  if (mode === 'existing' && location.kind === 'sqlite') requireSqliteFile(location);
  const store = await createStore(location, tuning);
  if (!isDistributedStateStore(store)) {
    throw new TypeError(`The store for "${location.url}" is not a DistributedStateStore`);
  }
  try {
    await initialize(store, location, mode);
  } catch (error) {
    // Close what initialize may have opened (a pool, a file handle) so the process can exit;
    // a failing close must not hide why initialize failed.
    await store.close().catch((closeError: unknown) => {
      throw new AggregateError(
        [error, closeError],
        `Opening ${location.url} failed, then closing it failed`,
      );
    });
    if (error instanceof StoreOpenError || error instanceof BatchActionsError) throw error;
    throw new StoreOpenError(location, explain(location, error), error);
  }
  return { store, location, close: () => store.close() };
}

/** Opens the store, runs `use`, and always closes the store. */
export async function withStore<T>(
  location: StoreLocation,
  mode: OpenMode,
  use: (opened: OpenedStore) => Promise<T>,
  tuning: StoreTuning = {},
): Promise<T> {
  const opened = await openStore(location, mode, tuning);
  try {
    return await use(opened);
  } finally {
    await opened.close();
  }
}
