import { BatchSplitter, InvalidBatchSizeError } from '@batchactions/core';
import { describe, expect, it } from 'vitest';

async function collect<T>(
  splitter: BatchSplitter,
  items: AsyncIterable<T> | Iterable<T>,
  startIndex?: number,
) {
  const batches: { records: readonly T[]; batchIndex: number }[] = [];
  for await (const batch of splitter.split(items, startIndex)) batches.push(batch);
  return batches;
}

async function* numbers(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) {
    await Promise.resolve();
    yield i;
  }
}

describe('BatchSplitter (core 3)', () => {
  it('yields { records, batchIndex } of batchSize with a shorter last batch', async () => {
    expect(await collect(new BatchSplitter(3), numbers(7))).toEqual([
      { records: [0, 1, 2], batchIndex: 0 },
      { records: [3, 4, 5], batchIndex: 1 },
      { records: [6], batchIndex: 2 },
    ]);
  });

  it('numbers batches from startIndex', async () => {
    const batches = await collect(new BatchSplitter(2), [1, 2, 3], 5);
    expect(batches.map((b) => b.batchIndex)).toEqual([5, 6]);
  });

  it('ends without an empty batch when the count is a multiple of batchSize', async () => {
    expect((await collect(new BatchSplitter(2), [1, 2, 3, 4])).map((b) => b.records)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('yields nothing for no items', async () => {
    expect(await collect(new BatchSplitter(5), [])).toEqual([]);
  });

  it('does not copy the records', async () => {
    const record = { id: 1 };
    const [batch] = await collect(new BatchSplitter(1), [record]);
    expect(batch?.records[0]).toBe(record);
  });

  it('rounds a fractional batch size up, as published', async () => {
    const batches = await collect(new BatchSplitter(2.5), [1, 2, 3, 4]);
    expect(batches.map((b) => b.records.length)).toEqual([3, 1]);
  });

  it.each([0, -1, 0.5, Number.NaN])(
    'rejects batchSize %s with "Batch size must be at least 1"',
    (size) => {
      expect(() => new BatchSplitter(size)).toThrow(InvalidBatchSizeError);
      expect(() => new BatchSplitter(size)).toThrow('Batch size must be at least 1');
    },
  );
});
