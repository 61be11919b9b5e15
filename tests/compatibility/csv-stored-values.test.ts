import { describe, expect, it } from 'vitest';
import { BufferSource, InMemoryDistributedStateStore } from '@batchactions/core';
import { CsvParser, type SchemaDefinition } from '@batchactions/import';
import { DistributedImport, runWorker } from '../../src/index';

/** The bench's schema: number fields, as `bench/shared.mjs` declares them. */
const schema: SchemaDefinition = {
  fields: [
    { name: 'id', type: 'number', required: true },
    { name: 'email', type: 'email', required: true },
    { name: 'age', type: 'number' },
  ],
};

describe('what the store keeps for a CSV row (published: no type coercion)', () => {
  it('prepare stores the row as parsed (strings, parsed = raw); processing keeps the strings', async () => {
    const store = new InMemoryDistributedStateStore();
    const di = new DistributedImport({ schema, batchSize: 10, stateStore: store });
    const csv = 'id,email,age\n1,a@x.io,30\n';
    const { jobId } = await di.prepare(new BufferSource(csv), new CsvParser());
    const batchId = (await store.getJobState(jobId))?.batches[0]?.id ?? '';
    const row = { id: '1', email: 'a@x.io', age: '30' };
    expect(await store.getBatchRecords(jobId, batchId)).toEqual([
      { index: 0, raw: row, parsed: row, status: 'pending', errors: [] },
    ]);

    await runWorker(di, jobId, () => undefined, { workerId: 'w' });
    expect(await store.getBatchRecords(jobId, batchId)).toEqual([
      { index: 0, raw: row, parsed: row, status: 'processed', errors: [], retryCount: 0 },
    ]);
  });
});
