import {
  createBatch,
  createPendingRecord,
  InMemoryStateStore,
  isDistributedStateStore,
  JobStatus,
  markRecordFailed,
  markRecordInvalid,
  markRecordValid,
  readJobProgress,
  type Batch,
  type JobState,
  type ProcessedRecord,
} from '@batchactions/core';
import { describe, expect, it } from 'vitest';

function makeJob(overrides: Partial<JobState> = {}): JobState {
  return {
    id: 'job-1',
    config: { batchSize: 2 },
    status: JobStatus.PROCESSING,
    batches: [createBatch('b0', 0, []), createBatch('b1', 1, [])],
    totalRecords: 4,
    startedAt: 1_000,
    ...overrides,
  };
}

const processed = (i: number): ProcessedRecord => ({
  ...markRecordValid(createPendingRecord(i, { n: i }), { n: i }),
  status: 'processed',
  retryCount: 0,
});

describe('InMemoryStateStore (core 8.1)', () => {
  it('saves and returns a job, and null for an unknown one', async () => {
    const store = new InMemoryStateStore();
    await store.saveJobState(makeJob());
    expect(await store.getJobState('job-1')).toEqual(makeJob());
    expect(await store.getJobState('nope')).toBeNull();
  });

  it('keeps a copy: later changes to the saved or returned objects do not leak (defect 18)', async () => {
    const store = new InMemoryStateStore();
    const batches: Batch[] = [createBatch('b0', 0, [])];
    await store.saveJobState(makeJob({ batches }));
    batches.push(createBatch('b1', 1, []));
    const got = await store.getJobState('job-1');
    expect(got?.batches).toHaveLength(1);
    (got?.batches as Batch[]).pop();
    expect((await store.getJobState('job-1'))?.batches).toHaveLength(1);

    const record = { ...createPendingRecord(0, { n: 0 }), status: 'failed' as const };
    await store.saveProcessedRecord('job-1', 'b0', record);
    (record.raw as Record<string, unknown>).n = 99;
    expect((await store.getFailedRecords('job-1'))[0]?.raw).toEqual({ n: 0 });
  });

  it('updates a batch status and counts; unknown jobs and batches are no-ops', async () => {
    const store = new InMemoryStateStore();
    const state = {
      batchId: 'b1',
      status: 'COMPLETED',
      processedCount: 2,
      failedCount: 0,
    } as const;
    await expect(store.updateBatchState('nope', 'b1', state)).resolves.toBeUndefined();
    await store.saveJobState(makeJob());
    await store.updateBatchState('job-1', 'b1', state);
    await store.updateBatchState('job-1', 'missing', { ...state, batchId: 'missing' });
    const job = await store.getJobState('job-1');
    expect(job?.batches.map((b) => [b.id, b.status, b.processedCount])).toEqual([
      ['b0', 'PENDING', 0],
      ['b1', 'COMPLETED', 2],
    ]);
  });

  it('upserts records by index, before the job is saved, keeping the first position', async () => {
    const store = new InMemoryStateStore();
    await store.saveProcessedRecord('j', 'b', processed(3));
    await store.saveProcessedRecord('j', 'b', markRecordFailed(createPendingRecord(1, {}), 'x'));
    await store.saveProcessedRecord('j', 'b', markRecordInvalid(createPendingRecord(3, {}), []));
    expect((await store.getFailedRecords('j')).map((r) => [r.index, r.status])).toEqual([
      [3, 'invalid'],
      [1, 'failed'],
    ]);
    expect(await store.getProcessedRecords('j')).toEqual([]);
    await store.saveProcessedRecord('j', 'b', markRecordValid(createPendingRecord(7, {}), {}));
    expect((await store.getPendingRecords('j')).map((r) => r.index)).toEqual([7]);
    expect(await store.getFailedRecords('unknown')).toEqual([]);
  });

  it('reports getProgress with the published formula: processed only, Math.round, pending not clamped', async () => {
    const store = new InMemoryStateStore({ now: () => 3_000 });
    expect(await store.getProgress('nope')).toEqual({
      totalRecords: 0,
      processedRecords: 0,
      failedRecords: 0,
      pendingRecords: 0,
      percentage: 0,
      currentBatch: 0,
      totalBatches: 0,
      elapsedMs: 0,
    });
    await store.saveJobState(makeJob({ totalRecords: 200 }));
    await store.updateBatchState('job-1', 'b0', {
      batchId: 'b0',
      status: 'COMPLETED',
      processedCount: 1,
      failedCount: 1,
    });
    await store.saveProcessedRecord('job-1', 'b0', processed(0));
    await store.saveProcessedRecord(
      'job-1',
      'b0',
      markRecordFailed(createPendingRecord(1, {}), 'x'),
    );
    expect(await store.getProgress('job-1')).toStrictEqual({
      totalRecords: 200,
      processedRecords: 1,
      failedRecords: 1,
      pendingRecords: 198,
      percentage: 1,
      currentBatch: 1,
      totalBatches: 2,
      elapsedMs: 2_000,
    });
    // Failed records are not in the published percentage: 99 processed + 1 failed of 200 → 50.
    for (let i = 2; i < 100; i++) await store.saveProcessedRecord('job-1', 'b1', processed(i));
    expect((await store.getProgress('job-1')).percentage).toBe(50);
    // Math.round: 199 processed of 200 reads 100 (published defect 12, kept in getProgress).
    for (let i = 100; i < 200; i++) await store.saveProcessedRecord('job-1', 'b1', processed(i));
    expect((await store.getProgress('job-1')).percentage).toBe(100);
  });

  it('reports getJobProgress with the consistent formula (defects 12, 13 fixed there)', async () => {
    const store = new InMemoryStateStore({ now: () => 3_000 });
    await store.saveJobState(makeJob({ totalRecords: 200 }));
    await store.saveProcessedRecord('job-1', 'b0', processed(0));
    await store.saveProcessedRecord(
      'job-1',
      'b0',
      markRecordFailed(createPendingRecord(1, {}), 'x'),
    );
    expect(await store.getJobProgress('job-1')).toMatchObject({
      totalRecords: 200,
      processedRecords: 1,
      failedRecords: 1,
      pendingRecords: 198,
      percentage: 1,
      elapsedMs: 2_000,
    });
    for (let i = 2; i < 199; i++) await store.saveProcessedRecord('job-1', 'b1', processed(i));
    // 199 of 200 done reads 99, not 100; failed records count as done.
    expect((await store.getJobProgress('job-1')).percentage).toBe(99);
    expect(await readJobProgress(store, 'job-1')).toEqual(await store.getJobProgress('job-1'));
  });

  it('counts stored records as the total when the job is unknown; published pending goes below 0', async () => {
    const store = new InMemoryStateStore();
    await store.saveProcessedRecord('j', 'b', processed(0));
    await store.saveProcessedRecord('j', 'b', processed(1));
    expect(await store.getProgress('j')).toMatchObject({
      totalRecords: 2,
      processedRecords: 2,
      pendingRecords: 0,
      percentage: 100,
    });
    await store.saveJobState(makeJob({ id: 'j', totalRecords: 1 }));
    expect((await store.getProgress('j')).pendingRecords).toBe(-1);
    expect((await store.getJobProgress('j')).pendingRecords).toBe(0);
  });

  it('is not a distributed store', () => {
    expect(isDistributedStateStore(new InMemoryStateStore())).toBe(false);
  });
});
