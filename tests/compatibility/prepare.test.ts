import { describe, expect, it } from 'vitest';
import { BufferSource, type DomainEvent, type ProcessedRecord } from '@batchactions/core';
import { CsvParser, type SchemaDefinition, type SourceParser } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { PublishedPortStore } from './published-port-store';

const schema: SchemaDefinition = {
  fields: [
    { name: 'name', type: 'string', required: true, transform: (v) => String(v).trim() },
    { name: 'age', type: 'number', required: false, pattern: /^\d+$/ },
  ],
};

function csv(rows: number): string {
  const lines = ['name,age'];
  for (let i = 0; i < rows; i += 1) lines.push(`user${i},${20 + i}`);
  return lines.join('\n');
}

function pending(index: number, raw: Record<string, unknown>): ProcessedRecord {
  return { index, raw, parsed: raw, status: 'pending', errors: [] };
}

describe('prepare on a store with only the published port', () => {
  it('makes exactly the published calls: one saveBatchRecords per batch, then one saveJobState', async () => {
    const store = new PublishedPortStore();
    const di = new DistributedImport({ schema, stateStore: store, batchSize: 2 });
    const events: DomainEvent[] = [];
    di.onAny((e) => events.push(e));

    const before = Date.now();
    const result = await di.prepare(new BufferSource(csv(5)), new CsvParser());
    const { jobId } = result;
    expect(result).toStrictEqual({ jobId, totalRecords: 5, totalBatches: 3 });
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);

    expect(store.methods()).toEqual([
      'saveBatchRecords',
      'saveBatchRecords',
      'saveBatchRecords',
      'saveJobState',
    ]);
    const batchIds = store.calls.slice(0, 3).map((c) => c.args[1] as string);
    expect(new Set(batchIds).size).toBe(3);
    // Records are stored pending, unvalidated and untransformed (`parsed` is the raw record).
    expect(store.calls[0]?.args).toEqual([
      jobId,
      batchIds[0],
      [pending(0, { name: 'user0', age: '20' }), pending(1, { name: 'user1', age: '21' })],
    ]);
    expect(store.calls[2]?.args).toEqual([
      jobId,
      batchIds[2],
      [pending(4, { name: 'user4', age: '24' })],
    ]);

    const [job] = store.calls[3]?.args as [Record<string, unknown>];
    expect(job).toStrictEqual({
      id: jobId,
      config: { schema, batchSize: 2, continueOnError: true },
      status: 'PROCESSING',
      batches: [0, 1, 2].map((index) => ({
        id: batchIds[index],
        index,
        status: 'PENDING',
        records: [],
        processedCount: 0,
        failedCount: 0,
        recordStartIndex: index * 2,
        // Inclusive, as published: batch 0 of size 2 → 0..1, the single-record batch → 4..4.
        recordEndIndex: Math.min(4, index * 2 + 1),
      })),
      totalRecords: 5,
      startedAt: expect.any(Number) as number,
      distributed: true,
    });
    // The caller's schema object itself, functions and RegExps included.
    expect((job.config as { schema: unknown }).schema).toBe(schema);
    expect(job.startedAt as number).toBeGreaterThanOrEqual(before);

    expect(events).toStrictEqual([
      {
        type: 'distributed:prepared',
        jobId,
        totalRecords: 5,
        totalBatches: 3,
        timestamp: expect.any(Number) as number,
      },
    ]);
  });

  it('persists continueOnError: true whatever the option, and no retry settings', async () => {
    const store = new PublishedPortStore();
    const di = new DistributedImport({
      schema,
      stateStore: store,
      continueOnError: false,
      maxRetries: 3,
      retryDelayMs: 5,
      staleBatchTimeoutMs: 1000,
    });
    await di.prepare(new BufferSource(csv(1)), new CsvParser());
    const [job] = store.calls.at(-1)?.args as [{ config: unknown }];
    expect(job.config).toStrictEqual({ schema, batchSize: 100, continueOnError: true });
  });

  it('saves an empty job with no batches for an empty source', async () => {
    const store = new PublishedPortStore();
    const di = new DistributedImport({ schema, stateStore: store });
    const result = await di.prepare(new BufferSource('name,age\n'), new CsvParser());
    expect(result).toStrictEqual({ jobId: result.jobId, totalRecords: 0, totalBatches: 0 });
    expect(store.methods()).toEqual(['saveJobState']);
    expect(store.calls[0]?.args[0]).toMatchObject({ batches: [], totalRecords: 0 });
  });

  it('drops empty rows before indexing when skipEmptyRows is set', async () => {
    const store = new PublishedPortStore();
    const rows = [{ name: 'a' }, { name: '', age: null }, { name: 'b' }];
    const parser: SourceParser = { parse: () => rows };
    const di = new DistributedImport({
      schema: { ...schema, skipEmptyRows: true },
      stateStore: store,
    });
    expect(await di.prepare(new BufferSource('x'), parser)).toMatchObject({ totalRecords: 2 });
    expect(store.calls[0]?.args[2]).toEqual([pending(0, { name: 'a' }), pending(1, { name: 'b' })]);
  });

  it('rejects with the store error and emits nothing when a batch cannot be saved', async () => {
    const store = new PublishedPortStore();
    store.failNext = { method: 'saveBatchRecords', error: new Error('disk full') };
    const di = new DistributedImport({ schema, stateStore: store, batchSize: 2 });
    const events: DomainEvent[] = [];
    di.onAny((e) => events.push(e));
    await expect(di.prepare(new BufferSource(csv(5)), new CsvParser())).rejects.toThrow(
      'disk full',
    );
    expect(store.methods()).toEqual(['saveBatchRecords']);
    expect(events).toEqual([]);
  });

  it('rejects a batch size below 1 before reading the source', () => {
    const store = new PublishedPortStore();
    expect(() => new DistributedImport({ schema, stateStore: store, batchSize: 0 })).toThrow(
      /batchSize/,
    );
    expect(store.calls).toEqual([]);
  });
});
