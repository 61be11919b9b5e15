import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchEngine,
  createBatch,
  createPendingRecord,
  FileStateStore,
  InvalidOptionError,
  JobStatus,
  markRecordFailed,
  markRecordInvalid,
  type JobState,
  type ProcessedRecord,
} from '@batchactions/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-state-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function job(overrides: Partial<JobState> = {}): JobState {
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
  ...createPendingRecord(i, { n: i }),
  status: 'processed',
  retryCount: 0,
});

describe('FileStateStore (core 8.2)', () => {
  it('writes the published layout: <jobId>.json indented, <jobId>.records.json an array', async () => {
    const directory = join(dir, 'nested', 'state');
    const store = new FileStateStore({ directory });
    await store.saveJobState(job());
    await store.saveProcessedRecord('job-1', 'b0', processed(0));
    await store.saveProcessedRecord('job-1', 'b0', processed(1));
    expect(await readFile(join(directory, 'job-1.json'), 'utf8')).toBe(
      JSON.stringify(job(), null, 2),
    );
    const records: unknown = JSON.parse(
      await readFile(join(directory, 'job-1.records.json'), 'utf8'),
    );
    expect(records).toEqual([processed(0), processed(1)]);
  });

  it("defaults to '.batchactions'", () => {
    expect(new FileStateStore().directory).toBe('.batchactions');
  });

  it('reads back jobs; unknown or corrupt job files are null', async () => {
    const store = new FileStateStore({ directory: dir });
    expect(await store.getJobState('nope')).toBeNull();
    await store.saveJobState(job());
    expect(await store.getJobState('job-1')).toEqual(job());
    await writeFile(join(dir, 'bad.json'), '{ not json');
    expect(await store.getJobState('bad')).toBeNull();
  });

  it('updates a batch; unknown jobs and batches are no-ops', async () => {
    const store = new FileStateStore({ directory: dir });
    const state = {
      batchId: 'b1',
      status: 'COMPLETED',
      processedCount: 2,
      failedCount: 0,
    } as const;
    await store.updateBatchState('nope', 'b1', state);
    expect(await store.getJobState('nope')).toBeNull();
    await store.saveJobState(job());
    await store.updateBatchState('job-1', 'b1', state);
    await store.updateBatchState('job-1', 'zz', { ...state, batchId: 'zz' });
    const saved = await store.getJobState('job-1');
    expect(saved?.batches.map((b) => [b.id, b.status, b.processedCount])).toEqual([
      ['b0', 'PENDING', 0],
      ['b1', 'COMPLETED', 2],
    ]);
  });

  it('upserts records by index in first-save order and filters them like the in-memory store', async () => {
    const store = new FileStateStore({ directory: dir });
    await store.saveProcessedRecord('j', 'b', processed(5));
    await store.saveProcessedRecord('j', 'b', markRecordFailed(createPendingRecord(2, {}), 'x'));
    await store.saveProcessedRecord('j', 'b', markRecordInvalid(createPendingRecord(5, {}), []));
    expect((await store.getFailedRecords('j')).map((r) => [r.index, r.status])).toEqual([
      [5, 'invalid'],
      [2, 'failed'],
    ]);
    expect(await store.getProcessedRecords('j')).toEqual([]);
    expect(await store.getPendingRecords('j')).toEqual([]);
    expect(await store.getFailedRecords('unknown')).toEqual([]);
    // Published formula: failed records are not in the percentage; getJobProgress counts them done.
    expect(await store.getProgress('j')).toMatchObject({
      totalRecords: 2,
      failedRecords: 2,
      pendingRecords: 0,
      percentage: 0,
    });
    expect(await store.getJobProgress('j')).toMatchObject({
      totalRecords: 2,
      failedRecords: 2,
      percentage: 100,
    });
  });

  it('keeps every record when 8 batches run concurrently (defect 19: published kept 393 of 400)', async () => {
    const stateStore = new FileStateStore({ directory: dir });
    const engine = new BatchEngine({ stateStore, batchSize: 10, maxConcurrentBatches: 8 });
    const rows = Array.from({ length: 400 }, (_, i) => ({ id: i }));
    await engine.fromRecords(rows).start(async () => {
      await new Promise((resolve) => setImmediate(resolve));
    });
    expect(engine.getStatus().status).toBe('COMPLETED');
    const onDisk = await stateStore.getProcessedRecords(engine.getJobId());
    expect(onDisk).toHaveLength(400);
    expect(new Set(onDisk.map((r) => r.index)).size).toBe(400);
    const saved = await stateStore.getJobState(engine.getJobId());
    expect(saved?.batches.every((b) => b.status === 'COMPLETED')).toBe(true);
    expect(saved?.batches.reduce((sum, b) => sum + b.processedCount, 0)).toBe(400);
  });

  it('two stores on the same directory see each other’s records (defect 19: stale cache)', async () => {
    const a = new FileStateStore({ directory: dir });
    const b = new FileStateStore({ directory: dir });
    await a.saveProcessedRecord('j', 'x', processed(0));
    await b.saveProcessedRecord('j', 'x', processed(1));
    await a.saveProcessedRecord('j', 'x', processed(2));
    expect((await b.getProcessedRecords('j')).map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it('skips a torn last line left by a crash during an append', async () => {
    const store = new FileStateStore({ directory: dir });
    await store.saveProcessedRecord('j', 'x', processed(0));
    await store.saveProcessedRecord('j', 'x', processed(1));
    const path = join(dir, 'j.records.json');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, -2));
    await appendFile(path, ',\n{"index":2,"raw":{"n');
    expect((await store.getProcessedRecords('j')).map((r) => r.index)).toEqual([0, 1]);
    await store.saveProcessedRecord('j', 'x', processed(3));
    expect((await store.getProcessedRecords('j')).map((r) => r.index)).toEqual([0, 1, 3]);
  });

  it('restores an engine from the files, as the serverless pattern does', async () => {
    const stateStore = new FileStateStore({ directory: dir });
    const rows = Array.from({ length: 6 }, (_, i) => ({ id: i }));
    const engine = new BatchEngine({ stateStore, batchSize: 2 });
    const first = await engine.fromRecords(rows).processChunk(() => undefined, { maxRecords: 2 });
    const restored = await BatchEngine.restore(first.jobId, { stateStore });
    const second = await restored?.fromRecords(rows).processChunk(() => undefined);
    expect(second).toMatchObject({ done: true, totalProcessed: 6 });
  });

  it('rejects job ids that would leave the directory', async () => {
    const store = new FileStateStore({ directory: dir });
    await expect(store.saveJobState(job({ id: '../escape' }))).rejects.toThrow(InvalidOptionError);
    await expect(store.getJobState('a/b')).rejects.toThrow(/jobId/);
    expect(() => new FileStateStore({ directory: '' })).toThrow(InvalidOptionError);
  });
});
