import {
  createBatch,
  createPendingRecord,
  JobStatus,
  type ProcessedRecord,
} from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { sleep, useTestStore } from './test-store';

const t = useTestStore('transactions');

describe('transactions', () => {
  it('registers a batch with all its records or not at all', async () => {
    await t().store.saveJobState({
      id: 'job',
      config: { batchSize: 3 },
      status: JobStatus.CREATED,
      batches: [],
      totalRecords: 3,
    });
    const good = [createPendingRecord(0, { n: 0 }), createPendingRecord(1, { n: 1 })];
    // A record without a status violates NOT NULL after two rows were already written.
    const bad = { ...createPendingRecord(2, { n: 2 }), status: null } as unknown as ProcessedRecord;
    await expect(
      t().store.registerBatch('job', createBatch('b0', 0, [...good, bad])),
    ).rejects.toThrow(/NOT NULL/);
    expect(t().rows('SELECT count(*) AS n FROM batchactions_records')).toEqual([{ n: 0 }]);
    expect(t().rows('SELECT count(*) AS n FROM batchactions_batches')).toEqual([{ n: 0 }]);
    // The connection is usable again (the transaction was rolled back, not left open).
    await t().store.registerBatch('job', createBatch('b0', 0, good));
    expect(t().rows('SELECT count(*) AS n FROM batchactions_records')).toEqual([{ n: 2 }]);
  });

  it('quarantines a batch by failing only its records that were not processed', async () => {
    const batches = await t().prepare('job', 2, 2);
    const r = await t().claim('job', 'w');
    const records = await t().store.getBatchRecords('job', r.batchId);
    await t().store.saveProcessedRecord('job', r.batchId, { ...records[0]!, status: 'processed' });
    await sleep(5);
    expect(await t().store.reclaimStaleBatches('job', 0, 1)).toBe(1);
    const first = await t().store.getBatchRecords('job', batches[0]!.id);
    expect(first.map((x) => [x.status, x.processingError])).toEqual([
      ['processed', undefined],
      ['failed', 'Batch 0 abandoned after 1 attempts (last worker w)'],
    ]);
    const second = await t().store.getBatchRecords('job', batches[1]!.id);
    expect(second.every((x) => x.status === 'pending')).toBe(true);
  });
});

describe('deleteJob', () => {
  it('removes a job with its batches and records, leaving other jobs alone', async () => {
    await t().prepare('gone', 2, 2);
    await t().prepare('kept', 1, 3);
    expect(await t().store.deleteJob('gone')).toBe(true);
    expect(await t().store.deleteJob('gone')).toBe(false);
    expect(await t().store.getJobState('gone')).toBeNull();
    expect(t().rows('SELECT count(*) AS n FROM batchactions_batches')).toEqual([{ n: 1 }]);
    expect(t().rows('SELECT count(*) AS n FROM batchactions_records')).toEqual([{ n: 3 }]);
    expect((await t().claim('kept', 'w')).recordEndIndex).toBe(2);
  });
});

describe('batch ids', () => {
  it('are per job: jobs may use the same batch ids, and a claim or completion touches its own job only', async () => {
    const job = (id: string) => ({ id, config: { batchSize: 2 }, totalRecords: 2 });
    const batch = (n: number) =>
      createBatch('b0', 0, [createPendingRecord(0, { n }), createPendingRecord(1, { n })]);
    for (const [id, n] of [
      ['a', 1],
      ['b', 2],
    ] as const) {
      await t().store.saveJobState({ ...job(id), status: JobStatus.CREATED, batches: [] });
      await t().store.registerBatch(id, batch(n));
      await t().store.finishPrepare(id, 2, Date.now());
    }
    const claim = await t().claim('a', 'w');
    expect(claim.batchId).toBe('b0');
    expect((await t().store.getDistributedStatus('b')).pendingBatches).toBe(1);
    expect((await t().store.getBatchRecords('b', 'b0')).map((r) => r.raw)).toEqual([
      { n: 2 },
      { n: 2 },
    ]);
    const records = await t().store.getBatchRecords('a', 'b0');
    await t().store.completeBatch(
      { jobId: 'a', batchId: 'b0', workerId: 'w', attempt: claim.attempt ?? 0 },
      records.map((r) => ({ ...r, status: 'processed' })),
      { status: 'COMPLETED', processedCount: 2, failedCount: 0 },
    );
    expect(await t().store.tryFinalizeJob('a')).toBe(true);
    expect(await t().store.getProcessedRecords('b')).toEqual([]);
    expect((await t().claim('b', 'w')).batchId).toBe('b0');
  });
});
