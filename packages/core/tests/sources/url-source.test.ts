import {
  InvalidOptionError,
  redactUrl,
  SourceChangedError,
  SourceError,
  UrlSource,
} from '@batchactions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pause, startTestServer, type TestServer } from './http-test-server';
import { readBytes, readChunks, readText } from './read-all';

const parts = ['id,email\n', '1,ann@example.com\n', '2,bob@example.com\n'];
const whole = parts.join('');

async function errorOf(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

describe('UrlSource', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      '/data/users.csv': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8' });
        void (async () => {
          for (const part of parts) {
            res.write(part);
            await pause(30);
          }
          res.end();
        })();
      },
      '/ranged.csv': (req, res) => {
        const match = /^bytes=0-(\d+)$/.exec(req.headers.range ?? '');
        if (!match) {
          res.writeHead(200).end(whole);
          return;
        }
        const end = Number(match[1]);
        res.writeHead(206, { 'Content-Range': `bytes 0-${end}/${whole.length}` });
        res.end(whole.slice(0, end + 1));
      },
      '/no-range.csv': (_req, res) => {
        res.writeHead(200, { 'Content-Length': Buffer.byteLength(whole) }).end(whole);
      },
      '/versioned.csv': (req, res) => {
        const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        const headers = { ETag: '"v2"', 'Last-Modified': 'Thu, 01 Jan 2026 00:00:02 GMT' };
        if (range === null || req.headers['if-range'] !== '"v2"') {
          res.writeHead(200, { ...headers, 'Content-Length': Buffer.byteLength(whole) }).end(whole);
          return;
        }
        const start = Number(range[1]);
        res.writeHead(206, {
          ...headers,
          'Content-Range': `bytes ${start}-${Buffer.byteLength(whole) - 1}/${Buffer.byteLength(whole)}`,
        });
        res.end(Buffer.from(whole).subarray(start));
      },
      '/empty.csv': (req, res) => {
        if (req.headers.range) res.writeHead(416, 'Range Not Satisfiable').end();
        else res.writeHead(200).end();
      },
      '/silent.csv': () => {
        // Never answers.
      },
      '/stalls.csv': (_req, res) => {
        res.writeHead(200);
        res.write('id,email\n');
      },
      '/aborted.csv': (req, res) => {
        res.writeHead(200);
        res.write('id,email\n1,ann@');
        void pause(30).then(() => req.socket.destroy());
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('streams the body in several Buffers and restarts on every read()', async () => {
    const source = new UrlSource(`${server.baseUrl}/data/users.csv`);
    const chunks = await readChunks(source);
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).toString()).toBe(whole);
    expect((await readBytes(source)).toString()).toBe(whole);
  });

  it('takes metadata from the URL, then from the response', async () => {
    const source = new UrlSource(`${server.baseUrl}/data/users.csv?token=1`);
    expect(source.metadata()).toEqual({ fileName: 'users.csv', mimeType: 'text/csv' });
    expect(new UrlSource(`${server.baseUrl}/`).metadata()).toEqual({
      fileName: 'remote-file',
      mimeType: 'text/plain',
    });
    expect(new UrlSource(`${server.baseUrl}/a%20b.tsv`).metadata()).toEqual({
      fileName: 'a b.tsv',
      mimeType: 'text/tab-separated-values',
    });
    expect(
      new UrlSource(`${server.baseUrl}/x`, { fileName: 'f.csv', mimeType: 'a/b' }).metadata(),
    ).toEqual({ fileName: 'f.csv', mimeType: 'a/b' });
    const sized = new UrlSource(`${server.baseUrl}/no-range.csv`);
    await readBytes(sized);
    expect(sized.metadata().fileSize).toBe(Buffer.byteLength(whole));
  });

  it('fails a 404 with a SourceError naming the URL and the status', async () => {
    const url = `${server.baseUrl}/nope.csv`;
    const error = await errorOf(readBytes(new UrlSource(url)));
    expect(error.message).toBe(`UrlSource: HTTP 404 Not Found for ${url}`);
    expect(error.status).toBe(404);
    expect(error.location).toBe(url);
  });

  it('names a failing URL without its password and query values (pre-signed tokens)', async () => {
    const url = `${server.baseUrl}/nope.csv?X-Amz-Signature=deadbeef&X-Amz-Expires=60#part`;
    const error = await errorOf(readBytes(new UrlSource(url)));
    const shown = `${server.baseUrl}/nope.csv?X-Amz-Signature=***&X-Amz-Expires=***`;
    expect(error.message).toBe(`UrlSource: HTTP 404 Not Found for ${shown}`);
    expect(error.location).toBe(shown);
    // fetch refuses credentials in a URL and quotes the URL: the quote is redacted too.
    const base = new URL(server.baseUrl);
    const withPassword = `http://reader:pa55word@${base.host}/users.csv?sig=deadbeef`;
    const refused = await errorOf(readBytes(new UrlSource(withPassword)));
    expect(refused.message).toContain(
      `GET http://reader:***@${base.host}/users.csv?sig=*** failed`,
    );
    expect(`${refused.message} ${refused.location}`).not.toMatch(/pa55word|deadbeef/);
  });

  it('accepts a malformed URL as published, and fails reading it without printing its secrets', async () => {
    const source = new UrlSource('https://u:hunter2@exa mple.com/a.csv?sig=s3cr3t');
    expect(source.metadata()).toEqual({ fileName: 'remote-file', mimeType: 'text/plain' });
    const error = await errorOf(readBytes(source));
    expect(error.message).toContain('https://u:***@exa mple.com/a.csv?***');
    expect(error.message).toContain('not an absolute http:// or https:// URL');
    expect(`${error.message} ${error.location}`).not.toMatch(/hunter2|s3cr3t/);
    expect(error.cause).toBeInstanceOf(InvalidOptionError);
    const ftp = new UrlSource('ftp://u:hunter2@example.com/a.csv?sig=s3cr3t');
    expect(ftp.metadata()).toEqual({ fileName: 'a.csv', mimeType: 'text/csv' });
    const refused = await errorOf(ftp.sample());
    expect(refused.message).toContain('ftp://u:***@example.com/a.csv?sig=***');
    await errorOf(readText(ftp.readFrom(3)));
  });

  it('times out when the server never answers', async () => {
    const url = `${server.baseUrl}/silent.csv`;
    const error = await errorOf(readBytes(new UrlSource(url, { timeoutMs: 200 })));
    expect(error.message).toBe(`GET ${url} timed out after 200 ms waiting for the response`);
  });

  it('times out when the body stops arriving', async () => {
    const url = `${server.baseUrl}/stalls.csv`;
    const received: string[] = [];
    const read = (async () => {
      for await (const chunk of new UrlSource(url, { timeoutMs: 200 }).read()) {
        received.push(chunk);
      }
    })();
    const error = await errorOf(read);
    expect(received.join('')).toBe('id,email\n');
    expect(error.message).toContain(`GET ${url} timed out after 200 ms`);
    expect(error.message).toContain('body');
  });

  it('fails a body cut off mid-stream with a SourceError naming the URL', async () => {
    const url = `${server.baseUrl}/aborted.csv`;
    const error = await errorOf(readBytes(new UrlSource(url)));
    expect(error.message).toContain(`GET ${url} failed: response body ended early (aborted)`);
    expect(error.cause).toBeDefined();
  });

  it('fails an unreachable host with a SourceError naming the URL', async () => {
    const closed = await startTestServer({});
    const url = `${closed.baseUrl}/x.csv`;
    await closed.close();
    const error = await errorOf(readBytes(new UrlSource(url)));
    expect(error.message).toContain(`GET ${url} failed`);
  });

  it('yields strings, decoding characters split between network chunks', async () => {
    const bytes = Buffer.from('naïve €', 'utf8');
    const source = new UrlSource('https://example.test/u.txt', {
      fetch: () =>
        Promise.resolve(
          new Response(
            new ReadableStream<Uint8Array>({
              start(controller) {
                for (const b of bytes) controller.enqueue(new Uint8Array([b]));
                controller.close();
              },
            }),
          ),
        ),
    });
    const chunks: string[] = [];
    for await (const chunk of source.read()) chunks.push(chunk);
    expect(chunks.every((c) => typeof c === 'string')).toBe(true);
    expect(chunks.join('')).toBe('naïve €');
  });

  it('samples with a Range header', async () => {
    const url = `${server.baseUrl}/ranged.csv`;
    const sample = await new UrlSource(url).sample(12);
    expect(sample).toBe(whole.slice(0, 12));
    expect(server.requests.at(-1)).toEqual({ path: '/ranged.csv', range: 'bytes=0-11' });
  });

  it('truncates the sample when the server ignores Range', async () => {
    const sample = await new UrlSource(`${server.baseUrl}/no-range.csv`).sample(5);
    expect(sample).toBe(whole.slice(0, 5));
  });

  it('samples an empty resource (416) as no bytes', async () => {
    expect((await new UrlSource(`${server.baseUrl}/empty.csv`).sample()).length).toBe(0);
  });

  it('sends the configured headers and uses the given fetch', async () => {
    const seen: Headers[] = [];
    const source = new UrlSource('https://example.test/a.data', {
      headers: { Authorization: 'Bearer t' },
      fetch: (_input, init) => {
        seen.push(new Headers(init?.headers));
        return Promise.resolve(new Response('[1]', { headers: { 'Content-Type': 'text/csv' } }));
      },
    });
    expect(source.metadata().mimeType).toBe('text/plain');
    expect((await readBytes(source)).toString()).toBe('[1]');
    expect(seen[0]?.get('authorization')).toBe('Bearer t');
    // An unknown extension: the response's Content-Type, once known.
    expect(source.metadata().mimeType).toBe('text/csv');
  });

  it('reports the version of the last response, and refuses to go on from a changed one', async () => {
    const url = `${server.baseUrl}/versioned.csv`;
    const source = new UrlSource(url);
    expect(source.version()).toBeUndefined();
    await readBytes(source);
    const version = source.version();
    expect(version).toEqual({
      location: url,
      etag: '"v2"',
      lastModified: 'Thu, 01 Jan 2026 00:00:02 GMT',
      size: Buffer.byteLength(whole),
    });
    // Same version: a 206 for the rest, asked with If-Range.
    expect(await readText(source.readFrom(9, { expect: version }))).toBe(whole.slice(9));
    // Another ETag: the server sends the whole file (If-Range failed); nothing is yielded.
    const old = { ...version, etag: '"v1"', lastModified: 'Thu, 01 Jan 2026 00:00:01 GMT' };
    const error = await readText(source.readFrom(9, { expect: old })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SourceChangedError);
    expect((error as SourceChangedError).code).toBe('SOURCE_CHANGED');
    expect((error as SourceChangedError).changes).toEqual([
      'ETag "v1" → "v2"',
      'Last-Modified Thu, 01 Jan 2026 00:00:01 GMT → Thu, 01 Jan 2026 00:00:02 GMT',
    ]);
    const resized = readText(source.readFrom(0, { expect: { size: 5 } }));
    await expect(resized).rejects.toThrow(`size 5 → ${Buffer.byteLength(whole)} bytes`);
  });

  it('reads a response without a body stream through its text(), as published', async () => {
    const bodiless = (text: string) =>
      new UrlSource('https://example.test/a.csv', {
        // A hand-written fetch: no body stream, no headers, only what the published source read.
        fetch: () =>
          Promise.resolve({
            ok: true,
            status: 200,
            statusText: 'OK',
            body: null,
            text: () => Promise.resolve(text),
          } as unknown as Response),
      });
    expect((await readBytes(bodiless('id\n1\n'))).toString()).toBe('id\n1\n');
    expect(await bodiless('id\n1\n').sample()).toBe('id\n1\n');
    expect(await bodiless('id\n1\n').sample(2)).toBe('id');
    expect(await bodiless('').sample()).toBe('');
  });

  it('rejects bad options at construction', () => {
    expect(() => new UrlSource(undefined as never)).toThrow(InvalidOptionError);
    expect(() => new UrlSource('https://example.com/a.csv', { timeout: 0 })).toThrow(/timeout/);
    expect(() => new UrlSource('https://example.com/a.csv', { timeoutMs: -1 })).toThrow(/timeout/);
  });
});

describe('redactUrl', () => {
  it('hides the password and every query value, keeps the rest, drops the fragment', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/jobs?schema=imports&password=p#x')).toBe(
      'postgres://app:***@db:5432/jobs?schema=***&password=***',
    );
    expect(redactUrl('https://example.com/a.csv')).toBe('https://example.com/a.csv');
    expect(redactUrl('postgres://app@db/jobs')).toBe('postgres://app@db/jobs');
  });

  it('redacts text that is not a parsable URL as far as its shape allows', () => {
    expect(redactUrl('postgres://app:p@ss word@db:5432/jobs')).toBe(
      'postgres://app:***@db:5432/jobs',
    );
    expect(redactUrl('postgres://app:pw@db:99999/jobs?password=x')).toBe(
      'postgres://app:***@db:99999/jobs?***',
    );
    expect(redactUrl('not a url')).toBe('not a url');
  });

  it('hides an unencoded password whatever it holds: / # ? @ % (and a leading number)', () => {
    for (const password of ['a/b', 'a#b', 'a?b', 'a@b', 'a%zz', '12/b', '12#b', '12?b', 'x@y/z']) {
      expect(redactUrl(`postgres://app:${password}@db:5432/jobs?sslmode=require`)).toBe(
        'postgres://app:***@db:5432/jobs?sslmode=***',
      );
    }
    // An "@" in a query value is not a password's end.
    expect(redactUrl('postgres://app:pw@db/jobs?application_name=a@b')).toBe(
      'postgres://app:***@db/jobs?application_name=***',
    );
  });
});
