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
