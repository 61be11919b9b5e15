import { describe, expect, it } from 'vitest';
import { BufferSource, type BatchProcessingContext, type ParsedRecord } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport, runWorker, type DistributedImportConfig } from '../../src/index';
import { storeFactories, useTestStore } from '../support/stores';
import { usersCsv, usersSchema } from '../support/workers';

describe.each(storeFactories)('bulk processing on $name', (factory) => {
  const t = useTestStore(factory);

  async function prepared(
    rows: number,
    config: Partial<DistributedImportConfig> = {},
    bad = (_i: number) => false,
  ) {
    const di = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 4,
      stateStore: t.store,
      ...config,
    });
    const { jobId } = await di.prepare(new BufferSource(usersCsv(rows, bad)), new CsvParser());
    return { di, jobId };
  }

  it("hands each batch's valid records to one call, with their indexes", async () => {
    const { di, jobId } = await prepared(10, {}, (i) => i === 2);
    const calls: { ids: unknown[]; ctx: BatchProcessingContext }[] = [];
    const result = await runWorker(di, jobId, {
      processBatch: (records, ctx) => {
        calls.push({ ids: records.map((r) => r.id), ctx });
      },
    });
    expect(calls.map((c) => c.ids)).toEqual([
      [0, 1, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(calls[0]?.ctx).toMatchObject({
      batchIndex: 0,
      recordIndexes: [0, 1, 3],
      totalRecords: 10,
    });
    expect(calls[0]?.ctx.signal).toBeInstanceOf(AbortSignal);
    expect(result).toMatchObject({ processed: 9, failed: 1, jobComplete: true });
    expect((await t.store.getProcessedRecords(jobId)).map((r) => r.index)).toEqual([
      0, 1, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  it('applies per-record outcomes', async () => {
    const { di, jobId } = await prepared(4);
    const result = await di.processWorkerBatch(
      jobId,
      {
        processBatch: (records) =>
          records.map((r) =>
            r.id === 1 ? new Error('duplicate key') : r.id === 2 ? 'rejected' : undefined,
          ),
      },
      'w',
    );
    expect(result).toMatchObject({ processedCount: 2, failedCount: 2, jobComplete: true });
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed.map((r) => [r.index, r.processingError])).toEqual([
      [1, 'duplicate key'],
      [2, 'rejected'],
    ]);
  });

  it('retries a throwing call as a whole, then fails every record of it', async () => {
    const { di, jobId } = await prepared(8, { maxRetries: 2, retryDelayMs: 1 });
    let calls = 0;
    const results = await runWorker(di, jobId, {
      processBatch: (_records, ctx) => {
        calls += 1;
        if (ctx.batchIndex === 0 && calls < 3) throw new Error(`flaky ${calls}`);
        if (ctx.batchIndex === 1) throw new Error('database is down');
      },
    });
    expect(calls).toBe(6);
    expect(results).toMatchObject({ processed: 4, failed: 4 });
    const processed = await t.store.getProcessedRecords(jobId);
    expect(processed.every((r) => r.retryCount === 2)).toBe(true);
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed.map((r) => [r.index, r.processingError, r.retryCount])).toEqual(
      [4, 5, 6, 7].map((i) => [i, 'database is down', 2]),
    );
  });

  it('fails the records of a call that returns the wrong number of outcomes, saying so', async () => {
    const { di, jobId } = await prepared(3);
    await di.processWorkerBatch(jobId, { processBatch: () => [undefined] }, 'w');
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed).toHaveLength(3);
    expect(failed[0]?.processingError).toBe(
      'processBatch returned 1 outcomes for 3 records; it must return one per record, in order',
    );
  });

  it('runs hooks around the call and skips the call of a batch with a bad record when continueOnError is false', async () => {
    const after: number[] = [];
    const { di, jobId } = await prepared(
      8,
      {
        continueOnError: false,
        hooks: {
          beforeProcess: (r) => ({ ...r, name: String(r.name).toUpperCase() }),
          afterProcess: (r) => {
            after.push(r.index);
          },
        },
      },
      (i) => i === 5,
    );
    const seen: ParsedRecord[][] = [];
    const results = await runWorker(di, jobId, {
      processBatch: (records) => void seen.push([...records]),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.map((r) => r.name)).toEqual(['USER 0', 'USER 1', 'USER 2', 'USER 3']);
    expect(after).toEqual([0, 1, 2, 3]);
    expect(results).toMatchObject({ processed: 4, failed: 1, jobComplete: true });
    const status = await di.getStatus(jobId);
    expect(status.status).toBe('FAILED');
    expect(status.progress).toMatchObject({
      processedRecords: 4,
      failedRecords: 1,
      pendingRecords: 3,
    });
  });
});
