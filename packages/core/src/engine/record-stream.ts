import { BatchSplitter } from '../model/batch-splitter';
import { createPendingRecord, type ProcessedRecord, type RawRecord } from '../model/record';

/** One batch as the splitter yields it. */
export interface SplitBatch {
  readonly records: readonly ProcessedRecord[];
  readonly batchIndex: number;
}

/** Hooks the stream asks before each record: wait while paused, stop when the run ends. */
export interface StreamControl {
  /** Resolves when the record may be taken (not paused). */
  waitIfPaused(): Promise<void>;
  /** True when no further record must be taken (aborted, or the run is stopping). */
  shouldStop(): boolean;
  /** Told of each record taken, with the count so far. */
  onRecord(pulled: number): void;
}

/**
 * The input of a job as a stream of batches, kept by the engine across `processChunk()` calls so
 * that a one-shot input (a generator) continues where it stopped instead of restarting (the
 * published engine lost the batch it peeked at and re-indexed the rest from 0).
 */
export class RecordStream {
  /** Records taken from the input so far (empty rows included). */
  pulled = 0;
  /** True once the input has no more records. */
  exhausted = false;
  private readonly batches: AsyncIterator<SplitBatch>;
  private peeked: SplitBatch | undefined;
  private stopped = false;

  constructor(
    input: Iterable<RawRecord> | AsyncIterable<RawRecord>,
    batchSize: number,
    control: StreamControl,
  ) {
    const records = this.pull(input, control);
    this.batches = new BatchSplitter(batchSize).split(records)[Symbol.asyncIterator]();
  }

  /** The next batch, or `undefined` at the end of the input (or when the run stops). */
  async next(): Promise<SplitBatch | undefined> {
    if (this.peeked) {
      const batch = this.peeked;
      this.peeked = undefined;
      return batch;
    }
    if (this.exhausted) return undefined;
    const result = await this.batches.next();
    if (result.done === true) {
      if (!this.stopped) this.exhausted = true;
      return undefined;
    }
    return result.value;
  }

  /** True when another batch follows; that batch is kept for the next `next()`. */
  async hasMore(): Promise<boolean> {
    if (this.peeked) return true;
    this.peeked = await this.next();
    return this.peeked !== undefined;
  }

  /** Releases the input (closes a file, a stream). */
  async close(): Promise<void> {
    this.peeked = undefined;
    await this.batches.return?.();
  }

  private async *pull(
    input: Iterable<RawRecord> | AsyncIterable<RawRecord>,
    control: StreamControl,
  ): AsyncGenerator<ProcessedRecord> {
    for await (const raw of input) {
      // Published order was "stop if aborted, then wait while paused", which let one more record
      // through after an abort released the pause: wait first, then check.
      await control.waitIfPaused();
      if (control.shouldStop()) {
        // An aborted or failed run discards its stream; the input was not read to its end.
        this.stopped = true;
        return;
      }
      this.pulled += 1;
      control.onRecord(this.pulled);
      yield createPendingRecord(this.pulled - 1, raw);
    }
  }
}
