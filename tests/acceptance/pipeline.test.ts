import { describe, expect, it } from 'vitest';
import { BufferSource, type DomainEvent, type JobHooks } from '@batchactions/core';
import { CsvParser, type DuplicateChecker } from '@batchactions/import';
import { DistributedImport, type DistributedImportConfig } from '../../src/index';
import { storeFactories, useTestStore } from '../support/stores';
import { usersCsv, usersSchema, workerLoop } from '../support/workers';

describe.each(storeFactories)('record pipeline on $name', (factory) => {
  const t = useTestStore(factory);

  async function run(
    rows: number,
    config: Partial<DistributedImportConfig>,
    processor: Parameters<DistributedImport['processWorkerBatch']>[1] = () => undefined,
    bad: (i: number) => boolean = () => false,
  ) {
    // Typed values (ids as numbers), as these tests were written for: an opt-in since issue 8.
    const di = new DistributedImport({
      schema: usersSchema,
      batchSize: 4,
      stateStore: t.store,
      coerceValues: true,
      ...config,
    });
    const events: DomainEvent[] = [];
    di.onAny((e) => events.push(e));
    const { jobId } = await di.prepare(new BufferSource(usersCsv(rows, bad)), new CsvParser());
    const results = await workerLoop(di, jobId, processor, 'w1');
    return { di, jobId, events, results };
  }

  it('marks invalid records failed with their errors and keeps going', async () => {
    const processed: unknown[] = [];
    const { jobId, events } = await run(
      10,
      {},
      (r) => void processed.push(r.id),
      (i) => i % 3 === 0,
    );
    expect(processed).toEqual([1, 2, 4, 5, 7, 8]);
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed.map((r) => [r.index, r.status])).toEqual([
      [0, 'invalid'],
      [3, 'invalid'],
      [6, 'invalid'],
      [9, 'invalid'],
    ]);
    expect(failed[0]?.errors[0]).toMatchObject({ field: 'email', code: 'TYPE_MISMATCH' });
    const completed = events.find((e) => e.type === 'job:completed');
    expect(completed).toMatchObject({
      summary: { total: 10, processed: 6, failed: 4, skipped: 0 },
    });
    expect((await t.store.getJobState(jobId))?.status).toBe('COMPLETED');
    const recordFailed = events.filter((e) => e.type === 'record:failed');
    expect(recordFailed).toHaveLength(4);
    expect(recordFailed[0]).toMatchObject({
      recordIndex: 0,
      record: { index: 0, status: 'invalid', raw: { email: 'not-an-email' } },
    });
  });

  it('stops the batch and fails the job when continueOnError is false', async () => {
    const processed: unknown[] = [];
    const { jobId, events, results } = await run(
      12,
      { continueOnError: false },
      (r) => void processed.push(r.id),
      (i) => i === 5,
    );
    expect(processed).toEqual([0, 1, 2, 3, 4, 8, 9, 10, 11]);
    expect(results.map((r) => [r.batchIndex, r.processedCount, r.failedCount])).toEqual([
      [0, 4, 0],
      [1, 1, 1],
      [2, 4, 0],
    ]);
    const failedEvent = events.find((e) => e.type === 'batch:failed');
    expect(failedEvent).toMatchObject({
      batchIndex: 1,
      error: 'Batch failed with 1 errors',
    });
    const job = await t.store.getJobState(jobId);
    expect(job?.status).toBe('FAILED');
    expect(job?.batches[1]?.status).toBe('FAILED');
    const completed = events.find((e) => e.type === 'job:completed');
    expect(completed).toMatchObject({
      summary: { total: 12, processed: 9, failed: 1, skipped: 2 },
    });
  });

  it('runs the hooks in order with the job total and a live signal in their context', async () => {
    const calls: string[] = [];
    const hooks: JobHooks = {
      beforeValidate: (raw, ctx) => {
        calls.push(`bv${ctx.recordIndex}`);
        expect(ctx.totalRecords).toBe(2);
        expect(ctx.signal).toBeInstanceOf(AbortSignal);
        expect(ctx.signal.aborted).toBe(false);
        return { ...raw, name: String(raw.name).toUpperCase() };
      },
      afterValidate: (rec) => {
        calls.push(`av${rec.index}`);
        return rec;
      },
      beforeProcess: (parsed) => {
        calls.push(`bp${String(parsed.id)}`);
        return { ...parsed, extra: true };
      },
      afterProcess: (rec) => {
        calls.push(`ap${rec.index}`);
      },
    };
    const seen: unknown[] = [];
    const { jobId } = await run(2, { hooks }, (r, ctx) => {
      calls.push(`p${ctx.recordIndex}`);
      expect(ctx.totalRecords).toBe(2);
      seen.push(r);
    });
    // Every hook of a record before the next record, as published.
    expect(calls).toEqual(['bv0', 'av0', 'bp0', 'p0', 'ap0', 'bv1', 'av1', 'bp1', 'p1', 'ap1']);
    expect(seen[0]).toEqual({ id: 0, email: 'user0@example.com', name: 'USER 0', extra: true });
    expect((await t.store.getProcessedRecords(jobId))[1]?.parsed).toMatchObject({
      name: 'USER 1',
      extra: true,
    });
  });

  it.each(['beforeValidate', 'afterValidate', 'beforeProcess', 'afterProcess'] as const)(
    'fails only the record whose %s hook throws',
    async (hook) => {
      const hooks: JobHooks = {
        [hook]: (value: { index?: number; id?: unknown }, ctx: { recordIndex: number }) => {
          if (ctx.recordIndex === 1) throw new Error(`${hook} says no`);
          return value;
        },
      };
      const { jobId, events } = await run(3, { hooks });
      const failed = await t.store.getFailedRecords(jobId);
      expect(failed.map((r) => [r.index, r.status, r.processingError])).toEqual([
        [1, 'failed', `${hook} hook failed: ${hook} says no`],
      ]);
      expect(events.find((e) => e.type === 'job:completed')).toMatchObject({
        summary: { processed: 2, failed: 1 },
      });
    },
  );

  it('fails only the record whose field transform throws, naming the field and value', async () => {
    const schema = {
      fields: usersSchema.fields.map((f) =>
        f.name === 'name'
          ? {
              ...f,
              transform: (v: unknown) => {
                if (v === 'User 1') throw new Error('reserved name');
                return v;
              },
            }
          : f,
      ),
    };
    const { jobId } = await run(3, { schema });
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed.map((r) => [r.index, r.status])).toEqual([[1, 'failed']]);
    expect(failed[0]?.processingError).toMatch(/field "name".*"User 1".*reserved name/);
  });

  it('asks check per valid record (never checkBatch, as published) and marks duplicates invalid', async () => {
    const asked: number[] = [];
    const checker: DuplicateChecker = {
      check: (fields, ctx) => {
        asked.push(ctx.recordIndex);
        return Promise.resolve(
          fields.email === 'user2@example.com'
            ? { isDuplicate: true, existingId: 'u-2' }
            : { isDuplicate: false },
        );
      },
      checkBatch: () => Promise.reject(new Error('checkBatch is not called')),
    };
    const { jobId } = await run(6, { duplicateChecker: checker }, undefined, (i) => i === 5);
    expect(asked).toEqual([0, 1, 2, 3, 4]);
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed.map((r) => r.index)).toEqual([2, 5]);
    expect(failed[0]?.errors).toContainEqual(
      expect.objectContaining({
        code: 'EXTERNAL_DUPLICATE',
        message: expect.stringContaining('u-2'),
      }),
    );
  });

  it('calls check per valid record when the checker has no checkBatch', async () => {
    const asked: number[] = [];
    const checker: DuplicateChecker = {
      check: (fields, ctx) => {
        asked.push(ctx.recordIndex);
        return Promise.resolve({ isDuplicate: fields.id === 1 });
      },
    };
    const { jobId } = await run(3, { duplicateChecker: checker });
    expect(asked).toEqual([0, 1, 2]);
    expect((await t.store.getFailedRecords(jobId)).map((r) => r.index)).toEqual([1]);
  });

  it('retries a failing processor with record:retried events and exponential delays', async () => {
    const attempts = new Map<number, number>();
    const { jobId, events } = await run(3, { maxRetries: 2, retryDelayMs: 1 }, (r) => {
      const id = r.id as number;
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      if (id === 1 && n < 3) throw new Error(`flaky ${n}`);
      if (id === 2) throw new Error('always');
    });
    expect(Object.fromEntries(attempts)).toEqual({ 0: 1, 1: 3, 2: 3 });
    const retried = events.filter((e) => e.type === 'record:retried');
    expect(retried.map((e) => [e.recordIndex, e.attempt, e.maxRetries, e.error])).toEqual([
      [1, 1, 2, 'flaky 1'],
      [1, 2, 2, 'flaky 2'],
      [2, 1, 2, 'always'],
      [2, 2, 2, 'always'],
    ]);
    const processed = await t.store.getProcessedRecords(jobId);
    expect(processed.find((r) => r.index === 1)?.retryCount).toBe(2);
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed.map((r) => [r.index, r.processingError, r.retryCount])).toEqual([
      [2, 'always', 2],
    ]);
  });

  it('emits the events of each batch in order, and job:completed last', async () => {
    const { events } = await run(5, {}, undefined, (i) => i === 1);
    const types = events.map((e) => e.type);
    expect(types).toEqual([
      'distributed:prepared',
      'batch:claimed',
      'batch:started',
      'record:processed',
      'record:failed',
      'record:processed',
      'record:processed',
      'batch:completed',
      'batch:claimed',
      'batch:started',
      'record:processed',
      'batch:completed',
      'job:completed',
    ]);
    expect(events[0]).toMatchObject({ totalRecords: 5, totalBatches: 2 });
    expect(events[7]).toMatchObject({
      batchIndex: 0,
      processedCount: 3,
      failedCount: 1,
      totalCount: 4,
    });
  });

  it('reports a throwing event handler instead of losing it, and keeps processing', async () => {
    const reported: unknown[] = [];
    const di = new DistributedImport({
      schema: usersSchema,
      stateStore: t.store,
      onHandlerError: (error) => reported.push(error),
    });
    di.on('batch:completed', () => {
      throw new Error('handler bug');
    });
    const { jobId } = await di.prepare(new BufferSource(usersCsv(3)), new CsvParser());
    const results = await workerLoop(di, jobId, () => undefined, 'w');
    expect(results[0]?.processedCount).toBe(3);
    expect(reported).toEqual([new Error('handler bug')]);
  });
});
