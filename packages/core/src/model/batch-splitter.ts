import { BatchActionsError } from '../errors/batch-actions-error';

/** `BatchSplitter` got a batch size below 1 (message as published). */
export class InvalidBatchSizeError extends BatchActionsError {
  readonly batchSize: unknown;
  constructor(batchSize: unknown) {
    super('INVALID_OPTION', 'Batch size must be at least 1');
    this.batchSize = batchSize;
  }
}

/** One group of records yielded by {@link BatchSplitter.split}. */
export interface SplitResult<T> {
  readonly records: readonly T[];
  /** 0-based position of the batch, counted from `startIndex`. */
  readonly batchIndex: number;
}

/** Groups a stream of records into batches of `batchSize` (the last one may be shorter). */
export class BatchSplitter {
  /** Records per batch (a fractional size is rounded up). */
  readonly batchSize: number;

  /** Throws `InvalidBatchSizeError` (`Batch size must be at least 1`) below 1 or for a non-number. */
  constructor(batchSize: number) {
    if (typeof batchSize !== 'number' || Number.isNaN(batchSize) || batchSize < 1) {
      throw new InvalidBatchSizeError(batchSize);
    }
    this.batchSize = Math.ceil(batchSize);
  }

  /**
   * Pulls records lazily and yields `{ records, batchIndex }` each time `batchSize` records are
   * collected, then a final partial batch if any. Empty input yields nothing. Records are not
   * copied; `batchIndex` starts at `startIndex` (default 0).
   */
  async *split<T>(
    records: AsyncIterable<T> | Iterable<T>,
    startIndex = 0,
  ): AsyncGenerator<SplitResult<T>> {
    let batchIndex = startIndex;
    // `for await` gives `Awaited<T>` (it also awaits a sync iterable's values). Typed as such, so
    // that the push never converts between `Awaited<T>` and `T` (which typed lint resolved as
    // `any` in some runs, depending on the order it checked files in).
    let current: Awaited<T>[] = [];
    for await (const record of records) {
      current.push(record);
      if (current.length >= this.batchSize) {
        yield { records: current, batchIndex: batchIndex++ };
        current = [];
      }
    }
    if (current.length > 0) yield { records: current, batchIndex };
  }
}
