import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePathSource, InvalidOptionError, SourceError } from '@batchactions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBytes } from './read-all';

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

  it('streams the file as strings of about highWaterMark bytes, characters decoded whole', async () => {
    const chunks: string[] = [];
    for await (const chunk of new FilePathSource(csvPath, { highWaterMark: 7 }).read()) {
      chunks.push(chunk);
    }
    expect(chunks.every((c) => typeof c === 'string' && Buffer.byteLength(c) <= 7 + 3)).toBe(true);
    expect(chunks.join('')).toBe(content.toString('utf8'));
    expect(chunks.join('')).not.toContain('\uFFFD');
  });

  it('decodes with the encoding option', async () => {
    const latin = join(dir, 'latin.txt');
    await writeFile(latin, Buffer.from('Zoë', 'latin1'));
    expect(await new FilePathSource(latin, { encoding: 'latin1' }).sample()).toBe('Zoë');
  });

  it('restarts from the beginning on every read()', async () => {
    const source = new FilePathSource(csvPath);
    expect((await readBytes(source)).equals(content)).toBe(true);
    expect((await readBytes(source)).equals(content)).toBe(true);
  });

  it('samples the first maxBytes bytes as text, or the whole file without maxBytes', async () => {
    const sample = await new FilePathSource(csvPath, { highWaterMark: 16 }).sample(100);
    expect(sample).toBe(content.subarray(0, 100).toString('utf8'));
    expect(await new FilePathSource(csvPath).sample()).toBe(content.toString('utf8'));
    // "Zoë" ends the first line: cutting inside "ë" drops the half character.
    const firstLine = '0,user0@example.com,Zo';
    expect(await new FilePathSource(csvPath).sample(firstLine.length + 1)).toBe(firstLine);
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
    ['data.TSV', 'text/tab-separated-values'],
    ['data.ndjson', 'text/plain'],
    ['data.xml', 'application/xml'],
    ['data', 'text/plain'],
  ])('detects the MIME type of %s as published', async (name, mimeType) => {
    await writeFile(join(dir, name), '');
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
    await expect(source.sample(10)).rejects.toThrow(missing);
    expect(() => source.metadata()).toThrow(SourceError);
  });

  it('rejects a directory with a SourceError', async () => {
    await expect(readBytes(new FilePathSource(dir))).rejects.toThrow(/is a directory/);
  });

  it('rejects bad options naming them', () => {
    expect(() => new FilePathSource(csvPath, { highWaterMark: 0 })).toThrow(InvalidOptionError);
    expect(() => new FilePathSource(csvPath, { highWaterMark: Number.NaN })).toThrow(
      /highWaterMark/,
    );
    expect(() => new FilePathSource('')).toThrow(/"filePath"/);
    expect(() => new FilePathSource(csvPath, { encoding: 'klingon' as BufferEncoding })).toThrow(
      /encoding/,
    );
  });
});
