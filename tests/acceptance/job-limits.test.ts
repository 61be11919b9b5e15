import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  InMemoryDistributedStateStore,
  InvalidOptionError,
  UnsupportedByStoreError,
  type DistributedStateStore,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport, runWorker, type DistributedImportConfig } from '../../src/index';
import { fullPortStores, publishedPortOnly, useTestStore } from '../support/stores';
import { usersCsv, usersImporter, usersSchema, workerLoop } from '../support/workers';

const limiting = fullPortStores;
const LIMIT_METHODS = [
  'setJobLimits',
  'getJobLimits',
  'leaseRateTokens',
  'returnRateTokens',
  'throttleJob',
];

describe.each(limiting)('job-wide limits on $name (issue 27)', (factory) => {
  const t = useTestStore(factory);
  const importer = (extra: Partial<DistributedImportConfig> = {}) => usersImporter(t.store, extra);

  it('sets limits at prepare, shows them in status, and processes every record once under them', async () => {
    const di = importer();
    const { jobId } = await di.prepare(new BufferSource(usersCsv(40)), new CsvParser(), {
      rateLimit: { records: 10_000, perMs: 1000 },
      maxConcurrentBatches: 2,
    });
    expect((await di.getStatus(jobId)).limits).toMatchObject({
      rateLimit: { records: 10_000, perMs: 1000 },
      maxConcurrentBatches: 2,
      effectiveRecords: 10_000,
    });
    const seen: number[] = [];
    const lanes = await Promise.all(
      ['a', 'b', 'c'].map((w) =>
        runWorker(di, jobId, (r) => void seen.push(r.id as number), { workerId: w }),
      ),
    );
    expect(lanes.some((lane) => lane.jobComplete)).toBe(true);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect((await di.getStatus(jobId)).status).toBe('COMPLETED');
  });

  it('claims nothing at the cap (claimed: false, job not complete), and again once a batch ends', async () => {
    const di = importer();
    const { jobId } = await di.prepare(new BufferSource(usersCsv(10)), new CsvParser(), {
      maxConcurrentBatches: 1,
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = di.processWorkerBatch(
      jobId,
      async () => {
        started();
        await held;
      },
      'w1',
    );
    await running;
    expect(await di.processWorkerBatch(jobId, () => undefined, 'w2')).toMatchObject({
      claimed: false,
      jobComplete: false,
    });
    release();
    expect((await first).claimed).toBe(true);
    expect((await di.processWorkerBatch(jobId, () => undefined, 'w2')).claimed).toBe(true);
  });

  it('changes limits while the job runs (setLimits), and refuses bad values naming them', async () => {
    const di = importer();
    const { jobId } = await di.prepare(new BufferSource(usersCsv(5)), new CsvParser());
    expect((await di.getStatus(jobId)).limits).toBeUndefined();
    expect(await di.setLimits(jobId, { rateLimit: { records: 5, perMs: 1000 } })).toBe(true);
    expect(await di.setLimits(jobId, { maxConcurrentBatches: 3 })).toBe(true);
    expect((await di.getStatus(jobId)).limits).toMatchObject({
      rateLimit: { records: 5, perMs: 1000 },
      maxConcurrentBatches: 3,
    });
    expect(await di.setLimits(jobId, { rateLimit: null, maxConcurrentBatches: null })).toBe(true);
    expect((await di.getStatus(jobId)).limits).toBeUndefined();
    expect(await di.setLimits('no-such-job', { maxConcurrentBatches: 1 })).toBe(false);
    await expect(di.setLimits(jobId, { maxConcurrentBatches: 0 })).rejects.toMatchObject({
      option: 'maxConcurrentBatches',
    });
    await expect(
      di.setLimits(jobId, { rateLimit: { records: 5, perMs: 1.5 } }),
    ).rejects.toMatchObject({ option: 'rateLimit.perMs' });
    await expect(di.setLimits(jobId, {})).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it('hands the processor ctx.throttle: the whole job slows down, and status shows it', async () => {
    const di = importer();
    const { jobId } = await di.prepare(new BufferSource(usersCsv(5)), new CsvParser(), {
      rateLimit: { records: 1000, perMs: 1000 },
    });
    let throttled = false;
    await di.processWorkerBatch(
      jobId,
      async (_r, ctx) => {
        if (throttled) return;
        throttled = true;
        await ctx.throttle?.(1);
      },
      'w',
    );
    const limits = (await di.getStatus(jobId)).limits;
    expect(limits?.effectiveRecords).toBeLessThan(1000);
    expect(limits?.effectiveRecords).toBeGreaterThanOrEqual(500);
  });

  it('cancel reaches a worker waiting for tokens at once: its batch is released unwritten', async () => {
    const di = importer();
    // One call per ten minutes: the batch's second record waits for a token.
    const { jobId } = await di.prepare(new BufferSource(usersCsv(5)), new CsvParser(), {
      rateLimit: { records: 1, perMs: 600_000 },
    });
    let calls = 0;
    const run = di.processWorkerBatch(jobId, () => void (calls += 1), 'w');
    while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await di.cancel(jobId)).toBe(true);
    expect(await run).toMatchObject({ claimed: true, released: true });
    expect(calls).toBe(1);
  });
});

/** Records the names of the store methods called. */
function recording(store: DistributedStateStore): {
  store: DistributedStateStore;
  calls: string[];
} {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return (...args: unknown[]) => {
        calls.push(name);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

describe('job-wide limits on stores without them (issue 27)', () => {
  it('refuses limits on a store with only the published port, naming the option', async () => {
    const di = new DistributedImport({
      schema: usersSchema,
      batchSize: 5,
      stateStore: publishedPortOnly(new InMemoryDistributedStateStore()),
    });
    const prepare = (options: Parameters<DistributedImport['prepare']>[2]) =>
      di.prepare(new BufferSource(usersCsv(5)), new CsvParser(), options);
    await expect(prepare({ rateLimit: { records: 1, perMs: 1000 } })).rejects.toThrow(
      UnsupportedByStoreError,
    );
    await expect(prepare({ maxConcurrentBatches: 2 })).rejects.toThrow(/maxConcurrentBatches/);
    await expect(di.setLimits('any', { maxConcurrentBatches: 1 })).rejects.toThrow(
      UnsupportedByStoreError,
    );
    await expect(prepare({ rateLimit: { records: 0, perMs: 1000 } })).rejects.toMatchObject({
      option: 'rateLimit.records',
    });
  });

  it('makes no limit call for a job without limits', async () => {
    const { store, calls } = recording(new InMemoryDistributedStateStore());
    const di = new DistributedImport({ schema: usersSchema, batchSize: 5, stateStore: store });
    const { jobId } = await di.prepare(new BufferSource(usersCsv(12)), new CsvParser());
    await workerLoop(di, jobId, () => undefined, 'w');
    expect(calls.filter((name) => LIMIT_METHODS.includes(name))).toEqual([]);
  });
});
