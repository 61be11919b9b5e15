// The conformance suite on SqliteStateStore (a file), in the default layout or with
// `batchPayloads` (issue 28): conformance.test.ts and conformance-batch-payloads.test.ts.
import Database from 'better-sqlite3';
import type { DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore } from '@batchactions/core/testing';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { tempDb, type TempDb } from './temp-db';

export function describeSqliteConformance(batchPayloads: boolean): void {
  const opened = new Map<DistributedStateStore, { store: SqliteStateStore; file: TempDb }>();
  describeDistributedStateStore(
    batchPayloads ? 'SqliteStateStore (file, batchPayloads)' : 'SqliteStateStore (file)',
    async () => {
      const file = tempDb(batchPayloads ? 'conformance-payloads' : 'conformance');
      const store = new SqliteStateStore({ filename: file.filename, batchPayloads });
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
}
