import {
  BatchStatus,
  createBatch,
  createPendingRecord,
  JobStatus,
  type ProcessedRecord,
} from '@batchactions/core';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { tempDb, type TempDb } from './temp-db';

let file: TempDb;
beforeEach(() => {
  file = tempDb('in-process');
});
afterEach(() => {
  file.remove();
});

async function work(store: SqliteStateStore, jobId: string, workerId: string): Promise<number> {
  let done = 0;
  for (;;) {
    await store.reclaimStaleBatches(jobId, 60_000);
    const claim = await store.claimBatch(jobId, workerId);
    if (!claim.claimed) return done;
    const { batchId, attempt = 0 } = claim.reservation;
    const records = await store.getBatchRecords(jobId, batchId);
    const processed: ProcessedRecord[] = records.map((r) => ({ ...r, status: 'processed' }));
    await store.completeBatch({ jobId, batchId, workerId, attempt }, processed, {
      status: BatchStatus.COMPLETED,
      processedCount: processed.length,
      failedCount: 0,
    });
    await store.tryFinalizeJob(jobId);
    done += 1;
  }
}

it('runs stores of one process on one file side by side, never waiting out busyTimeoutMs', async () => {
  // Transactions await between statements: a second connection of this process writing
  // meanwhile must wait its turn, not block the thread in SQLite's busy handler.
  const options = { filename: file.filename, busyTimeoutMs: 2_000 };
  const stores = [1, 2, 3, 4].map(() => new SqliteStateStore(options));
  await Promise.all(stores.map((store) => store.initialize()));
  const [preparer] = stores as [SqliteStateStore];
  const job = { id: 'job', config: { batchSize: 10 }, totalRecords: 400, distributed: true };
  await preparer.saveJobState({ ...job, status: JobStatus.CREATED, batches: [] });
  const started = Date.now();
  try {
    // Batches registered by two stores while the other two already work on the job.
    await preparer.openEarly('job', Date.now());
    const register = (from: number, to: number, store: SqliteStateStore) =>
      (async () => {
        for (let i = from; i < to; i += 1) {
          const records = Array.from({ length: 10 }, (_, k) =>
            createPendingRecord(i * 10 + k, { n: i * 10 + k }),
          );
          await store.registerBatch('job', createBatch(`b${i}`, i, records));
        }
      })();
    const workers = [work(stores[2]!, 'job', 'w2'), work(stores[3]!, 'job', 'w3')];
    await Promise.all([register(0, 20, stores[0]!), register(20, 40, stores[1]!)]);
    await preparer.finishPrepare('job', 400, Date.now());
    const claimed = (
      await Promise.all([...workers, ...stores.map((s, i) => work(s, 'job', `x${i}`))])
    ).reduce((a, b) => a + b, 0);
    expect(claimed).toBe(40);
    expect(await preparer.tryFinalizeJob('job')).toBe(false);
    expect(await preparer.getJobStatus('job')).toBe(JobStatus.COMPLETED);
    expect(await stores[1]!.getProcessedRecords('job')).toHaveLength(400);
    expect(Date.now() - started).toBeLessThan(options.busyTimeoutMs);
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
});
