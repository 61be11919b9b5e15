import { createBatch, createPendingRecord, JobStatus, type Batch } from '@batchactions/core';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startChild } from './child-processes';
import { tempDb, type TempDb } from './temp-db';

const PROCESSES = 4;

interface ClaimResult {
  readonly workerId: string;
  readonly claimed: readonly string[];
  readonly finalized: boolean;
}

async function prepareJob(
  store: SqliteStateStore,
  jobId: string,
  batchCount: number,
  size: number,
) {
  const batches: Batch[] = [];
  for (let i = 0; i < batchCount; i += 1) {
    const records = Array.from({ length: size }, (_, k) =>
      createPendingRecord(i * size + k, { n: i * size + k }),
    );
    batches.push(createBatch(`b${i}`, i, records));
  }
  const job = {
    id: jobId,
    config: { batchSize: size },
    batches: [] as Batch[],
    totalRecords: batchCount * size,
    startedAt: Date.now(),
    distributed: true,
  };
  await store.saveJobState({ ...job, status: JobStatus.CREATED });
  for (const batch of batches) await store.registerBatch(jobId, batch);
  await store.saveJobState({ ...job, status: JobStatus.PROCESSING, batches });
  return batches;
}

describe('SqliteStateStore shared by several processes', () => {
  let file: TempDb;

  beforeAll(() => {
    assertBuilt();
  });
  afterEach(() => {
    file.remove();
  });

  it('initialises one fresh file from several processes at once', async () => {
    // Switching a fresh file to WAL races between processes (SQLite answers SQLITE_BUSY without
    // waiting); a few rounds make a lost race likely if initialize() stopped retrying it.
    for (let round = 0; round < 3; round += 1) {
      file = tempDb('multi-init');
      const children = Array.from({ length: PROCESSES + 2 }, () =>
        startChild(['initialize', file.filename]),
      );
      await Promise.all(children.map((c) => c.ready));
      for (const child of children) child.go();
      const results = await Promise.all(children.map((c) => c.result));
      expect(results.every((r) => JSON.stringify(r) === '{"initialized":true}')).toBe(true);

      const store = new SqliteStateStore({ filename: file.filename });
      await store.initialize();
      await prepareJob(store, 'after-init', 2, 2);
      expect((await store.getDistributedStatus('after-init')).totalBatches).toBe(2);
      await store.close();
      if (round < 2) file.remove();
    }
  });

  it('hands every batch to exactly one of several processes and finalises once', async () => {
    file = tempDb('multi-claim');
    const store = new SqliteStateStore({ filename: file.filename });
    await store.initialize();
    const batches = await prepareJob(store, 'shared', 150, 4);

    const children = Array.from({ length: PROCESSES }, (_, i) =>
      startChild(['claim', file.filename, 'shared', `worker-${i}`]),
    );
    await Promise.all(children.map((c) => c.ready));
    for (const child of children) child.go();
    const results = (await Promise.all(children.map((c) => c.result))) as ClaimResult[];

    const claimed = results.flatMap((r) => r.claimed);
    expect(claimed).toHaveLength(batches.length);
    expect([...claimed].sort()).toEqual(batches.map((b) => b.id).sort());
    expect(results.filter((r) => r.finalized)).toHaveLength(1);

    const job = await store.getJobState('shared');
    expect(job?.status).toBe(JobStatus.COMPLETED);
    const owners = new Map(results.flatMap((r) => r.claimed.map((id) => [id, r.workerId])));
    for (const batch of job?.batches ?? []) {
      expect(batch).toMatchObject({ status: 'COMPLETED', attempt: 1, processedCount: 4 });
      expect(batch.workerId).toBe(owners.get(batch.id));
    }
    expect((await store.getProcessedRecords('shared')).length).toBe(600);
    await store.close();
  });
});
