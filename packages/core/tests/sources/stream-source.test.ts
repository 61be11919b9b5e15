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

  it('reads a web ReadableStream as Buffers', async () => {
    const source = new StreamSource(webStream(parts));
    const chunks: (string | Buffer)[] = [];
    for await (const chunk of source.read()) chunks.push(chunk);
    expect(chunks.every((c) => Buffer.isBuffer(c))).toBe(true);
    expect(Buffer.concat(chunks as Buffer[]).toString()).toBe(whole);
  });

  it('throws a clear SourceError on a second read()', async () => {
    const source = new StreamSource(Readable.from(parts));
    await readBytes(source);
    expect(() => source.read()).toThrow(SourceError);
    expect(() => source.read()).toThrow('StreamSource can be read only once');
  });

  it('keeps sampled bytes so a later read() still yields everything', async () => {
    for (const stream of [Readable.from(parts), webStream(parts)]) {
      const source = new StreamSource(stream);
      expect((await source.sample(10)).toString()).toBe(whole.slice(0, 10));
      expect((await source.sample(4)).toString()).toBe(whole.slice(0, 4));
      expect((await readBytes(source)).toString()).toBe(whole);
    }
  });

  it('samples the whole content when it is shorter than maxBytes', async () => {
    const source = new StreamSource(Readable.from(parts));
    expect((await source.sample()).toString()).toBe(whole);
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
    const source = new StreamSource(Readable.from([]), { fileName: 'a.ndjson', fileSize: 12 });
    expect(source.metadata()).toEqual({
      fileName: 'a.ndjson',
      fileSize: 12,
      mimeType: 'application/x-ndjson',
    });
  });

  it('rejects something that is not a stream', () => {
    expect(() => new StreamSource({} as unknown as Readable)).toThrow(InvalidOptionError);
  });
});
