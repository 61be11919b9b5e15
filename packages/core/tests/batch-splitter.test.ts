import { BatchSplitter, InvalidOptionError } from '@batchactions/core';
import { describe, expect, it } from 'vitest';

async function collect<T>(splitter: BatchSplitter, items: AsyncIterable<T> | Iterable<T>) {
  const batches: T[][] = [];
  for await (const batch of splitter.split(items)) batches.push(batch);
  return batches;
}

async function* numbers(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) {
    await Promise.resolve();
    yield i;
  }
}

describe('BatchSplitter', () => {
  it('groups items into batches of batchSize with a shorter last batch', async () => {
    const batches = await collect(new BatchSplitter(3), numbers(7));
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('ends without an empty batch when the count is a multiple of batchSize', async () => {
    const batches = await collect(new BatchSplitter(2), [1, 2, 3, 4]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('yields nothing for no items', async () => {
    expect(await collect(new BatchSplitter(5), [])).toEqual([]);
  });

  it('accepts a batch size of 1', async () => {
    expect(await collect(new BatchSplitter(1), ['a', 'b'])).toEqual([['a'], ['b']]);
  });

  it.each([0, -1, 2.5, Number.NaN])('rejects batchSize %s with InvalidOptionError', (size) => {
    expect(() => new BatchSplitter(size)).toThrow(InvalidOptionError);
    expect(() => new BatchSplitter(size)).toThrow(/"batchSize"/);
  });
});
