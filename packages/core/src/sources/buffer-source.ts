import { InvalidOptionError } from '../errors/invalid-option-error';
import type { DataSource, SourceMetadata } from '../ports/data-source';
import { checkOffset, sampleLimit, utf8Prefix } from './chunk-bytes';
import { DEFAULT_MIME_TYPE } from './mime-types';
import { rememberSourceName } from './source-name';

/** Metadata reported by a {@link BufferSource}. */
export type BufferSourceOptions = Partial<SourceMetadata>;

/** Content already in memory: a string, or a Buffer decoded once as UTF-8. Re-readable. */
export class BufferSource implements DataSource {
  private readonly text: string;
  private readonly meta: BufferSourceOptions;

  /**
   * @param data The content; a Buffer is decoded as UTF-8 (a leading BOM is kept as U+FEFF).
   * @param metadata `fileName` (default `'buffer-input'`) and `mimeType` (default `'text/plain'`)
   *   reported by `metadata()`; a `fileSize` given here is ignored (the real size is reported).
   */
  constructor(data: string | Buffer, metadata: BufferSourceOptions = {}) {
    if (typeof data !== 'string' && !Buffer.isBuffer(data)) {
      throw new InvalidOptionError('data', data, 'a string or a Buffer');
    }
    this.text = typeof data === 'string' ? data : data.toString('utf8');
    this.meta = metadata;
    rememberSourceName(this, metadata.fileName);
  }

  /** Yields the whole content as one string (`''` for an empty source). */
  // eslint-disable-next-line @typescript-eslint/require-await -- the content is in memory
  async *read(): AsyncGenerator<string> {
    yield this.text;
  }

  /**
   * The content from UTF-8 byte `offset`, as one string (`readFrom(0)` is `read()`); nothing when
   * `offset` is at or past the end. Throws `InvalidOptionError('offset')` for a negative or
   * non-integer offset.
   */
  readFrom(offset: number): AsyncGenerator<string> {
    const start = checkOffset(offset);
    if (start === 0) return this.read();
    return this.bytesFrom(start);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the content is in memory
  private async *bytesFrom(start: number): AsyncGenerator<string> {
    const bytes = Buffer.from(this.text, 'utf8');
    if (start < bytes.length) yield bytes.subarray(start).toString('utf8');
  }

  /**
   * The first `maxBytes` UTF-8 bytes, cut on a character boundary (the published source cut
   * `maxBytes` characters); without `maxBytes`, the whole content.
   */
  sample(maxBytes?: number): Promise<string> {
    return new Promise((resolve) => {
      const limit = sampleLimit(maxBytes);
      resolve(limit === undefined ? this.text : utf8Prefix(this.text, limit));
    });
  }

  /** `fileSize` is the UTF-8 byte length (the published source reported UTF-16 code units). */
  metadata(): SourceMetadata {
    return {
      fileName: this.meta.fileName ?? 'buffer-input',
      fileSize: Buffer.byteLength(this.text, 'utf8'),
      mimeType: this.meta.mimeType ?? DEFAULT_MIME_TYPE,
    };
  }
}
