import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  type DomainEvent,
  type HookContext,
  type ParsedRecord,
  type ProcessedRecord,
  type RawRecord,
} from '@batchactions/core';
import {
  CsvParser,
  JsonParser,
  type DuplicateChecker,
  type SchemaDefinition,
  type SourceParser,
} from '@batchactions/import';
import { DistributedImport, type DistributedImportConfig } from '../../src/index';
import { PublishedPortStore } from './published-port-store';

const ts = expect.any(Number) as number;

/**
 * The parts of the published contract that rest on the import package's published
 * `SchemaValidator` and parsers: the exact call log with published messages, values as parsed,
 * duplicate-checker findings next to schema messages.
 */
describe('published values and messages through prepare and processWorkerBatch', () => {
  const schema: SchemaDefinition = {
    fields: [
      { name: 'name', type: 'string', required: true },
      { name: 'email', type: 'email', required: true },
    ],
  };

  function csv(emails: string[]): string {
    return ['name,email', ...emails.map((e, i) => `user${i},${e}`)].join('\n');
  }

  async function prepared(emails: string[], batchSize: number) {
    const store = new PublishedPortStore();
    const di = new DistributedImport({ schema, stateStore: store, batchSize });
    const { jobId } = await di.prepare(new BufferSource(csv(emails)), new CsvParser());
    store.calls.length = 0;
    const events: DomainEvent[] = [];
    di.onAny((e) => events.push(e));
    return { store, di, jobId, events };
  }

  function rowsParser(rows: RawRecord[]): SourceParser {
    return { parse: () => rows };
  }

  async function run(
    rows: RawRecord[],
    config: Omit<DistributedImportConfig, 'stateStore'>,
    processor: (record: ParsedRecord, ctx: HookContext) => unknown = () => undefined,
  ) {
    const store = new PublishedPortStore();
    const di = new DistributedImport({ ...config, stateStore: store });
    const events: DomainEvent[] = [];
    di.onAny((e) => events.push(e));
    const { jobId } = await di.prepare(new BufferSource('x'), rowsParser(rows));
    for (;;) {
      const r = await di.processWorkerBatch(
        jobId,
        async (rec, ctx) => {
          await processor(rec, ctx);
        },
        'w',
      );
      if (!r.claimed || r.jobComplete) break;
    }
    const saved = store.calls
      .filter((c) => c.method === 'saveProcessedRecord')
      .map((c) => c.args[2] as ProcessedRecord);
    return { store, events, jobId, saved };
  }

  it('makes the published calls and emits the published events, in order, for each batch', async () => {
    const emails = ['a@x.io', 'bad', 'c@x.io'];
    const { store, di, jobId, events } = await prepared(emails, 2);
    const seen: ParsedRecord[] = [];
    const processor = (r: ParsedRecord) => void seen.push(r);

    const first = await di.processWorkerBatch(jobId, processor, 'w1');
    const job = await store.getJobState(jobId);
    const [b0, b1] = job?.batches ?? [];
    expect(first).toStrictEqual({
      claimed: true,
      batchId: b0?.id,
      batchIndex: 0,
      processedCount: 1,
      failedCount: 1,
      jobComplete: false,
      jobId,
    });
    expect(store.methods()).toEqual([
      'reclaimStaleBatches',
      'claimBatch',
      'getBatchRecords',
      'getJobState',
      'saveProcessedRecord',
      'saveProcessedRecord',
      'updateBatchState',
      'tryFinalizeJob',
      'getJobState', // the test's own read
    ]);
    expect(store.calls[0]?.args).toEqual([jobId, 900_000]);
    expect(store.calls[1]?.args).toEqual([jobId, 'w1']);
    expect(store.calls[6]?.args).toEqual([
      jobId,
      b0?.id,
      { batchId: b0?.id, status: 'COMPLETED', processedCount: 1, failedCount: 1 },
    ]);
    const invalid = {
      index: 1,
      raw: { name: 'user1', email: 'bad' },
      parsed: { name: 'user1', email: 'bad' },
      status: 'invalid',
      errors: [
        {
          field: 'email',
          message: "Field 'email' must be a valid email",
          code: 'TYPE_MISMATCH',
          value: 'bad',
          category: 'FORMAT',
        },
      ],
    };
    expect(store.calls[4]?.args[2]).toStrictEqual({
      index: 0,
      raw: { name: 'user0', email: 'a@x.io' },
      parsed: { name: 'user0', email: 'a@x.io' },
      status: 'processed',
      errors: [],
      retryCount: 0,
    });
    expect(store.calls[5]?.args[2]).toStrictEqual(invalid);

    store.calls.length = 0;
    const second = await di.processWorkerBatch(jobId, processor, 'w2');
    expect(second).toMatchObject({ claimed: true, batchIndex: 1, jobComplete: true });
    expect(store.methods()).toEqual([
      'reclaimStaleBatches',
      'claimBatch',
      'getBatchRecords',
      'getJobState',
      'saveProcessedRecord',
      'updateBatchState',
      'tryFinalizeJob',
      'getJobState',
    ]);

    expect(events).toStrictEqual([
      {
        type: 'batch:claimed',
        jobId,
        batchId: b0?.id,
        batchIndex: 0,
        workerId: 'w1',
        timestamp: ts,
      },
      {
        type: 'batch:started',
        jobId,
        batchId: b0?.id,
        batchIndex: 0,
        recordCount: 2,
        timestamp: ts,
      },
      { type: 'record:processed', jobId, batchId: b0?.id, recordIndex: 0, timestamp: ts },
      {
        type: 'record:failed',
        jobId,
        batchId: b0?.id,
        recordIndex: 1,
        error: "Field 'email' must be a valid email",
        record: invalid,
        timestamp: ts,
      },
      {
        type: 'batch:completed',
        jobId,
        batchId: b0?.id,
        batchIndex: 0,
        processedCount: 1,
        failedCount: 1,
        totalCount: 2,
        timestamp: ts,
      },
      {
        type: 'batch:claimed',
        jobId,
        batchId: b1?.id,
        batchIndex: 1,
        workerId: 'w2',
        timestamp: ts,
      },
      {
        type: 'batch:started',
        jobId,
        batchId: b1?.id,
        batchIndex: 1,
        recordCount: 1,
        timestamp: ts,
      },
      { type: 'record:processed', jobId, batchId: b1?.id, recordIndex: 2, timestamp: ts },
      {
        type: 'batch:completed',
        jobId,
        batchId: b1?.id,
        batchIndex: 1,
        processedCount: 1,
        failedCount: 0,
        totalCount: 1,
        timestamp: ts,
      },
      {
        type: 'job:completed',
        jobId,
        summary: { total: 3, processed: 2, failed: 1, skipped: 0, elapsedMs: expect.any(Number) },
        timestamp: ts,
      },
    ]);
    expect(seen).toEqual([
      { name: 'user0', email: 'a@x.io' },
      { name: 'user2', email: 'c@x.io' },
    ]);
  });

  it('hands the processor the values as parsed: no coercion, arrays split (coerceValues is opt-in)', async () => {
    const schema: SchemaDefinition = {
      fields: [
        { name: 'age', type: 'number', required: true },
        { name: 'active', type: 'boolean', required: true },
        { name: 'tags', type: 'array', required: false },
      ],
    };
    const rows = [
      { age: '30', active: 'yes', tags: 'a, b,,c' },
      { age: 41, active: true },
    ];
    const seen: ParsedRecord[] = [];
    await run(rows, { schema }, (r) => seen.push(r));
    expect(seen).toEqual([
      { age: '30', active: 'yes', tags: ['a', 'b', 'c'] },
      { age: 41, active: true },
    ]);

    const typed: ParsedRecord[] = [];
    await run(rows, { schema, coerceValues: true }, (r) => typed.push(r));
    expect(typed).toEqual([
      { age: 30, active: true, tags: ['a', 'b', 'c'] },
      { age: 41, active: true },
    ]);
  });

  it('asks the duplicate checker with the transformed record and the hook context, only when validation found nothing', async () => {
    const asked: [Record<string, unknown>, Record<string, unknown>][] = [];
    const checker: DuplicateChecker = {
      check: (fields, ctx) => {
        asked.push([fields, { ...ctx }]);
        if (fields.email === 'dup') return Promise.resolve({ isDuplicate: true, existingId: '42' });
        if (fields.email === 'dup-no-id') return Promise.resolve({ isDuplicate: true });
        if (fields.email === 'boom') return Promise.reject(new Error('db down'));
        return Promise.resolve({ isDuplicate: false });
      },
      checkBatch: () => Promise.reject(new Error('checkBatch is never called, as published')),
    };
    const schema: SchemaDefinition = {
      fields: [
        { name: 'email', type: 'string', required: true, transform: (v) => String(v).trim() },
      ],
    };
    const { saved, events } = await run(
      [
        { email: ' ok ' },
        { email: 'dup' },
        { email: 'dup-no-id' },
        { email: 'boom' },
        { email: '' },
      ],
      { schema, duplicateChecker: checker },
    );
    expect(asked.map(([f]) => f.email)).toEqual(['ok', 'dup', 'dup-no-id', 'boom']);
    expect(asked[1]?.[1]).toMatchObject({ recordIndex: 1, batchIndex: 0, totalRecords: 5 });
    const finding = (message: string) => ({
      field: '_external',
      message,
      code: 'EXTERNAL_DUPLICATE',
      value: undefined,
    });
    expect(saved.map((r) => r.status)).toEqual([
      'processed',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
    ]);
    expect(saved[1]?.errors).toStrictEqual([finding('Duplicate record found (existing ID: 42)')]);
    expect(saved[2]?.errors).toStrictEqual([finding('Duplicate record found')]);
    expect(saved[3]?.errors).toStrictEqual([finding('Duplicate check failed: db down')]);
    expect(
      events.filter((e) => e.type === 'record:failed').map((e) => (e as { error: string }).error),
    ).toEqual([
      'Duplicate record found (existing ID: 42)',
      'Duplicate record found',
      'Duplicate check failed: db down',
      "Field 'email' is required",
    ]);
  });

  it('keeps JSON values as the parser made them', async () => {
    const store = new PublishedPortStore();
    const di = new DistributedImport({
      schema: { fields: [{ name: 'n', type: 'number', required: true }] },
      stateStore: store,
    });
    const { jobId } = await di.prepare(
      new BufferSource('[{"n": 5, "flag": true}, {"n": "6"}]'),
      new JsonParser(),
    );
    const seen: ParsedRecord[] = [];
    await di.processWorkerBatch(jobId, (r) => void seen.push(r), 'w');
    expect(seen).toEqual([{ n: 5, flag: true }, { n: '6' }]);
  });
});
