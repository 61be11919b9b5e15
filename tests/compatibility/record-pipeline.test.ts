import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BufferSource,
  InMemoryDistributedStateStore,
  type DomainEvent,
  type HookContext,
  type ParsedRecord,
  type ProcessedRecord,
  type RawRecord,
} from '@batchactions/core';
import type { SchemaDefinition, SourceParser } from '@batchactions/import';
import { DistributedImport, type DistributedImportConfig } from '../../src/index';
import { PublishedPortStore } from './published-port-store';

const ts = expect.any(Number) as number;

/** A schema that checks nothing (`custom`, optional): every record is valid. */
const anySchema: SchemaDefinition = { fields: [{ name: 'n', type: 'custom', required: false }] };

/** A parser handing over these rows as they are (values exactly as a parser produced them). */
function rowsParser(rows: RawRecord[]): SourceParser {
  return { parse: () => rows };
}

/** Prepares `rows` on a fresh published-port store and runs every batch with one worker. */
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

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the per-record pipeline, as published', () => {
  it('runs the hooks per record in order, beforeValidate on the alias-resolved record, with the published context', async () => {
    const calls: string[] = [];
    const contexts: HookContext[] = [];
    const schema: SchemaDefinition = {
      fields: [{ name: 'email', type: 'string', required: true, aliases: ['Mail'] }],
    };
    const { jobId, saved } = await run(
      [{ Mail: 'a' }, { Mail: 'b' }],
      {
        schema,
        hooks: {
          beforeValidate: (r, ctx) => {
            calls.push(`beforeValidate ${JSON.stringify(r)}`);
            contexts.push(ctx);
            return Promise.resolve(r);
          },
          afterValidate: (r) => {
            calls.push(`afterValidate ${r.status}`);
            return Promise.resolve(r);
          },
          beforeProcess: (r) => {
            calls.push('beforeProcess');
            return Promise.resolve({ ...r, touched: true });
          },
          afterProcess: (r) => {
            calls.push(`afterProcess ${r.status}`);
            return Promise.resolve();
          },
        },
      },
      (r) => calls.push(`process ${JSON.stringify(r)}`),
    );
    expect(calls).toEqual([
      'beforeValidate {"email":"a"}',
      'afterValidate valid',
      'beforeProcess',
      'process {"email":"a","touched":true}',
      'afterProcess processed',
      'beforeValidate {"email":"b"}',
      'afterValidate valid',
      'beforeProcess',
      'process {"email":"b","touched":true}',
      'afterProcess processed',
    ]);
    expect(Object.keys(contexts[1] ?? {}).sort()).toEqual(
      ['batchId', 'batchIndex', 'jobId', 'recordIndex', 'signal', 'totalRecords'].sort(),
    );
    expect(contexts[1]).toMatchObject({ jobId, batchIndex: 0, recordIndex: 1, totalRecords: 2 });
    // The processed record keeps the processor input as `parsed`.
    expect(saved[0]).toMatchObject({ status: 'processed', parsed: { email: 'a', touched: true } });
  });

  it('beforeValidate gets a record of its own even when no key needs renaming; without it the raw record is never changed', async () => {
    const schema: SchemaDefinition = {
      fields: [
        { name: 'email', type: 'string', required: true, transform: (v) => `${String(v)}!` },
      ],
    };
    const seen: RawRecord[] = [];
    const hooked = await run([{ email: 'a', extra: 1 }], {
      schema,
      hooks: {
        beforeValidate: (r) => {
          seen.push(r);
          (r as Record<string, unknown>).email = 'changed';
          return Promise.resolve(r);
        },
      },
    });
    expect(hooked.saved[0]).toMatchObject({
      status: 'processed',
      raw: { email: 'a', extra: 1 },
      parsed: { email: 'changed!', extra: 1 },
    });
    expect(seen[0]).not.toBe(hooked.saved[0]?.raw);
    const plain = await run([{ email: 'a', extra: 1 }], { schema });
    expect(plain.saved[0]).toMatchObject({
      raw: { email: 'a', extra: 1 },
      parsed: { email: 'a!', extra: 1 },
    });
    expect(plain.saved[0]?.parsed).not.toBe(plain.saved[0]?.raw);
  });

  it('processes warnings-only records with the transformed data; afterValidate decides by severity', async () => {
    const schema: SchemaDefinition = {
      fields: [
        {
          name: 'code',
          type: 'string',
          required: true,
          transform: (v) => String(v).toUpperCase(),
          customValidator: (v) =>
            v === 'WARN'
              ? { valid: false, severity: 'warning', message: 'odd code' }
              : { valid: true },
        },
      ],
    };
    const seen: ParsedRecord[] = [];
    const { saved, events } = await run(
      [{ code: 'warn' }, { code: 'clear-me', extra: 1 }],
      {
        schema: { ...schema, strict: true },
        hooks: {
          // Clears the hard UNKNOWN_FIELD error of record 1: it is processed.
          afterValidate: (r) =>
            Promise.resolve({ ...r, errors: r.errors.filter((e) => e.code !== 'UNKNOWN_FIELD') }),
        },
      },
      (r) => seen.push(r),
    );
    expect(seen).toEqual([{ code: 'WARN' }, { code: 'CLEAR-ME', extra: 1 }]);
    expect(saved[0]).toMatchObject({
      status: 'processed',
      parsed: { code: 'WARN' },
      errors: [{ code: 'CUSTOM_VALIDATION', severity: 'warning', message: 'odd code' }],
    });
    expect(events.filter((e) => e.type === 'record:failed')).toEqual([]);
  });

  it('ignores uniqueFields by default; jobWideUniqueFields enforces them across the job on our stores', async () => {
    const schema: SchemaDefinition = {
      fields: [{ name: 'email', type: 'string', required: true }],
      uniqueFields: ['email'],
    };
    const rows = [{ email: 'a' }, { email: 'b' }, { email: 'a' }, { email: 'b' }];
    const seen: unknown[] = [];
    await run(rows, { schema, batchSize: 2 }, (r) => seen.push(r.email));
    expect(seen).toEqual(['a', 'b', 'a', 'b']);

    expect(
      () =>
        new DistributedImport({
          schema,
          stateStore: new PublishedPortStore(),
          jobWideUniqueFields: true,
        }),
    ).toThrow(
      /jobWideUniqueFields needs a state store with the optional method "claimUniqueValues"/,
    );

    const store = new InMemoryDistributedStateStore();
    const di = new DistributedImport({
      schema,
      stateStore: store,
      batchSize: 2,
      jobWideUniqueFields: true,
    });
    const { jobId } = await di.prepare(new BufferSource('x'), rowsParser(rows));
    const kept: unknown[] = [];
    for (const w of ['w1', 'w2'])
      await di.processWorkerBatch(jobId, (r) => void kept.push(r.email), w);
    expect(kept).toEqual(['a', 'b']);
    expect((await store.getFailedRecords(jobId)).map((r) => [r.index, r.errors[0]?.code])).toEqual([
      [2, 'DUPLICATE_VALUE'],
      [3, 'DUPLICATE_VALUE'],
    ]);
  });

  it('retries with record:retried and exponential backoff, then records the last error', async () => {
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realSetTimeout(fn, 0);
    });
    let calls = 0;
    const { events, saved, jobId } = await run(
      [{ n: '1' }, { n: '2' }],
      { schema: anySchema, maxRetries: 2, retryDelayMs: 10 },
      (r) => {
        calls += 1;
        if (r.n === '2') throw new Error(`attempt ${String(calls)} failed`);
        if (calls === 1) throw new Error('flaky');
      },
    );
    expect(delays).toEqual([10, 10, 20]);
    const retried = events.filter((e) => e.type === 'record:retried');
    expect(retried[0]).toStrictEqual({
      type: 'record:retried',
      jobId,
      batchId: expect.any(String) as string,
      recordIndex: 0,
      attempt: 1,
      maxRetries: 2,
      error: 'flaky',
      timestamp: ts,
    });
    expect(retried.map((e) => [e.recordIndex, e.attempt])).toEqual([
      [0, 1],
      [1, 1],
      [1, 2],
    ]);
    expect(saved[0]).toMatchObject({ status: 'processed', retryCount: 1 });
    expect(saved[1]).toMatchObject({
      status: 'failed',
      processingError: 'attempt 5 failed',
      retryCount: 2,
    });
    const failed = events.find((e) => e.type === 'record:failed');
    expect(failed).toMatchObject({ error: 'attempt 5 failed', record: saved[1] });
  });

  it('reports an afterProcess failure after record:processed, as a failed record with the bare message', async () => {
    const { events, saved, store, jobId } = await run([{ n: 1 }], {
      schema: anySchema,
      hooks: { afterProcess: () => Promise.reject(new Error('audit down')) },
    });
    expect(events.map((e) => e.type)).toEqual([
      'distributed:prepared',
      'batch:claimed',
      'batch:started',
      'record:processed',
      'record:failed',
      'batch:completed',
      'job:completed',
    ]);
    expect(saved.map((r) => [r.status, r.processingError])).toEqual([
      ['processed', undefined],
      ['failed', 'afterProcess hook failed: audit down'],
    ]);
    expect(events[4]).toMatchObject({ error: 'audit down', record: saved[1] });
    expect(events[5]).toMatchObject({ processedCount: 0, failedCount: 1 });
    expect((await store.getJobState(jobId))?.batches[0]).toMatchObject({
      processedCount: 0,
      failedCount: 1,
    });
  });

  it('fails a record whose hook throws with the prefixed message, keeping the raw record', async () => {
    const { saved, events } = await run([{ n: 1 }, { n: 2 }], {
      schema: anySchema,
      hooks: {
        beforeProcess: (r) => (r.n === 1 ? Promise.reject(new Error('nope')) : Promise.resolve(r)),
      },
    });
    expect(saved[0]).toStrictEqual({
      index: 0,
      raw: { n: 1 },
      parsed: { n: 1 },
      status: 'failed',
      errors: [],
      processingError: 'beforeProcess hook failed: nope',
    });
    expect(events.find((e) => e.type === 'record:failed')).toMatchObject({
      error: 'beforeProcess hook failed: nope',
    });
    expect(saved[1]?.status).toBe('processed');
  });
});
