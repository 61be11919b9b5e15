import { InvalidOptionError } from '../errors/invalid-option-error';
import type { DataSource, SourceMetadata } from '../ports/data-source';
import { checkMaxBytes, DEFAULT_SAMPLE_BYTES, truncate, utf8Prefix } from './chunk-bytes';
import { guessMimeType } from './mime-types';

/** Options of {@link BufferSource}. */
export interface BufferSourceOptions {
  /** Reported by `metadata()`; also used to guess `mimeType`. Default: none. */
  readonly fileName?: string;
  /** Reported by `metadata()`. Default: guessed from `fileName`, else none. */
  readonly mimeType?: string;
  /**
   * Splits the content into Buffers of this many bytes (the last may be shorter); a multi-byte
   * character may then span two chunks, as in any real stream. Handy to test parsers.
   * Default: the whole content as one chunk, of the type it was given (string or Buffer).
   */
  readonly chunkSize?: number;
}

/** Content already in memory: a string (UTF-8) or a Buffer. */
export class BufferSource implements DataSource {
  private readonly data: string | Buffer;
  private readonly options: BufferSourceOptions;

  constructor(data: string | Buffer, options: BufferSourceOptions = {}) {
    if (typeof data !== 'string' && !Buffer.isBuffer(data)) {
      throw new InvalidOptionError('data', data, 'a string or a Buffer');
    }
    const { chunkSize } = options;
    if (chunkSize !== undefined && (!Number.isInteger(chunkSize) || chunkSize < 1)) {
      throw new InvalidOptionError('chunkSize', chunkSize, 'an integer >= 1');
    }
    this.data = data;
    this.options = options;
  }

  // An async generator is the plainest AsyncIterable; the content is in memory, nothing to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  async *read(): AsyncGenerator<string | Buffer> {
    const { chunkSize } = this.options;
    if (chunkSize === undefined) {
      if (this.data.length > 0) yield this.data;
      return;
    }
    const bytes = typeof this.data === 'string' ? Buffer.from(this.data, 'utf8') : this.data;
    for (let start = 0; start < bytes.length; start += chunkSize) {
      yield bytes.subarray(start, start + chunkSize);
    }
  }

  /** The first `maxBytes` bytes; a string source returns a string cut on a character boundary. */
  sample(maxBytes: number = DEFAULT_SAMPLE_BYTES): Promise<string | Buffer> {
    // Inside the executor a bad `maxBytes` becomes a rejection, like the other sources'.
    return new Promise((resolve) => {
      checkMaxBytes(maxBytes);
      const { data } = this;
      resolve(typeof data === 'string' ? utf8Prefix(data, maxBytes) : truncate(data, maxBytes));
    });
  }

  metadata(): SourceMetadata {
    const { fileName } = this.options;
    const mimeType = this.options.mimeType ?? (fileName ? guessMimeType(fileName) : undefined);
    return {
      fileSize: typeof this.data === 'string' ? Buffer.byteLength(this.data) : this.data.length,
      ...(fileName === undefined ? {} : { fileName }),
      ...(mimeType === undefined ? {} : { mimeType }),
    };
  }
}
