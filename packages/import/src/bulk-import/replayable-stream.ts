import type { DataSource, SourceMetadata } from '@batchactions/core';

/**
 * A one-shot source (a `StreamSource`) that can be read again after a partial read: every chunk
 * taken from the underlying stream is kept, and the next `read()` replays them, then continues
 * the same stream. Lets `preview()` be followed by `start()` (published: the stream was consumed,
 * defect 15). Holds only the chunks the preview read.
 */
export class ReplayableStream implements DataSource {
  private readonly taken: (string | Buffer)[] = [];
  private iterator: AsyncIterator<string | Buffer> | undefined;
  private exhausted = false;

  constructor(private readonly inner: DataSource) {}

  async *read(): AsyncGenerator<string | Buffer> {
    let position = 0;
    for (;;) {
      if (position < this.taken.length) {
        yield this.taken[position++] as string | Buffer;
        continue;
      }
      if (this.exhausted) return;
      this.iterator ??= this.inner.read()[Symbol.asyncIterator]();
      const next = await this.iterator.next();
      if (next.done === true) {
        this.exhausted = true;
        return;
      }
      this.taken.push(next.value);
    }
  }

  /**
   * Replays the kept chunks (releasing them), then reads the rest of the stream once. For the
   * run that follows a preview.
   */
  async *readOnce(): AsyncGenerator<string | Buffer> {
    yield* this.taken.splice(0, this.taken.length);
    if (this.exhausted) return;
    this.iterator ??= this.inner.read()[Symbol.asyncIterator]();
    for (;;) {
      const next = await this.iterator.next();
      if (next.done === true) return;
      yield next.value;
    }
  }

  sample(maxBytes?: number): Promise<string | Buffer> {
    return this.inner.sample(maxBytes);
  }

  metadata(): SourceMetadata {
    return this.inner.metadata();
  }
}
