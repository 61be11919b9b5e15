import { TextDecoder } from 'node:util';
import { NotTextError, type ParseFormat } from '../errors/parse-error';

/** Bytes at the start of the input checked for being text. */
export const TEXT_CHECK_BYTES = 64 * 1024;

/** Encodings whose input is checked (NUL bytes, invalid UTF-8): utf-8, the default. */
function checksEncoding(encoding: string): boolean {
  const name = encoding.toLowerCase();
  return name === 'utf8' || name === 'utf-8';
}

/**
 * Checks that the first {@link TEXT_CHECK_BYTES} of an input are UTF-8 text without NUL bytes,
 * chunk by chunk, and throws `NotTextError` naming the byte offset of the first that is not.
 * Only when the parser's encoding is utf-8 (another encoding says the bytes are something else).
 */
export class TextCheck {
  private seen = 0;
  private readonly decoder: TextDecoder | undefined;

  constructor(
    private readonly format: ParseFormat,
    encoding: string,
  ) {
    this.decoder = checksEncoding(encoding) ? new TextDecoder('utf-8', { fatal: true }) : undefined;
  }

  /**
   * Checks the next chunk (bytes past the first 64 KiB are not looked at). A string chunk (a
   * source that decoded the bytes already, as `FilePathSource` does) is checked for NUL
   * characters only: its invalid bytes were replaced already.
   */
  check(chunk: Buffer | string): void {
    if (this.decoder === undefined || this.seen >= TEXT_CHECK_BYTES) return;
    if (typeof chunk === 'string') {
      const part = chunk.slice(0, TEXT_CHECK_BYTES - this.seen);
      const nul = part.indexOf('\0');
      if (nul !== -1) {
        const offset = this.seen + Buffer.byteLength(part.slice(0, nul), 'utf8');
        throw new NotTextError(this.format, offset, 'a NUL byte');
      }
      this.seen += Buffer.byteLength(part, 'utf8');
      return;
    }
    const part = chunk.subarray(0, TEXT_CHECK_BYTES - this.seen);
    const nul = part.indexOf(0);
    if (nul !== -1) throw new NotTextError(this.format, this.seen + nul, 'a NUL byte');
    try {
      this.decoder.decode(part, { stream: this.seen + part.length < TEXT_CHECK_BYTES });
    } catch (error: unknown) {
      if (!(error instanceof TypeError)) throw error;
      throw new NotTextError(this.format, this.seen + invalidUtf8Offset(part), 'invalid UTF-8');
    }
    this.seen += part.length;
  }
}

/** Offset in `bytes` of the first byte that starts no valid UTF-8 sequence (a cut tail is valid). */
function invalidUtf8Offset(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    let size: number;
    if (b < 0x80) size = 1;
    else if (b >= 0xc2 && b <= 0xdf) size = 2;
    else if (b >= 0xe0 && b <= 0xef) size = 3;
    else if (b >= 0xf0 && b <= 0xf4) size = 4;
    else return i;
    for (let k = 1; k < size; k++) {
      if (i + k >= bytes.length) return i;
      const c = bytes[i + k] as number;
      if ((c & 0xc0) !== 0x80) return i;
    }
    i += size;
  }
  return Math.max(0, bytes.length - 1);
}

/** A queue of rows between a producer (a stream's events) and an async consumer, with room. */
export class RowQueue<T> {
  private items: T[] = [];
  private head = 0;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  constructor(private readonly highWaterMark = 1024) {}

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  /** The producer ended, with `error` when it failed: rows pushed before stay readable. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined && error !== null) this.failure = { error };
    this.wake();
    this.wakeProducer?.();
  }

  /** Resolves when the consumer has room for more (or the queue ended). */
  async room(): Promise<void> {
    while (!this.ended && this.items.length - this.head > this.highWaterMark) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
      this.wakeProducer = undefined;
    }
  }

  /**
   * The rows pushed since the last call (waiting for at least one); `[]` once the producer
   * ended; the producer's error, if it failed, once every row was taken.
   */
  async next(): Promise<T[]> {
    for (;;) {
      if (this.head < this.items.length) {
        const ready = this.head === 0 ? this.items : this.items.slice(this.head);
        this.items = [];
        this.head = 0;
        this.wakeProducer?.();
        return ready;
      }
      if (this.failure !== undefined) throw this.failure.error;
      if (this.ended) return [];
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
      this.wakeConsumer = undefined;
    }
  }

  private wake(): void {
    const wake = this.wakeConsumer;
    this.wakeConsumer = undefined;
    wake?.();
  }
}
