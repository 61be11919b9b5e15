import { afterEach, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryDistributedStateStore, type DistributedStateStore } from '@batchactions/core';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { createTestSchemaStore, dropTestSchemaStore } from './postgres';

/** A store made fresh for one test, and how to dispose of it. */
export interface TestStore {
  readonly store: DistributedStateStore;
  readonly teardown: () => Promise<void>;
}

/** One entry per real store; every facade acceptance test runs against each. */
export interface StoreFactory {
  readonly name: string;
  readonly create: (testName: string) => Promise<TestStore>;
}

/**
 * Hides the optional port methods, leaving exactly the published port: the facade must work
 * with such a store as the published package did (per-record writes, no fencing).
 */
export function publishedPortOnly(store: DistributedStateStore): DistributedStateStore {
  return {
    saveJobState: (job) => store.saveJobState(job),
    getJobState: (id) => store.getJobState(id),
    updateBatchState: (j, b, s) => store.updateBatchState(j, b, s),
    saveProcessedRecord: (j, b, r) => store.saveProcessedRecord(j, b, r),
    getFailedRecords: (j) => store.getFailedRecords(j),
    getPendingRecords: (j) => store.getPendingRecords(j),
    getProcessedRecords: (j) => store.getProcessedRecords(j),
    getProgress: (j) => store.getProgress(j),
    claimBatch: (j, w) => store.claimBatch(j, w),
    releaseBatch: (j, b, w) => store.releaseBatch(j, b, w),
    reclaimStaleBatches: (j, t) => store.reclaimStaleBatches(j, t),
    saveBatchRecords: (j, b, r) => store.saveBatchRecords(j, b, r),
    getBatchRecords: (j, b) => store.getBatchRecords(j, b),
    getDistributedStatus: (j) => store.getDistributedStatus(j),
    tryFinalizeJob: (j) => store.tryFinalizeJob(j),
  };
}

async function sqliteStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'ba-accept-sqlite-'));
  const store = new SqliteStateStore({ filename: join(dir, 'state.sqlite') });
  await store.initialize();
  return {
    store,
    teardown: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The factories whose names `BATCHACTIONS_TEST_STORES` lists (comma-separated), or all of them
 * when it is unset. Only the mutation run (`vitest.mutation.config.ts`) sets it, to run the
 * facade tests on the in-memory stores: the facade code it mutates is the same on every store.
 */
export function selectedStores(factories: StoreFactory[]): StoreFactory[] {
  const wanted = process.env.BATCHACTIONS_TEST_STORES;
  if (wanted === undefined || wanted === '') return factories;
  const names = wanted.split(',').map((name) => name.trim());
  return factories.filter((factory) => names.includes(factory.name));
}

export const storeFactories: StoreFactory[] = selectedStores([
  { name: 'SqliteStateStore', create: sqliteStore },
  {
    name: 'PostgresStateStore',
    create: async (testName) => {
      const store = await createTestSchemaStore(testName);
      return { store, teardown: () => dropTestSchemaStore(store) };
    },
  },
  {
    name: 'InMemoryDistributedStateStore',
    create: () =>
      Promise.resolve({
        store: new InMemoryDistributedStateStore(),
        teardown: () => Promise.resolve(),
      }),
  },
  {
    name: 'published port only (in memory)',
    create: () =>
      Promise.resolve({
        store: publishedPortOnly(new InMemoryDistributedStateStore()),
        teardown: () => Promise.resolve(),
      }),
  },
]);

/** The stores with our optional port methods (every one but the published-port-only store). */
export const fullPortStores: StoreFactory[] = storeFactories.filter(
  (f) => !f.name.startsWith('published port only'),
);

/**
 * Gives each test of the enclosing `describe` a fresh store of `factory` (created before the
 * test, torn down after it). The returned object always refers to the current test's store.
 */
export function useTestStore(factory: StoreFactory): Pick<TestStore, 'store'> {
  let current: TestStore | undefined;
  beforeEach(async (ctx) => {
    current = await factory.create(ctx.task.name);
  });
  afterEach(async () => {
    const finished = current;
    current = undefined;
    await finished?.teardown();
  });
  return {
    get store(): DistributedStateStore {
      if (!current) throw new Error('useTestStore: the store exists only while a test runs');
      return current.store;
    },
  };
}
