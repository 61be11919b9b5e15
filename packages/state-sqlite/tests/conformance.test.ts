import type { DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore } from '@batchactions/core/testing';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { tempDb, type TempDb } from './temp-db';

const opened = new Map<DistributedStateStore, { store: SqliteStateStore; file: TempDb }>();

describeDistributedStateStore(
  'SqliteStateStore (file)',
  async () => {
    const file = tempDb('conformance');
    const store = new SqliteStateStore({ filename: file.filename });
    await store.initialize();
    opened.set(store, { store, file });
    return store;
  },
  {
    teardown: async (created) => {
      const entry = opened.get(created);
      opened.delete(created);
      await entry?.store.close();
      entry?.file.remove();
    },
  },
);
