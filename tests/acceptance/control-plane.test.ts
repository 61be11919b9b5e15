import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  InMemoryDistributedStateStore,
  InvalidOptionError,
  UnsupportedByStoreError,
  type DomainEvent,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport, type DistributedImportConfig } from '../../src/index';
import { fullPortStores, publishedPortOnly, useTestStore } from '../support/stores';
import { usersCsv, usersImporter, usersSchema, workerLoop } from '../support/workers';

const controllable = fullPortStores;

describe.each(controllable)('control plane on $name', (factory) => {
  const t = useTestStore(factory);

  const importer = (extra: Partial<DistributedImportConfig> = {}) => usersImporter(t.store, extra);

  it('pauses and resumes a job from another importer; every record is processed once', async () => {
    const worker = importer();
    const operator = importer();
    const { jobId } = await worker.prepare(new BufferSource(usersCsv(30)), new CsvParser());
    const seen: unknown[] = [];
    const processor = (r: Record<string, unknown>) => void seen.push(r.id);
    expect((await worker.processWorkerBatch(jobId, processor, 'w')).claimed).toBe(true);

    expect(await operator.pause(jobId)).toBe(true);
    expect(await operator.pause(jobId)).toBe(false);
    expect((await operator.getStatus(jobId)).status).toBe('PAUSED');
    expect(await worker.processWorkerBatch(jobId, processor, 'w')).toMatchObject({
      claimed: false,
      jobComplete: false,
    });

    expect(await operator.resume(jobId)).toBe(true);
    const results = await workerLoop(worker, jobId, processor, 'w');
    expect(results.filter((r) => r.jobComplete)).toHaveLength(1);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect((await operator.getStatus(jobId)).status).toBe('COMPLETED');
  });

  it('cancels a job: the running processor sees its signal abort and the batch is released unwritten', async () => {
    const worker = importer({ cancelCheckIntervalMs: 10 });
    const operator = importer();
    const { jobId } = await worker.prepare(new BufferSource(usersCsv(10)), new CsvParser());
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const abortedWith: unknown[] = [];
    const run = worker.processWorkerBatch(
      jobId,
      async (_r, ctx) => {
        started();
        await new Promise<void>((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            abortedWith.push(ctx.signal.reason);
            resolve();
          });
        });
        throw new Error('stopped by cancellation');
      },
      'w',
    );
    await running;
    expect(await operator.cancel(jobId)).toBe(true);
    expect(await run).toMatchObject({ claimed: true, released: true, processedCount: 0 });
    expect(abortedWith).toHaveLength(1);
    expect(abortedWith[0]).toMatchObject({ code: 'JOB_CANCELLED' });
    expect(await t.store.getProcessedRecords(jobId)).toEqual([]);
    expect(await t.store.getFailedRecords(jobId)).toEqual([]);
    expect((await operator.getStatus(jobId)).status).toBe('ABORTED');
    expect(await worker.processWorkerBatch(jobId, () => undefined, 'w')).toMatchObject({
      claimed: false,
      jobComplete: false,
    });
    expect(await operator.cancel(jobId)).toBe(false);
  });

  it('fails the job early once the failure threshold is reached', async () => {
    const di = importer({ failureThreshold: { count: 3 } });
    const events: DomainEvent[] = [];
    di.onAny((e) => events.push(e));
    // Invalid rows 1, 3 (batch 0), 7 (batch 1), 12 (batch 2): the threshold is reached in batch 1.
    const { jobId } = await di.prepare(
      new BufferSource(usersCsv(25, (i) => [1, 3, 7, 12].includes(i))),
      new CsvParser(),
    );
    const results = await workerLoop(di, jobId, () => undefined, 'w');
    expect(results.map((r) => [r.batchIndex, r.jobComplete])).toEqual([
      [0, false],
      [1, true],
    ]);
    const completed = events.filter((e) => e.type === 'job:completed');
    expect(completed).toEqual([
      expect.objectContaining({
        reason: '3 records failed, reaching the failure threshold of 3',
        summary: expect.objectContaining({ total: 25, processed: 7, failed: 3, skipped: 15 }),
      }),
    ]);
    const status = await di.getStatus(jobId);
    expect(status.status).toBe('FAILED');
    expect(status.batches.pendingBatches).toBe(3);
    expect((await di.processWorkerBatch(jobId, () => undefined, 'late')).claimed).toBe(false);
  });

  it('fails the job early on a percentage of all records', async () => {
    const di = importer({ failureThreshold: { percentage: 10 } });
    const { jobId } = await di.prepare(
      new BufferSource(usersCsv(20, (i) => i < 2)),
      new CsvParser(),
    );
    const first = await di.processWorkerBatch(jobId, () => undefined, 'w');
    expect(first).toMatchObject({ failedCount: 2, jobComplete: true });
    expect((await di.getStatus(jobId)).status).toBe('FAILED');
  });

  it('purges a finished job with its batches and records', async () => {
    const di = importer();
    const { jobId } = await di.prepare(new BufferSource(usersCsv(7)), new CsvParser());
    await workerLoop(di, jobId, () => undefined, 'w');
    expect(await di.purge(jobId)).toBe(true);
    expect(await t.store.getJobState(jobId)).toBeNull();
    expect(await t.store.getProcessedRecords(jobId)).toEqual([]);
    expect(await di.purge(jobId)).toBe(false);
  });
});

describe('control plane options and stores without it', () => {
  it.each([
    [{ count: 0 }, 'failureThreshold.count'],
    [{ percentage: 101 }, 'failureThreshold.percentage'],
    [{}, 'failureThreshold'],
  ])('rejects failureThreshold %j naming %s', (failureThreshold, option) => {
    const make = () =>
      new DistributedImport({
        coerceValues: true,
        schema: usersSchema,
        stateStore: new InMemoryDistributedStateStore(),
        failureThreshold,
      });
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(`Invalid option "${option}"`);
  });

  it('says which store method pause, cancel and purge need', async () => {
    const di = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      stateStore: publishedPortOnly(new InMemoryDistributedStateStore()),
    });
    await expect(di.pause('job')).rejects.toBeInstanceOf(UnsupportedByStoreError);
    await expect(di.cancel('job')).rejects.toThrow(/updateJobStatus/);
    await expect(di.purge('job')).rejects.toThrow(/deleteJob/);
  });
});
