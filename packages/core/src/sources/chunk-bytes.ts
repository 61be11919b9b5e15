import { InvalidOptionError } from '../errors/invalid-option-error';

/** Default size of `sample()`: 64 KiB. */
export const DEFAULT_SAMPLE_BYTES = 65_536;

/** A chunk as bytes (strings are UTF-8 encoded). */
export function chunkToBuffer(chunk: string | Buffer): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** Throws `InvalidOptionError` unless `maxBytes` is an integer >= 1. */
export function checkMaxBytes(maxBytes: number): void {
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new InvalidOptionError('maxBytes', maxBytes, 'an integer >= 1');
  }
}

/**
 * Reads chunks until `maxBytes` bytes are collected (or the chunks end) and returns at most
 * `maxBytes` of them. Leaving the loop early closes the iterator, which releases the stream.
 */
export async function collectPrefix(
  chunks: AsyncIterable<string | Buffer>,
  maxBytes: number,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const bytes = chunkToBuffer(chunk);
    parts.push(bytes);
    size += bytes.length;
    if (size >= maxBytes) break;
  }
  return truncate(Buffer.concat(parts, size), maxBytes);
}

/** The first `maxBytes` bytes of `bytes`. */
export function truncate(bytes: Buffer, maxBytes: number): Buffer {
  return bytes.length > maxBytes ? bytes.subarray(0, maxBytes) : bytes;
}

/**
 * The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, cut on a character
 * boundary so the sample never ends in half a character.
 */
export function utf8Prefix(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let cut = maxBytes;
  // 0b10xxxxxx bytes continue a multi-byte character: back off to the character's first byte.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return bytes.subarray(0, cut).toString('utf8');
}
