import { describe, expect, it } from 'vitest';
import { BufferSource, UnsupportedByStoreError } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { storeFactories, useTestStore } from '../support/stores';
import { workerLoop } from '../support/workers';

const schema = {
  fields: [
    { name: 'id', type: 'number' as const, required: true },
    { name: 'email', type: 'email' as const, required: true },
  ],
  uniqueFields: ['email'],
};

/** 30 rows; rows with index 3, 17 and 25 share an email, and so do 10 and 11 (same batch). */
function csv(): string {
  const lines = ['id,email'];
  for (let i = 0; i < 30; i += 1) {
    const email = [3, 17, 25].includes(i) ? 'shared@x.io' : i === 11 ? 'u10@x.io' : `u${i}@x.io`;
    lines.push(`${i},${email}`);
  }
  return lines.join('\n');
}

describe.each(storeFactories)('uniqueFields on $name', (factory) => {
  const t = useTestStore(factory);

  const jobWide = () => typeof t.store.claimUniqueValues === 'function';

  it('ignores uniqueFields by default, as published', async () => {
    const di = new DistributedImport({ schema, batchSize: 5, stateStore: t.store });
    const { jobId } = await di.prepare(new BufferSource(csv()), new CsvParser());
    await workerLoop(di, jobId, () => undefined, 'w');
    expect(await t.store.getFailedRecords(jobId)).toEqual([]);
    expect(await t.store.getProcessedRecords(jobId)).toHaveLength(30);
  });

  it('with jobWideUniqueFields, keeps the first record of each value and marks later ones invalid, across batches', async () => {
    const options = { schema, batchSize: 5, stateStore: t.store, jobWideUniqueFields: true };
    if (!jobWide()) {
      // A store with only the published port cannot enforce it: said at construction.
      expect(() => new DistributedImport(options)).toThrow(UnsupportedByStoreError);
      return;
    }
    const di = new DistributedImport(options);
    const { jobId } = await di.prepare(new BufferSource(csv()), new CsvParser());
    await workerLoop(di, jobId, () => undefined, 'w');
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed.map((r) => r.index)).toEqual([11, 17, 25]);
    expect(failed[1]?.errors).toContainEqual(
      expect.objectContaining({
        field: 'email',
        code: 'DUPLICATE_VALUE',
        message: 'Field "email" has duplicate value "shared@x.io": row 4 already has it',
      }),
    );
  });

  it('lets exactly one record keep a value when concurrent workers race for it', async () => {
    if (!jobWide()) return;
    const di = new DistributedImport({
      schema,
      batchSize: 2,
      stateStore: t.store,
      jobWideUniqueFields: true,
    });
    const { jobId } = await di.prepare(new BufferSource(csv()), new CsvParser());
    await Promise.all([1, 2, 3, 4].map((w) => workerLoop(di, jobId, () => undefined, `w${w}`)));
    const processed = await t.store.getProcessedRecords(jobId);
    const shared = processed.filter((r) => r.parsed.email === 'shared@x.io');
    expect(shared).toHaveLength(1);
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed).toHaveLength(3);
    expect(processed).toHaveLength(27);
  });

  it("does not count a reprocessed batch's own values as duplicates", async () => {
    if (!jobWide()) return;
    const di = new DistributedImport({
      schema,
      batchSize: 5,
      stateStore: t.store,
      staleBatchTimeoutMs: 0,
      jobWideUniqueFields: true,
    });
    const { jobId } = await di.prepare(new BufferSource(csv()), new CsvParser());
    // A worker validates batch 0 (claiming its values), then is stopped and releases it unwritten.
    await expect(
      di.processWorkerBatch(jobId, () => undefined, 'first', { signal: AbortSignal.abort() }),
    ).resolves.toMatchObject({ released: true });
    await workerLoop(di, jobId, () => undefined, 'second');
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed.map((r) => r.index)).toEqual([11, 17, 25]);
  });
});
