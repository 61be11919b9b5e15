import type { DataSource } from '@batchactions/core';

/** Every chunk a source yields, as Buffers. */
export async function readChunks(source: DataSource): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.read()) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  return chunks;
}

/** The whole content a source yields, as one Buffer. */
export async function readBytes(source: DataSource): Promise<Buffer> {
  return Buffer.concat(await readChunks(source));
}

/** Every chunk of an iterable (of `readFrom`, say) joined into one string. */
export async function readText(chunks: AsyncIterable<string | Buffer>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk.toString();
  return text;
}
