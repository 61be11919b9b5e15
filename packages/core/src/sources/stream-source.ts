import type { Readable } from 'node:stream';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { SourceError } from '../errors/source-error';
import type { DataSource, SourceMetadata } from '../ports/data-source';
import { checkMaxBytes, chunkToBuffer, DEFAULT_SAMPLE_BYTES, truncate } from './chunk-bytes';
import { guessMimeType } from './mime-types';

/** Options of {@link StreamSource}. */
export interface StreamSourceOptions {
  /** Reported by `metadata()` and named in errors. Default: none (errors say "stream"). */
  readonly fileName?: string;
  /** Reported by `metadata()`. Default: guessed from `fileName`, else none. */
  readonly mimeType?: string;
  /** Reported by `metadata()` when the caller knows it. Default: none. */
  readonly fileSize?: number;
}

/** Streams `StreamSource` accepts: a Node.js Readable or a web (WHATWG) ReadableStream. */
export type StreamSourceInput = NodeJS.ReadableStream | Readable | ReadableStream<Uint8Array>;

function isWebStream(stream: StreamSourceInput): stream is ReadableStream<Uint8Array> {
  return typeof (stream as Partial<ReadableStream>).getReader === 'function';
}

async function* readWebStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
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
 * A stream that is already open. A stream can be consumed only once, so `read()` works once: a
 * second call throws a `SourceError`. `sample()` may be called before `read()`: the sampled
 * bytes are kept in memory and `read()` still yields the whole content from the start.
 */
export class StreamSource implements DataSource {
  private readonly options: StreamSourceOptions;
  private readonly chunks: AsyncIterator<unknown>;
  /** Chunks pulled by `sample()` that `read()` has not yielded yet. */
  private readonly sampled: Buffer[] = [];
  private ended = false;
  private reading = false;

  constructor(stream: StreamSourceInput, options: StreamSourceOptions = {}) {
    const candidate: unknown = stream;
    const iterable = stream as Partial<AsyncIterable<unknown>>;
    // Checked at run time too, for callers without types.
    if (typeof candidate !== 'object' || candidate === null) {
      throw new InvalidOptionError('stream', stream, 'a Node.js Readable or a web ReadableStream');
    }
    if (isWebStream(stream)) {
      this.chunks = readWebStream(stream);
    } else if (typeof iterable[Symbol.asyncIterator] === 'function') {
      this.chunks = (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    } else {
      throw new InvalidOptionError('stream', stream, 'a Node.js Readable or a web ReadableStream');
    }
    this.options = options;
  }

  /** Yields the sampled bytes (if any), then the rest of the stream. Works once. */
  read(): AsyncGenerator<string | Buffer> {
    if (this.reading) {
      throw new SourceError(
        this.location,
        `StreamSource can be read only once (${this.location} was already read); create a new StreamSource, or use FilePathSource/UrlSource, to read the content again`,
      );
    }
    this.reading = true;
    return this.readAll();
  }

  /** The first `maxBytes` bytes, kept buffered so a later `read()` still yields everything. */
  async sample(maxBytes: number = DEFAULT_SAMPLE_BYTES): Promise<Buffer> {
    checkMaxBytes(maxBytes);
    if (this.reading) {
      throw new SourceError(
        this.location,
        `Cannot sample ${this.location}: StreamSource is already being read`,
      );
    }
    let size = this.sampled.reduce((sum, chunk) => sum + chunk.length, 0);
    while (size < maxBytes) {
      const chunk = await this.next();
      if (chunk === undefined) break;
      // Sampled strings are kept as UTF-8 bytes: the parser sees the same bytes either way.
      const bytes = chunkToBuffer(chunk);
      this.sampled.push(bytes);
      size += bytes.length;
    }
    return truncate(Buffer.concat(this.sampled, size), maxBytes);
  }

  metadata(): SourceMetadata {
    const { fileName, fileSize } = this.options;
    const mimeType = this.options.mimeType ?? (fileName ? guessMimeType(fileName) : undefined);
    return {
      ...(fileName === undefined ? {} : { fileName }),
      ...(fileSize === undefined ? {} : { fileSize }),
      ...(mimeType === undefined ? {} : { mimeType }),
    };
  }

  private get location(): string {
    return this.options.fileName === undefined ? 'stream' : `stream "${this.options.fileName}"`;
  }

  private async *readAll(): AsyncGenerator<string | Buffer> {
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
  private async next(): Promise<string | Buffer | undefined> {
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
    if (result.done) {
      this.ended = true;
      return undefined;
    }
    return this.normalize(result.value);
  }

  private normalize(chunk: unknown): string | Buffer {
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) return chunk;
    if (chunk instanceof Uint8Array)
      return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    throw new SourceError(
      this.location,
      `${this.location} yielded a chunk of type ${typeof chunk}; expected a string, Buffer or Uint8Array`,
    );
  }
}
