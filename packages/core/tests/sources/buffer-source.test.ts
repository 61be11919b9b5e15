import { BufferSource, InvalidOptionError } from '@batchactions/core';
import { describe, expect, it } from 'vitest';

async function chunksOf(source: BufferSource): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of source.read()) chunks.push(chunk);
  return chunks;
}

describe('BufferSource (core 9.1)', () => {
  it('yields the whole content as one string, re-readable', async () => {
    const source = new BufferSource('a,b\n1,2\n');
    expect(await chunksOf(source)).toEqual(['a,b\n1,2\n']);
    expect(await chunksOf(source)).toEqual(['a,b\n1,2\n']);
  });

  it('decodes a Buffer once as UTF-8, keeping a BOM', async () => {
    const source = new BufferSource(Buffer.from('\uFEFFid\nJosé\n', 'utf8'));
    expect(await chunksOf(source)).toEqual(['\uFEFFid\nJosé\n']);
  });

  it("yields '' once for empty data", async () => {
    expect(await chunksOf(new BufferSource(''))).toEqual(['']);
  });

  it('samples maxBytes bytes on a character boundary (defect 20), everything without maxBytes', async () => {
    // "é" is 2 bytes: a 2-byte sample of "aé" must not end in half of it.
    expect(await new BufferSource('aé').sample(2)).toBe('a');
    expect(await new BufferSource('aé').sample(3)).toBe('aé');
    expect(await new BufferSource(Buffer.from('abcdef')).sample(4)).toBe('abcd');
    expect(await new BufferSource('abcdef').sample()).toBe('abcdef');
    expect(await new BufferSource('abc').sample(0)).toBe('abc');
  });

  it('reports published metadata defaults, with the size in bytes (defect 20)', () => {
    expect(new BufferSource('héllo').metadata()).toEqual({
      fileName: 'buffer-input',
      fileSize: 6,
      mimeType: 'text/plain',
    });
    expect(
      new BufferSource('x', {
        fileName: 'users.csv',
        mimeType: 'text/csv',
        fileSize: 99,
      }).metadata(),
    ).toEqual({ fileName: 'users.csv', fileSize: 1, mimeType: 'text/csv' });
  });

  it('rejects bad input naming it', async () => {
    expect(() => new BufferSource(42 as unknown as string)).toThrow(InvalidOptionError);
    await expect(new BufferSource('x').sample(-1)).rejects.toThrow(/maxBytes/);
  });
});
