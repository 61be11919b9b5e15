import { describeDistributedStateStore } from '@batchactions/core/testing';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { tempDb, type TempDb } from './temp-db';

const files = new Map<object, TempDb>();

describeDistributedStateStore(
  'SqliteStateStore (file)',
  async () => {
    const db = tempDb('conformance');
    const store = new SqliteStateStore({ filename: db.filename });
    await store.initialize();
    files.set(store, db);
    return store;
  },
  {
    teardown: async (store) => {
      await (store as SqliteStateStore).close();
      files.get(store)?.remove();
      files.delete(store);
    },
  },
);
