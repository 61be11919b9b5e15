import { StringDecoder } from 'node:string_decoder';
import { InvalidOptionError } from '../errors/invalid-option-error';

/** A chunk as bytes (strings are UTF-8 encoded). */
export function chunkToBuffer(chunk: string | Buffer): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/**
 * `undefined` when the whole content is wanted (no `maxBytes`, or `0`, as published), else the
 * byte limit; anything but an integer ≥ 0 is an `InvalidOptionError`.
 */
export function sampleLimit(maxBytes: number | undefined): number | undefined {
  if (maxBytes === undefined || maxBytes === 0) return undefined;
  if (!Number.isInteger(maxBytes) || maxBytes < 0) {
    throw new InvalidOptionError(
      'maxBytes',
      maxBytes,
      'an integer >= 1 (bytes), or none for everything',
    );
  }
  return maxBytes;
}

/** Throws `InvalidOptionError('offset')` unless `offset` is an integer >= 0 (a byte offset). */
export function checkOffset(offset: unknown): number {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidOptionError('offset', offset, 'an integer >= 0 (a byte offset)');
  }
  return offset;
}

/**
 * The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, cut on a character
 * boundary so a sample never ends in half a character.
 */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  return decodePrefix(bytes, maxBytes, 'utf8');
}

/** The first `maxBytes` bytes decoded with `encoding`, without a trailing partial character. */
export function decodePrefix(bytes: Buffer, maxBytes: number, encoding: BufferEncoding): string {
  // A decoder holds back an incomplete trailing character instead of emitting U+FFFD.
  return new StringDecoder(encoding).write(bytes.subarray(0, maxBytes));
}

/**
 * Decodes a stream of chunks into strings: Buffers through one streaming decoder, so a
 * character split across two chunks is decoded whole; strings pass through.
 */
export async function* decodeChunks(
  chunks: AsyncIterable<string | Buffer | Uint8Array>,
  encoding: BufferEncoding,
): AsyncGenerator<string> {
  const decoder = new StringDecoder(encoding);
  for await (const chunk of chunks) {
    if (typeof chunk === 'string') {
      const pending = decoder.end();
      if (pending !== '') yield pending;
      yield chunk;
    } else {
      const text = decoder.write(
        Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
      );
      if (text !== '') yield text;
    }
  }
  const tail = decoder.end();
  if (tail !== '') yield tail;
}

/** Throws `InvalidOptionError` unless `encoding` is one Node.js can decode. */
export function checkEncoding(encoding: unknown): BufferEncoding {
  if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) {
    throw new InvalidOptionError(
      'encoding',
      encoding,
      "a Node.js encoding such as 'utf-8' or 'latin1'",
    );
  }
  return encoding;
}

/** Every chunk joined into one string. */
export async function readAllText(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}
