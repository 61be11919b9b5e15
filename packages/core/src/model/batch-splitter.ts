import { InvalidOptionError } from '../errors/invalid-option-error';

/** Groups a stream of items into arrays of `batchSize` (the last one may be shorter). */
export class BatchSplitter {
  readonly batchSize: number;

  constructor(batchSize: number) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InvalidOptionError('batchSize', batchSize, 'an integer >= 1');
    }
    this.batchSize = batchSize;
  }

  async *split<T>(items: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T[]> {
    let current: T[] = [];
    for await (const item of items) {
      current.push(item);
      if (current.length === this.batchSize) {
        yield current;
        current = [];
      }
    }
    if (current.length > 0) yield current;
  }
}
