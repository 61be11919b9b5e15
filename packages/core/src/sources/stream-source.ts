import type { Readable } from 'node:stream';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { SourceError } from '../errors/source-error';
import type { DataSource, SourceMetadata } from '../ports/data-source';
import { checkEncoding, chunkToBuffer, decodeChunks, sampleLimit, utf8Prefix } from './chunk-bytes';
import { DEFAULT_MIME_TYPE } from './mime-types';
import { rememberSourceName } from './source-name';

/** Options of {@link StreamSource}. */
export interface StreamSourceOptions {
  /** Reported by `metadata()` and named in errors. Default: `'stream-input'`. */
  readonly fileName?: string;
  /** Reported by `metadata()`. Default: `'text/plain'`. */
  readonly mimeType?: string;
  /** Reported by `metadata()` when the caller knows it. Default: `undefined`. */
  readonly fileSize?: number;
  /** How Buffer chunks are decoded. Default: `'utf-8'`. */
  readonly encoding?: BufferEncoding;
}

/** Streams `StreamSource` accepts: any async iterable (a Node.js Readable) or a web ReadableStream. */
export type StreamSourceInput =
  | AsyncIterable<string | Buffer | Uint8Array>
  | NodeJS.ReadableStream
  | Readable
  | ReadableStream<string | Buffer | Uint8Array>;

type Chunk = string | Buffer;

/** The published message of a second `read()`. */
export const STREAM_CONSUMED_MESSAGE =
  'StreamSource: stream has already been consumed. Streams can only be read once.';

function isWebStream(stream: unknown): stream is ReadableStream<unknown> {
  return typeof (stream as Partial<ReadableStream>).getReader === 'function';
}

async function* readWebStream(stream: ReadableStream<unknown>): AsyncGenerator {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const result = await reader.read();
      if (result.done) break;
      yield result.value;
    }
    done = true;
  } finally {
    // A consumer that stops early cancels the stream so its producer can clean up.
    if (!done) await reader.cancel();
    reader.releaseLock();
  }
}

/**
 * A stream that is already open, read once. `read()` yields strings: Buffer chunks go through
 * one streaming decoder (the published source decoded each chunk alone and corrupted characters
 * split between chunks). `sample()` keeps what it read, so `read()` still yields everything
 * (the published `sample()` consumed the stream).
 */
export class StreamSource implements DataSource {
  private readonly options: StreamSourceOptions;
  private readonly encoding: BufferEncoding;
  private readonly chunks: AsyncIterator<unknown>;
  /** Chunks pulled by `sample()` that `read()` has not yielded yet. */
  private readonly sampled: Chunk[] = [];
  private ended = false;
  private reading = false;

  constructor(stream: StreamSourceInput, options: StreamSourceOptions = {}) {
    const candidate: unknown = stream;
    if (typeof candidate !== 'object' || candidate === null) {
      throw new InvalidOptionError(
        'stream',
        stream,
        'an async iterable (a Node.js Readable) or a web ReadableStream',
      );
    }
    if (isWebStream(candidate)) {
      this.chunks = readWebStream(candidate);
    } else if (
      typeof (candidate as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function'
    ) {
      this.chunks = (candidate as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    } else {
      throw new InvalidOptionError(
        'stream',
        stream,
        'an async iterable (a Node.js Readable) or a web ReadableStream',
      );
    }
    this.options = options;
    this.encoding = checkEncoding(options.encoding ?? 'utf-8');
    rememberSourceName(this, options.fileName);
  }

  /**
   * Yields the content as strings. Works once: a second call throws, when its iteration starts,
   * `StreamSource: stream has already been consumed. Streams can only be read once.`
   */
  read(): AsyncGenerator<string> {
    return decodeChunks(this.rawChunks(), this.encoding);
  }

  /**
   * The first `maxBytes` bytes of the content (cut on a character boundary), without consuming
   * the stream; without `maxBytes`, everything (kept in memory for `read()`).
   */
  async sample(maxBytes?: number): Promise<string> {
    const limit = sampleLimit(maxBytes);
    if (this.reading) throw new SourceError(this.location, STREAM_CONSUMED_MESSAGE);
    let size = this.sampled.reduce((sum, chunk) => sum + chunkToBuffer(chunk).length, 0);
    while (limit === undefined || size < limit) {
      const chunk = await this.next();
      if (chunk === undefined) break;
      this.sampled.push(chunk);
      size += chunkToBuffer(chunk).length;
    }
    let text = '';
    for await (const part of decodeChunks(this.sampledCopy(), this.encoding)) text += part;
    return limit === undefined ? text : utf8Prefix(text, limit);
  }

  /** `{ fileName, fileSize, mimeType }` from the options (`fileSize` present, possibly `undefined`). */
  metadata(): SourceMetadata {
    return {
      fileName: this.options.fileName ?? 'stream-input',
      fileSize: this.options.fileSize,
      mimeType: this.options.mimeType ?? DEFAULT_MIME_TYPE,
    };
  }

  private get location(): string {
    return `stream "${this.options.fileName ?? 'stream-input'}"`;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- yields what sample() kept
  private async *sampledCopy(): AsyncGenerator<Chunk> {
    yield* this.sampled;
  }

  private async *rawChunks(): AsyncGenerator<Chunk> {
    if (this.reading) throw new SourceError(this.location, STREAM_CONSUMED_MESSAGE);
    this.reading = true;
    try {
      while (this.sampled.length > 0) {
        const chunk = this.sampled.shift();
        if (chunk !== undefined) yield chunk;
      }
      for (;;) {
        const chunk = await this.next();
        if (chunk === undefined) return;
        yield chunk;
      }
    } finally {
      // A consumer that stops early closes the underlying stream (Node destroys it).
      if (!this.ended) {
        this.ended = true;
        await this.chunks.return?.();
      }
    }
  }

  /** The next chunk of the underlying stream, or `undefined` at its end. */
  private async next(): Promise<Chunk | undefined> {
    if (this.ended) return undefined;
    let result: IteratorResult<unknown>;
    try {
      result = await this.chunks.next();
    } catch (error) {
      this.ended = true;
      const reason = error instanceof Error ? error.message : String(error);
      throw new SourceError(this.location, `Reading ${this.location} failed: ${reason}`, {
        cause: error,
      });
    }
    if (result.done === true) {
      this.ended = true;
      return undefined;
    }
    return this.normalize(result.value);
  }

  private normalize(chunk: unknown): Chunk {
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) return chunk;
    if (chunk instanceof Uint8Array)
      return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    throw new SourceError(
      this.location,
      `${this.location} yielded a chunk of type ${typeof chunk}; expected a string, Buffer or Uint8Array`,
    );
  }
}
