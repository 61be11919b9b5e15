import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { SourceError } from '../errors/source-error';
import type { DataSource, SourceMetadata } from '../ports/data-source';
import { pathSourceName, rememberSourceName } from './source-name';
import {
  checkEncoding,
  checkOffset,
  decodeChunks,
  decodePrefix,
  readAllText,
  sampleLimit,
} from './chunk-bytes';
import { detectMimeType } from './mime-types';

/** Options of {@link FilePathSource}. */
export interface FilePathSourceOptions {
  /** How the file's bytes are decoded into the strings `read()` yields. Default: `'utf-8'`. */
  readonly encoding?: BufferEncoding;
  /** Bytes per read from disk (each chunk comes from at most this many bytes). Default: 65536. */
  readonly highWaterMark?: number;
  /** Reported by `metadata()`. Default: from the extension (csv, json, xml, tsv), else `'text/plain'`. */
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

/**
 * A file on the local disk, streamed as strings decoded with `encoding` (a multi-byte character
 * split between two reads is decoded whole). Construction does not touch the file; a missing
 * file is a `SourceError` naming the path when reading. Re-readable.
 */
export class FilePathSource implements DataSource {
  readonly path: string;
  private readonly encoding: BufferEncoding;
  private readonly highWaterMark: number;
  private readonly mimeType: string;

  constructor(filePath: string, options: FilePathSourceOptions = {}) {
    if (typeof filePath !== 'string' || filePath === '') {
      throw new InvalidOptionError('filePath', filePath, 'a non-empty file path');
    }
    const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
      throw new InvalidOptionError(
        'highWaterMark',
        highWaterMark,
        'an integer >= 1 (bytes per chunk)',
      );
    }
    this.path = filePath;
    rememberSourceName(this, pathSourceName(filePath));
    this.encoding = checkEncoding(options.encoding ?? 'utf-8');
    this.highWaterMark = highWaterMark;
    this.mimeType = options.mimeType ?? detectMimeType(basename(filePath));
  }

  /** Streams the file as decoded strings. */
  read(): AsyncGenerator<string> {
    return decodeChunks(this.bytes({}), this.encoding);
  }

  /**
   * Streams the file from byte `offset`, decoded like `read()` (`readFrom(0)` is `read()`);
   * nothing when `offset` is at or past the end. The offset counts raw bytes of the file: with
   * an `encoding` other than UTF-8, cursors of parsers that count UTF-8 bytes match it only for
   * ASCII content. Throws `InvalidOptionError('offset')` for a negative or non-integer offset.
   */
  readFrom(offset: number): AsyncGenerator<string> {
    const start = checkOffset(offset);
    return decodeChunks(this.bytes({ start }), this.encoding);
  }

  /**
   * The first `maxBytes` bytes decoded (without a trailing partial character; the published
   * source left a U+FFFD there); without `maxBytes`, the whole file.
   */
  async sample(maxBytes?: number): Promise<string> {
    const limit = sampleLimit(maxBytes);
    if (limit === undefined) return readAllText(this.read());
    const parts: Buffer[] = [];
    for await (const chunk of this.bytes({ end: limit - 1 })) parts.push(chunk);
    return decodePrefix(Buffer.concat(parts), limit, this.encoding);
  }

  /** `{ fileName, fileSize, mimeType }`; reads the size from disk on every call (throws if the file is gone). */
  metadata(): SourceMetadata {
    let fileSize: number;
    try {
      fileSize = statSync(this.path).size;
    } catch (error) {
      throw this.fail(error);
    }
    return { fileName: basename(this.path), fileSize, mimeType: this.mimeType };
  }

  private async *bytes(range: { start?: number; end?: number }): AsyncGenerator<Buffer> {
    const stream = createReadStream(this.path, { highWaterMark: this.highWaterMark, ...range });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
    } catch (error) {
      throw this.fail(error);
    } finally {
      stream.destroy();
    }
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
