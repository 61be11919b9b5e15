import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  BufferSource,
  FilePathSource,
  InvalidOptionError,
  SourceError,
  StreamSource,
  UrlSource,
  type DataSource,
} from '@batchactions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './http-test-server';

/** Multi-byte characters on purpose: offsets are bytes, not characters. */
const content = Buffer.from(
  Array.from({ length: 40 }, (_, i) => `${i},Zoë €${i},😀\n`).join(''),
  'utf8',
);
/** Byte offsets just after each line break (character boundaries). */
const lineEnds = [...content.entries()].filter(([, b]) => b === 0x0a).map(([i]) => i + 1);

async function textFrom(source: DataSource, offset: number): Promise<string> {
  if (source.readFrom === undefined) throw new Error('the source has no readFrom');
  let text = '';
  for await (const chunk of source.readFrom(offset)) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  }
  return text;
}

async function textOf(source: DataSource): Promise<string> {
  let text = '';
  for await (const chunk of source.read()) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  }
  return text;
}

function expectedFrom(offset: number): string {
  return content.subarray(offset).toString('utf8');
}

/** The checks every seekable source passes. */
function describeReadFrom(name: string, make: () => DataSource): void {
  describe(`${name}.readFrom`, () => {
    it('readFrom(0) yields what read() yields', async () => {
      const source = make();
      expect(await textFrom(source, 0)).toBe(await textOf(source));
    });

    it('yields the content from every line end, each call a new read', async () => {
      const source = make();
      for (const offset of [lineEnds[0], lineEnds[7], lineEnds[20], lineEnds.at(-2)]) {
        expect(await textFrom(source, offset ?? -1)).toBe(expectedFrom(offset ?? -1));
      }
      expect(await textFrom(source, lineEnds[3] ?? -1)).toBe(expectedFrom(lineEnds[3] ?? -1));
    });

    it('yields nothing at or past the end', async () => {
      const source = make();
      expect(await textFrom(source, content.length)).toBe('');
      expect(await textFrom(source, content.length + 100)).toBe('');
    });

    it('rejects a negative or non-integer offset with InvalidOptionError naming offset', () => {
      const source = make();
      for (const bad of [-1, 1.5, Number.NaN, '3' as unknown as number]) {
        let error: unknown;
        try {
          source.readFrom?.(bad);
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(InvalidOptionError);
        expect((error as InvalidOptionError).option).toBe('offset');
      }
    });
  });
}

let dir: string;
let filePath: string;
let server: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'read-from-'));
  filePath = join(dir, 'data.csv');
  await writeFile(filePath, content);
  server = await startTestServer({
    '/ranged.csv': (req, res) => {
      const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (!match) {
        res.writeHead(200, { 'Content-Length': content.length }).end(content);
        return;
      }
      const start = Number(match[1]);
      if (start >= content.length) {
        res.writeHead(416, 'Range Not Satisfiable', {
          'Content-Range': `bytes */${content.length}`,
        });
        res.end();
        return;
      }
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${content.length - 1}/${content.length}`,
        'Content-Length': content.length - start,
      });
      // Written in small pieces so ranges arrive in several chunks.
      for (let at = start; at < content.length; at += 50) {
        res.write(content.subarray(at, Math.min(at + 50, content.length)));
      }
      res.end();
    },
    '/ignores-range.csv': (_req, res) => {
      res.writeHead(200, { 'Content-Length': content.length });
      for (let at = 0; at < content.length; at += 37) res.write(content.subarray(at, at + 37));
      res.end();
    },
    '/wrong-range.csv': (_req, res) => {
      res.writeHead(206, { 'Content-Range': `bytes 0-9/${content.length}` });
      res.end(content.subarray(0, 10));
    },
    '/gone.csv': (_req, res) => {
      res.writeHead(404, 'Not Found').end('gone');
    },
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describeReadFrom('BufferSource (string)', () => new BufferSource(content.toString('utf8')));
describeReadFrom('BufferSource (Buffer)', () => new BufferSource(content));
describeReadFrom('FilePathSource', () => new FilePathSource(filePath, { highWaterMark: 16 }));
describeReadFrom('UrlSource (honours Range)', () => new UrlSource(`${server.baseUrl}/ranged.csv`));
describeReadFrom(
  'UrlSource (ignores Range)',
  () => new UrlSource(`${server.baseUrl}/ignores-range.csv`),
);

describe('UrlSource.readFrom requests', () => {
  it('asks for the range with Range: bytes=<offset>- and reports the size from Content-Range', async () => {
    const source = new UrlSource(`${server.baseUrl}/ranged.csv`);
    const offset = lineEnds[5] ?? -1;
    expect(await textFrom(source, offset)).toBe(expectedFrom(offset));
    expect(server.requests.at(-1)).toEqual({ path: '/ranged.csv', range: `bytes=${offset}-` });
    expect(source.metadata().fileSize).toBe(content.length);
  });

  it('drops the first offset bytes itself when the server answers 200 with the whole body', async () => {
    const source = new UrlSource(`${server.baseUrl}/ignores-range.csv`);
    // 37-byte network writes: the offsets fall inside, at and after the first writes.
    for (const offset of [36, 37, 38, 74, lineEnds[9] ?? -1]) {
      expect(await textFrom(source, offset)).toBe(expectedFrom(offset));
    }
  });

  it('fails a 206 for another range with a SourceError naming both ranges', async () => {
    const url = `${server.baseUrl}/wrong-range.csv`;
    const error = await textFrom(new UrlSource(url), 20).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).message).toBe(
      `UrlSource: asked ${url} for bytes 20- and got a 206 with Content-Range "bytes 0-9/${content.length}"`,
    );
  });

  it('fails another status like read(), URL redacted', async () => {
    const url = `${server.baseUrl}/gone.csv?sig=s3cr3t`;
    const shown = `${server.baseUrl}/gone.csv?sig=***`;
    const error = await textFrom(new UrlSource(url), 10).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).message).toBe(`UrlSource: HTTP 404 Not Found for ${shown}`);
    expect((error as SourceError).status).toBe(404);
  });
});

describe('StreamSource', () => {
  it('has no readFrom (a one-shot stream cannot seek)', () => {
    const source: DataSource = new StreamSource(Readable.from([content]));
    expect('readFrom' in source).toBe(false);
  });
});
