import {
  BatchNotFoundError,
  createBatch,
  createPendingRecord,
  InvalidOptionError,
  isDistributedStateStore,
  JobNotFoundError,
  JobStatus,
  markRecordFailed,
  markRecordInvalid,
  markRecordProcessed,
  missingDistributedMethods,
  type JobState,
} from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { InMemoryStateStore } from '@batchactions/core';

function makeJob(overrides: Partial<JobState> = {}): JobState {
  const records = [0, 1, 2, 3].map((i) => createPendingRecord(i, { n: i }));
  return {
    id: 'job-1',
    config: { batchSize: 2 },
    status: JobStatus.PROCESSING,
    batches: [createBatch('b0', 0, records.slice(0, 2)), createBatch('b1', 1, records.slice(2))],
    totalRecords: 4,
    startedAt: 1_000,
    ...overrides,
  };
}

describe('InMemoryStateStore', () => {
  it('saves and returns a job, and null for an unknown one', async () => {
    const store = new InMemoryStateStore();
    await store.saveJobState(makeJob());
    const job = await store.getJobState('job-1');
    expect(job).toMatchObject({ id: 'job-1', status: 'PROCESSING', totalRecords: 4 });
    expect(job?.batches.map((b) => b.records.map((r) => r.index))).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(await store.getJobState('other')).toBeNull();
  });

  it('copies values in and out, so callers cannot mutate stored state', async () => {
    const store = new InMemoryStateStore();
    const job = makeJob();
    await store.saveJobState(job);
    (job.config as { batchSize: number }).batchSize = 99;
    (job.batches[0]!.records[0]!.raw as Record<string, unknown>).n = 'changed';
    const read = await store.getJobState('job-1');
    expect(read?.config.batchSize).toBe(2);
    expect(read?.batches[0]?.records[0]?.raw).toEqual({ n: 0 });

    (read!.batches as unknown[]).length = 0;
    const [pending] = await store.getPendingRecords('job-1');
    (pending!.parsed as Record<string, unknown>).n = 'changed';
    const again = await store.getJobState('job-1');
    expect(again?.batches).toHaveLength(2);
    expect((await store.getPendingRecords('job-1'))[0]?.parsed).toEqual({ n: 0 });
  });

  it('replaces records by index and lists them by status in index order', async () => {
    const store = new InMemoryStateStore();
    await store.saveJobState(makeJob());
    await store.saveProcessedRecord('job-1', 'b1', markRecordProcessed(createPendingRecord(3, {})));
    await store.saveProcessedRecord(
      'job-1',
      'b0',
      markRecordFailed(createPendingRecord(1, {}), 'x'),
    );
    await store.saveProcessedRecord('job-1', 'b1', markRecordProcessed(createPendingRecord(2, {})));
    await store.saveProcessedRecord(
      'job-1',
      'b0',
      markRecordInvalid(createPendingRecord(0, {}), [
        { field: 'n', message: 'bad', code: 'REQUIRED' },
      ]),
    );
    expect((await store.getProcessedRecords('job-1')).map((r) => r.index)).toEqual([2, 3]);
    expect((await store.getFailedRecords('job-1')).map((r) => r.index)).toEqual([0, 1]);
    expect(await store.getPendingRecords('job-1')).toEqual([]);
    const job = await store.getJobState('job-1');
    expect(job?.batches[1]?.records.map((r) => r.status)).toEqual(['processed', 'processed']);
  });

  it('updates a batch state and names an unknown job or batch', async () => {
    const store = new InMemoryStateStore();
    await store.saveJobState(makeJob());
    const done = { batchId: 'b0', status: 'COMPLETED', processedCount: 2, failedCount: 0 } as const;
    await store.updateBatchState('job-1', 'b0', done);
    expect((await store.getJobState('job-1'))?.batches[0]).toMatchObject({
      status: 'COMPLETED',
      processedCount: 2,
    });
    await expect(store.updateBatchState('nope', 'b0', done)).rejects.toThrow(JobNotFoundError);
    await expect(store.updateBatchState('job-1', 'b9', done)).rejects.toThrow(BatchNotFoundError);
    await expect(
      store.saveProcessedRecord('nope', 'b0', createPendingRecord(0, {})),
    ).rejects.toThrow('Job "nope" was not found');
  });

  it('computes progress from the records and the job', async () => {
    let now = 5_000;
    const store = new InMemoryStateStore({ now: () => now });
    await store.saveJobState(makeJob());
    expect(await store.getProgress('job-1')).toEqual({
      totalRecords: 4,
      processedRecords: 0,
      failedRecords: 0,
      pendingRecords: 4,
      percentage: 0,
      currentBatch: 0,
      totalBatches: 2,
      elapsedMs: 4_000,
    });
    await store.saveProcessedRecord('job-1', 'b0', markRecordProcessed(createPendingRecord(0, {})));
    await store.saveProcessedRecord(
      'job-1',
      'b0',
      markRecordFailed(createPendingRecord(1, {}), 'x'),
    );
    await store.updateBatchState('job-1', 'b0', {
      batchId: 'b0',
      status: 'COMPLETED',
      processedCount: 1,
      failedCount: 1,
    });
    now = 9_000;
    expect(await store.getProgress('job-1')).toEqual({
      totalRecords: 4,
      processedRecords: 1,
      failedRecords: 1,
      pendingRecords: 2,
      percentage: 50,
      currentBatch: 1,
      totalBatches: 2,
      elapsedMs: 8_000,
      estimatedRemainingMs: 8_000,
    });
  });

  it('stops the clock at completedAt and reports 0 % for an empty job', async () => {
    const store = new InMemoryStateStore({ now: () => 50_000 });
    await store.saveJobState(makeJob({ id: 'done', completedAt: 3_000 }));
    expect((await store.getProgress('done')).elapsedMs).toBe(2_000);
    await store.saveJobState(makeJob({ id: 'empty', batches: [], totalRecords: 0 }));
    expect((await store.getProgress('empty')).percentage).toBe(0);
    await expect(store.getProgress('nope')).rejects.toThrow(JobNotFoundError);
  });

  it('rejects job ids that are not non-empty strings', async () => {
    const store = new InMemoryStateStore();
    await expect(store.saveJobState(makeJob({ id: '' }))).rejects.toThrow(InvalidOptionError);
    await expect(store.getJobState(undefined as unknown as string)).rejects.toThrow(/"jobId"/);
    await expect(store.getFailedRecords('')).rejects.toThrow(InvalidOptionError);
  });

  it('is not a DistributedStateStore', () => {
    const store = new InMemoryStateStore();
    expect(isDistributedStateStore(store)).toBe(false);
    expect(missingDistributedMethods(store)).toEqual(
      expect.arrayContaining(['claimBatch', 'tryFinalizeJob']),
    );
    expect('claimBatch' in store).toBe(false);
  });
});
