// The conformance suite with `batchPayloads` on (issue 28): batches stored as one row each.
import Database from 'better-sqlite3';
import type { DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore } from '@batchactions/core/testing';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { tempDb, type TempDb } from './temp-db';

const opened = new Map<DistributedStateStore, { store: SqliteStateStore; file: TempDb }>();

describeDistributedStateStore(
  'SqliteStateStore (file, batchPayloads)',
  async () => {
    const file = tempDb('conformance-payloads');
    const store = new SqliteStateStore({ filename: file.filename, batchPayloads: true });
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
    // Every write of this store holds the database's write lock (BEGIN IMMEDIATE) from its
    // first statement: there is no write in flight to hold apart, so no `holdBatchWrites`.
    agePrepareHeartbeat: (store, jobId, byMs) => {
      const entry = opened.get(store);
      if (entry === undefined) throw new Error('not a store of this test file');
      const db = new Database(entry.file.filename);
      try {
        db.prepare(
          `UPDATE batchactions_jobs SET "prepareHeartbeatAt" = "prepareHeartbeatAt" - ?
           WHERE "id" = ?`,
        ).run(byMs, jobId);
      } finally {
        db.close();
      }
      return Promise.resolve();
    },
  },
);
