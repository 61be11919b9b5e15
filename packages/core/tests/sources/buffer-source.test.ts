import { BufferSource, InvalidOptionError } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { readBytes, readChunks } from './read-all';

describe('BufferSource', () => {
  it('yields a string as one chunk, unchanged, by default', async () => {
    const chunks: (string | Buffer)[] = [];
    for await (const chunk of new BufferSource('a,b\n1,2\n').read()) chunks.push(chunk);
    expect(chunks).toEqual(['a,b\n1,2\n']);
  });

  it('restarts from the beginning on every read()', async () => {
    const source = new BufferSource(Buffer.from('hello'));
    expect((await readBytes(source)).toString()).toBe('hello');
    expect((await readBytes(source)).toString()).toBe('hello');
  });

  it('splits into chunkSize bytes, even inside a multi-byte character', async () => {
    const text = 'name\nJosé Ñoño\n';
    const chunks = await readChunks(new BufferSource(text, { chunkSize: 3 }));
    expect(chunks.length).toBe(Math.ceil(Buffer.byteLength(text) / 3));
    expect(chunks.slice(0, -1).every((c) => c.length === 3)).toBe(true);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
  });

  it('yields nothing for empty data', async () => {
    expect(await readChunks(new BufferSource(''))).toEqual([]);
  });

  it('samples on a character boundary for strings and by bytes for Buffers', async () => {
    // "é" is 2 bytes: a 2-byte sample of "aé" must not end in half of it.
    expect(await new BufferSource('aé').sample(2)).toBe('a');
    expect(await new BufferSource('aé').sample(3)).toBe('aé');
    expect(await new BufferSource(Buffer.from('abcdef')).sample(4)).toEqual(Buffer.from('abcd'));
  });

  it('reports metadata with the MIME type guessed from fileName', () => {
    expect(new BufferSource('héllo', { fileName: 'users.csv' }).metadata()).toEqual({
      fileName: 'users.csv',
      fileSize: 6,
      mimeType: 'text/csv',
    });
    expect(new BufferSource('x', { mimeType: 'text/plain' }).metadata().mimeType).toBe(
      'text/plain',
    );
  });

  it('rejects bad options naming them', async () => {
    expect(() => new BufferSource('x', { chunkSize: 0 })).toThrow(InvalidOptionError);
    expect(() => new BufferSource('x', { chunkSize: 1.5 })).toThrow(/chunkSize/);
    await expect(new BufferSource('x').sample(0)).rejects.toThrow(/maxBytes/);
  });
});
