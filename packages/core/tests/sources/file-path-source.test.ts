import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePathSource, InvalidOptionError, SourceError } from '@batchactions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBytes, readChunks } from './read-all';

describe('FilePathSource', () => {
  let dir: string;
  let csvPath: string;
  const content = Buffer.from(
    Array.from({ length: 200 }, (_, i) => `${i},user${i}@example.com,Zoë\n`).join(''),
  );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-path-source-'));
    csvPath = join(dir, 'users.csv');
    await writeFile(csvPath, content);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams the file in highWaterMark-sized Buffers that concat to its bytes', async () => {
    const chunks = await readChunks(new FilePathSource(csvPath, { highWaterMark: 64 }));
    expect(chunks.length).toBe(Math.ceil(content.length / 64));
    expect(chunks.every((c) => Buffer.isBuffer(c) && c.length <= 64)).toBe(true);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
  });

  it('restarts from the beginning on every read()', async () => {
    const source = new FilePathSource(csvPath);
    expect((await readBytes(source)).equals(content)).toBe(true);
    expect((await readBytes(source)).equals(content)).toBe(true);
  });

  it('samples the first maxBytes bytes', async () => {
    const sample = await new FilePathSource(csvPath, { highWaterMark: 16 }).sample(100);
    expect(sample.equals(content.subarray(0, 100))).toBe(true);
  });

  it('reports file name, size and MIME type', () => {
    expect(new FilePathSource(csvPath).metadata()).toEqual({
      fileName: 'users.csv',
      fileSize: content.length,
      mimeType: 'text/csv',
    });
  });

  it.each([
    ['data.json', 'application/json'],
    ['data.ndjson', 'application/x-ndjson'],
    ['data.JSONL', 'application/x-ndjson'],
    ['data.xml', 'application/xml'],
    ['data.bin', undefined],
  ])('guesses the MIME type of %s', (name, mimeType) => {
    expect(new FilePathSource(join(dir, name)).metadata().mimeType).toBe(mimeType);
  });

  it('rejects read() and sample() of a missing file with a SourceError naming the path', async () => {
    const missing = join(dir, 'missing.csv');
    const source = new FilePathSource(missing);
    const readError = await readBytes(source).catch((error: unknown) => error);
    expect(readError).toBeInstanceOf(SourceError);
    expect((readError as SourceError).message).toContain(missing);
    expect((readError as SourceError).message).toContain('does not exist');
    expect((readError as SourceError).location).toBe(missing);
    await expect(source.sample()).rejects.toThrow(SourceError);
    await expect(source.sample()).rejects.toThrow(missing);
    expect(source.metadata().fileSize).toBeUndefined();
  });

  it('rejects a directory with a SourceError', async () => {
    await expect(readBytes(new FilePathSource(dir))).rejects.toThrow(/is a directory/);
  });

  it('rejects bad options naming them', () => {
    expect(() => new FilePathSource(csvPath, { highWaterMark: 0 })).toThrow(InvalidOptionError);
    expect(() => new FilePathSource(csvPath, { highWaterMark: Number.NaN })).toThrow(
      /highWaterMark/,
    );
    expect(() => new FilePathSource('')).toThrow(/"path"/);
  });
});
