import { describe, expect, it } from 'vitest';
import { BufferSource, type DomainEvent } from '@batchactions/core';
import { CsvParser, type SchemaDefinition } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { PublishedPortStore } from './published-port-store';

const schema: SchemaDefinition = {
  fields: [
    { name: 'name', type: 'string', required: true },
    { name: 'email', type: 'email', required: true },
  ],
};

function csv(emails: string[]): string {
  return ['name,email', ...emails.map((e, i) => `user${i},${e}`)].join('\n');
}

const ts = expect.any(Number) as number;

async function prepared(emails: string[], batchSize: number, continueOnError?: boolean) {
  const store = new PublishedPortStore();
  const di = new DistributedImport({
    schema,
    stateStore: store,
    batchSize,
    ...(continueOnError === undefined ? {} : { continueOnError }),
  });
  const { jobId } = await di.prepare(new BufferSource(csv(emails)), new CsvParser());
  store.calls.length = 0;
  const events: DomainEvent[] = [];
  di.onAny((e) => events.push(e));
  return { store, di, jobId, events };
}

describe('processWorkerBatch on a store with only the published port', () => {
  it('resolves claimed: false for an unknown job, after the sweep and the claim only', async () => {
    const store = new PublishedPortStore();
    const di = new DistributedImport({ schema, stateStore: store, staleBatchTimeoutMs: 5000 });
    const events: DomainEvent[] = [];
    di.onAny((e) => events.push(e));
    const result = await di.processWorkerBatch('no-such-job', () => undefined, 'w');
    expect(result).toStrictEqual({
      claimed: false,
      processedCount: 0,
      failedCount: 0,
      jobComplete: false,
      jobId: 'no-such-job',
    });
    expect(store.calls).toEqual([
      { method: 'reclaimStaleBatches', args: ['no-such-job', 5000] },
      { method: 'claimBatch', args: ['no-such-job', 'w'] },
    ]);
    expect(events).toEqual([]);
  });

  it('resolves claimed: false with no finalisation once no batch is pending', async () => {
    const { store, di, jobId } = await prepared(['a@x.io'], 5);
    await di.processWorkerBatch(jobId, () => undefined, 'w1');
    store.calls.length = 0;
    expect(await di.processWorkerBatch(jobId, () => undefined, 'w2')).toStrictEqual({
      claimed: false,
      processedCount: 0,
      failedCount: 0,
      jobComplete: false,
      jobId,
    });
    expect(store.methods()).toEqual(['reclaimStaleBatches', 'claimBatch']);
  });

  it('sums the summary from the job state the store returns, as published', async () => {
    const { store, di, jobId, events } = await prepared(['a@x.io', 'b@x.io', 'c@x.io'], 1);
    // The summary comes from getJobState().batches: a store's counters are what it reports.
    const original = store.getJobState.bind(store);
    store.getJobState = async (id) => {
      const job = await original(id);
      return (
        job && {
          ...job,
          startedAt: undefined,
          batches: job.batches.map((b) => ({ ...b, processedCount: 7 })),
        }
      );
    };
    for (const w of ['w1', 'w2', 'w3']) await di.processWorkerBatch(jobId, () => undefined, w);
    expect(events.filter((e) => e.type === 'job:completed')).toStrictEqual([
      {
        type: 'job:completed',
        jobId,
        summary: { total: 3, processed: 21, failed: 0, skipped: 0, elapsedMs: 0 },
        timestamp: ts,
      },
    ]);
  });

  it('stops one batch at the first failure with continueOnError: false, as published', async () => {
    const { store, di, jobId, events } = await prepared(
      ['a@x.io', 'bad', 'c@x.io', 'd@x.io', 'e@x.io'],
      3,
      false,
    );
    const seen: unknown[] = [];
    const first = await di.processWorkerBatch(jobId, (r) => void seen.push(r.email), 'w1');
    expect(first).toMatchObject({ claimed: true, processedCount: 1, failedCount: 1 });
    expect(store.methods()).toEqual([
      'reclaimStaleBatches',
      'claimBatch',
      'getBatchRecords',
      'getJobState',
      'saveProcessedRecord',
      'saveProcessedRecord',
      'updateBatchState',
      'tryFinalizeJob',
    ]);
    const b0 = first.batchId ?? '';
    expect(store.calls[6]?.args[2]).toEqual({
      batchId: b0,
      status: 'FAILED',
      processedCount: 1,
      failedCount: 1,
    });
    expect(events.map((e) => e.type)).toEqual([
      'batch:claimed',
      'batch:started',
      'record:processed',
      'record:failed',
      'batch:failed',
    ]);
    expect(events.at(-1)).toStrictEqual({
      type: 'batch:failed',
      jobId,
      batchId: b0,
      batchIndex: 0,
      error: 'Batch failed with 1 errors',
      timestamp: ts,
    });
    // The record after the culprit was never touched: still pending, as prepare stored it.
    expect((await store.getBatchRecords(jobId, b0)).map((r) => r.status)).toEqual([
      'processed',
      'invalid',
      'pending',
    ]);
    // Other batches still run; the summary counts the unreached record as skipped.
    const second = await di.processWorkerBatch(jobId, (r) => void seen.push(r.email), 'w2');
    expect(second).toMatchObject({ processedCount: 2, failedCount: 0, jobComplete: true });
    expect(seen).toEqual(['a@x.io', 'd@x.io', 'e@x.io']);
    expect(events.at(-1)).toMatchObject({
      type: 'job:completed',
      summary: { total: 5, processed: 3, failed: 1, skipped: 1 },
    });
    expect((await store.getJobState(jobId))?.status).toBe('FAILED');
  });
});
