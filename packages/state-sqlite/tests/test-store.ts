import Database from 'better-sqlite3';
import {
  createBatch,
  createPendingRecord,
  JobStatus,
  type Batch,
  type BatchLease,
  type BatchReservation,
} from '@batchactions/core';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { afterEach, beforeEach } from 'vitest';
import { tempDb, type TempDb } from './temp-db';

/** A store on its own temp file, opened before each test of the file and removed after it. */
export interface TestStore {
  readonly store: SqliteStateStore;
  /** Rows of a query run on a separate read-only connection (what is really on disk). */
  rows(sql: string, ...params: unknown[]): unknown[];
  /** Registers a job of `batchCount` batches of `size` records (record n: `{ n }`), PROCESSING. */
  prepare(jobId: string, batchCount: number, size: number): Promise<Batch[]>;
  claim(jobId: string, workerId: string): Promise<BatchReservation>;
  readonly filename: string;
}

/** Registers the hooks and returns an accessor valid inside tests. */
export function useTestStore(label: string): () => TestStore {
  let file: TempDb | undefined;
  let current: TestStore | undefined;
  beforeEach(async () => {
    const opened = tempDb(label);
    file = opened;
    const store = new SqliteStateStore({ filename: opened.filename });
    await store.initialize();
    current = {
      store,
      filename: opened.filename,
      rows: (sql, ...params) => {
        const db = new Database(opened.filename, { readonly: true });
        try {
          return db.prepare(sql).all(...params);
        } finally {
          db.close();
        }
      },
      prepare: async (jobId, batchCount, size) => {
        const batches = Array.from({ length: batchCount }, (_, i) =>
          createBatch(
            `${jobId}-b${i}`,
            i,
            Array.from({ length: size }, (_, k) =>
              createPendingRecord(i * size + k, { n: i * size + k }),
            ),
          ),
        );
        const job = { id: jobId, config: { batchSize: size }, totalRecords: batchCount * size };
        await store.saveJobState({ ...job, status: JobStatus.CREATED, batches: [] });
        for (const batch of batches) await store.registerBatch(jobId, batch);
        await store.saveJobState({ ...job, status: JobStatus.PROCESSING, batches });
        return batches;
      },
      claim: async (jobId, workerId) => {
        const result = await store.claimBatch(jobId, workerId);
        if (!result.claimed) throw new Error(`no claim: ${result.reason}`);
        return result.reservation;
      },
    };
  });
  afterEach(async () => {
    await current?.store.close();
    file?.remove();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useTestStore(): the store exists only inside a test');
    return current;
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const leaseOf = (r: BatchReservation): BatchLease => ({
  jobId: r.jobId,
  batchId: r.batchId,
  workerId: r.workerId,
  attempt: r.attempt ?? 0,
});
