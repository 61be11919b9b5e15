import { Readable } from 'node:stream';
import { InvalidOptionError, SourceError, StreamSource } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { readBytes, readChunks } from './read-all';

function webStream(parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[next++];
      if (part === undefined) controller.close();
      else controller.enqueue(encoder.encode(part));
    },
  });
}

const parts = ['id,name\n', '1,Ann\n2,Bo', 'b\n3,Cy\n'];
const whole = parts.join('');

describe('StreamSource', () => {
  it('reads a Node.js Readable', async () => {
    const chunks = await readChunks(
      new StreamSource(Readable.from(parts.map((p) => Buffer.from(p)))),
    );
    expect(chunks.length).toBe(3);
    expect(Buffer.concat(chunks).toString()).toBe(whole);
  });

  it('reads a web ReadableStream as strings', async () => {
    const source = new StreamSource(webStream(parts));
    const chunks: string[] = [];
    for await (const chunk of source.read()) chunks.push(chunk);
    expect(chunks.every((c) => typeof c === 'string')).toBe(true);
    expect(chunks.join('')).toBe(whole);
  });

  it('decodes a character split between two Buffer chunks (defect 21)', async () => {
    const bytes = Buffer.from('José', 'utf8');
    const split = [bytes.subarray(0, 4), bytes.subarray(4)];
    const chunks: string[] = [];
    for await (const chunk of new StreamSource(Readable.from(split)).read()) chunks.push(chunk);
    expect(chunks.join('')).toBe('José');
  });

  it('decodes Buffers with the encoding option', async () => {
    const source = new StreamSource(Readable.from([Buffer.from('Zoë', 'latin1')]), {
      encoding: 'latin1',
    });
    expect((await readBytes(source)).toString()).toBe('Zoë');
  });

  it('throws the published message when read() is iterated a second time', async () => {
    const source = new StreamSource(Readable.from(parts));
    await readBytes(source);
    const second = source.read();
    await expect(second.next()).rejects.toThrow(SourceError);
    await expect(readBytes(source)).rejects.toThrow(
      'StreamSource: stream has already been consumed. Streams can only be read once.',
    );
  });

  it('keeps sampled bytes so a later read() still yields everything', async () => {
    for (const stream of [Readable.from(parts), webStream(parts)]) {
      const source = new StreamSource(stream);
      expect(await source.sample(10)).toBe(whole.slice(0, 10));
      expect(await source.sample(4)).toBe(whole.slice(0, 4));
      expect((await readBytes(source)).toString()).toBe(whole);
    }
  });

  it('samples the whole content when it is shorter than maxBytes', async () => {
    const source = new StreamSource(Readable.from(parts));
    expect(await source.sample()).toBe(whole);
    expect((await readBytes(source)).toString()).toBe(whole);
  });

  it('wraps a stream error in a SourceError naming the source', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    const source = new StreamSource(failing, { fileName: 'upload.csv' });
    await expect(readBytes(source)).rejects.toThrow(
      'Reading stream "upload.csv" failed: disk on fire',
    );
  });

  it('reports metadata given in options', () => {
    const source = new StreamSource(Readable.from([]), { fileName: 'a.csv', fileSize: 12 });
    expect(source.metadata()).toEqual({ fileName: 'a.csv', fileSize: 12, mimeType: 'text/plain' });
    const defaults = new StreamSource(Readable.from([])).metadata();
    expect(defaults).toEqual({
      fileName: 'stream-input',
      fileSize: undefined,
      mimeType: 'text/plain',
    });
    expect('fileSize' in defaults).toBe(true);
  });

  it('rejects something that is not a stream', () => {
    expect(() => new StreamSource({} as unknown as Readable)).toThrow(InvalidOptionError);
  });
});
