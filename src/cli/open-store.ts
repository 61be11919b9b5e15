import { isDistributedStateStore, type DistributedStateStore } from '@batchactions/core';
import { StorePackageMissingError } from './cli-errors';
import type { StoreLocation } from './store-url';

/** An initialised store and how to close it. */
export interface OpenedStore {
  readonly store: DistributedStateStore;
  readonly location: StoreLocation;
  close(): Promise<void>;
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

/**
 * Loads the store package on demand: both are optional dependencies, so a user of one store
 * need not install the other's driver.
 */
async function createStore(location: StoreLocation): Promise<DistributedStateStore & Lifecycle> {
  if (location.kind === 'sqlite') {
    const packageName = '@batchactions/state-sqlite';
    try {
      const { SqliteStateStore } = await import('@batchactions/state-sqlite');
      return new SqliteStateStore({ filename: location.filename });
    } catch (error) {
      if (isModuleNotFound(error, packageName)) {
        throw new StorePackageMissingError(packageName, location.url, error);
      }
      throw error;
    }
  }
  const packageName = '@batchactions/state-postgres';
  try {
    const { PostgresStateStore } = await import('@batchactions/state-postgres');
    return new PostgresStateStore({
      connectionString: location.connectionString,
      ...(location.schema === undefined ? {} : { schema: location.schema }),
    });
  } catch (error) {
    if (isModuleNotFound(error, packageName)) {
      throw new StorePackageMissingError(packageName, location.url, error);
    }
    throw error;
  }
}

/** Creates and initialises the store a `--store` URL names. Close it when done. */
export async function openStore(location: StoreLocation): Promise<OpenedStore> {
  const store = await createStore(location);
  if (!isDistributedStateStore(store)) {
    throw new TypeError(`The store for "${location.url}" is not a DistributedStateStore`);
  }
  try {
    await store.initialize();
  } catch (error) {
    // Close what initialize may have opened (a pool, a file handle) so the process can exit;
    // a failing close must not hide why initialize failed.
    await store.close().catch((closeError: unknown) => {
      throw new AggregateError(
        [error, closeError],
        `Opening ${location.url} failed, then closing it failed`,
      );
    });
    throw error;
  }
  return { store, location, close: () => store.close() };
}

/** Opens the store, runs `use`, and always closes the store. */
export async function withStore<T>(
  location: StoreLocation,
  use: (opened: OpenedStore) => Promise<T>,
): Promise<T> {
  const opened = await openStore(location);
  try {
    return await use(opened);
  } finally {
    await opened.close();
  }
}
