import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { SourceError } from '../errors/source-error';
import type { DataSource, SourceMetadata } from '../ports/data-source';
import { checkMaxBytes, collectPrefix, DEFAULT_SAMPLE_BYTES } from './chunk-bytes';
import { guessMimeType } from './mime-types';

/** Options of {@link FilePathSource}. */
export interface FilePathSourceOptions {
  /** Bytes per chunk read from disk. Default: 65536. */
  readonly highWaterMark?: number;
  /** Reported by `metadata()`. Default: guessed from the extension (.csv, .json, .ndjson, .jsonl, .xml...). */
  readonly mimeType?: string;
}

const DEFAULT_HIGH_WATER_MARK = 65_536;

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function describeFsError(error: unknown): string {
  switch (errorCode(error)) {
    case 'ENOENT':
      return 'the file does not exist';
    case 'EISDIR':
      return 'the path is a directory';
    case 'EACCES':
      return 'permission denied';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** A file on the local disk, streamed in Buffers of `highWaterMark` bytes. */
export class FilePathSource implements DataSource {
  readonly path: string;
  private readonly highWaterMark: number;
  private readonly mimeType: string | undefined;
  private fileSize: number | undefined;

  constructor(path: string, options: FilePathSourceOptions = {}) {
    if (typeof path !== 'string' || path === '') {
      throw new InvalidOptionError('path', path, 'a non-empty file path');
    }
    const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
      throw new InvalidOptionError(
        'highWaterMark',
        highWaterMark,
        'an integer >= 1 (bytes per chunk)',
      );
    }
    this.path = path;
    this.highWaterMark = highWaterMark;
    this.mimeType = options.mimeType ?? guessMimeType(path);
  }

  /** Streams the file; a missing or unreadable file rejects with a `SourceError` naming the path. */
  read(): AsyncGenerator<Buffer> {
    return this.stream({});
  }

  sample(maxBytes: number = DEFAULT_SAMPLE_BYTES): Promise<Buffer> {
    return new Promise<void>((resolve) => {
      checkMaxBytes(maxBytes);
      resolve();
    }).then(() => collectPrefix(this.stream({ end: maxBytes - 1 }), maxBytes));
  }

  /** `fileSize` comes from the file system while the file exists (or from the last read). */
  metadata(): SourceMetadata {
    const fileSize = this.currentSize();
    return {
      fileName: basename(this.path),
      ...(fileSize === undefined ? {} : { fileSize }),
      ...(this.mimeType === undefined ? {} : { mimeType: this.mimeType }),
    };
  }

  private currentSize(): number | undefined {
    try {
      this.fileSize = statSync(this.path).size;
    } catch (error) {
      // Metadata is descriptive: a file that is gone keeps its last known size; read() reports it.
      if (errorCode(error) !== 'ENOENT') throw this.fail(error);
    }
    return this.fileSize;
  }

  private async *stream(range: { end?: number }): AsyncGenerator<Buffer> {
    const stream = createReadStream(this.path, { highWaterMark: this.highWaterMark, ...range });
    let size = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        yield chunk;
      }
    } catch (error) {
      throw this.fail(error);
    } finally {
      stream.destroy();
    }
    if (range.end === undefined) this.fileSize = size;
  }

  private fail(error: unknown): SourceError {
    return new SourceError(
      this.path,
      `Cannot read file "${this.path}": ${describeFsError(error)}`,
      {
        cause: error,
      },
    );
  }
}
