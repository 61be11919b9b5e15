// Issue 20 item 5: a resumed prepare of a remote file notices that the file changed. The first
// response's validators (ETag, Last-Modified, size) are stored with each batch's cursor; the
// resume sends If-Range and compares what the server answers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UrlSource, type DistributedStateStore } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport, runWorker, SourceMismatchError } from '../../src/index';
import { storeFactories, useTestStore } from '../support/stores';
import { usersSchema } from '../support/workers';

/** What the server serves at /users.csv, and how it behaves. */
interface RemoteFile {
  content: Buffer;
  version: number;
  /** Send ETag and Last-Modified. */
  validators: boolean;
  /** Send Content-Length / the total of Content-Range. */
  length: boolean;
  /** Honour If-Range (a server that does not always answers the range). */
  honourIfRange: boolean;
}

interface SeenRequest {
  readonly range: string | undefined;
  readonly ifRange: string | undefined;
  readonly status: number;
}

/** 100 users; `edition` changes every name (same length), `drop` leaves out the first rows. */
function users(edition: string, drop = 0): Buffer {
  const lines = ['id,email,name'];
  for (let i = drop; i < 100; i += 1) {
    lines.push(`${i},user${i}@example.com,User ${String(i).padStart(3, '0')} ${edition}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

const file: RemoteFile = {
  content: users('A'),
  version: 1,
  validators: true,
  length: true,
  honourIfRange: true,
};
const seen: SeenRequest[] = [];

function etagOf(f: RemoteFile): string {
  return `"v${f.version}"`;
}

function lastModifiedOf(f: RemoteFile): string {
  return new Date(Date.UTC(2026, 0, 1, 0, 0, f.version)).toUTCString();
}

/** Regenerates the file: new content, new validators. */
function regenerate(content: Buffer): void {
  file.content = content;
  file.version += 1;
}

function serve(req: IncomingMessage, res: ServerResponse): void {
  const body = file.content;
  const headers: Record<string, string> = { 'Content-Type': 'text/csv' };
  if (file.validators) {
    headers.ETag = etagOf(file);
    headers['Last-Modified'] = lastModifiedOf(file);
  }
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'] as string | undefined;
  let partial = range !== null;
  if (partial && ifRange !== undefined && file.honourIfRange) {
    partial = file.validators && (ifRange === etagOf(file) || ifRange === lastModifiedOf(file));
  }
  const answer = (status: number, extra: Record<string, string>, data?: Buffer) => {
    seen.push({ range: req.headers.range, ifRange, status });
    res.writeHead(status, { ...headers, ...extra });
    res.end(data);
  };
  if (!partial) {
    answer(200, file.length ? { 'Content-Length': String(body.length) } : {}, body);
    return;
  }
  const start = Number((range as RegExpExecArray)[1]);
  const total = file.length ? String(body.length) : '*';
  if (start >= body.length) {
    answer(416, { 'Content-Range': `bytes */${total}` });
    return;
  }
  answer(
    206,
    { 'Content-Range': `bytes ${start}-${body.length - 1}/${total}` },
    body.subarray(start),
  );
}

const server = createServer((req, res) => {
  if (req.url === '/users.csv') serve(req, res);
  else res.writeHead(404).end();
});
let url = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/users.csv`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A `remainingTimeMs` with time for `batches` batches, then none (a deadline at a known point). */
function deadlineAfter(batches: number): () => number {
  let calls = 0;
  return () => {
    calls += 1;
    return calls < batches ? 60_000 : 0;
  };
}

const stores = storeFactories.filter(
  (f) => f.name === 'SqliteStateStore' || f.name === 'InMemoryDistributedStateStore',
);

describe.each(stores)('resuming the prepare of a remote file on $name', (factory) => {
  const t = useTestStore(factory);
  const importer = () =>
    new DistributedImport({ schema: usersSchema, batchSize: 20, stateStore: t.store });

  afterEach(() => {
    Object.assign(file, {
      content: users('A'),
      version: 1,
      validators: true,
      length: true,
      honourIfRange: true,
    });
    seen.length = 0;
    vi.restoreAllMocks();
  });

  /** Prepares 40 of the 100 users, then stops at a deadline. */
  async function stoppedAfterTwoBatches(di: DistributedImport): Promise<string> {
    const first = await di.prepare(new UrlSource(url), new CsvParser(), {
      remainingTimeMs: deadlineAfter(2),
    });
    expect(first).toMatchObject({ totalRecords: 40, stoppedBy: 'deadline' });
    return first.jobId;
  }

  async function storedBatches(store: DistributedStateStore, jobId: string): Promise<number> {
    return (await store.listPreparedBatches!(jobId)).length;
  }

  it('goes on from the byte offset with If-Range when the file is unchanged', async () => {
    const di = importer();
    const jobId = await stoppedAfterTwoBatches(di);
    seen.length = 0;
    expect(await di.resumePrepare(jobId, new UrlSource(url), new CsvParser())).toEqual({
      jobId,
      totalRecords: 100,
      totalBatches: 5,
      // Two batches of 20 stored before: this run stored the other three.
      storedRecords: 60,
      storedBatches: 3,
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ ifRange: '"v1"', status: 206 });
    expect(seen[0]?.range).toMatch(/^bytes=[1-9]\d*-$/);
    const names: string[] = [];
    await runWorker(
      di,
      jobId,
      (record) => void names.push(`${String(record.id)} ${String(record.name)}`),
      {
        waitForOthers: false,
      },
    );
    expect(names.sort()).toEqual(
      Array.from({ length: 100 }, (_, i) => `${i} User ${String(i).padStart(3, '0')} A`).sort(),
    );
  });

  it('refuses a regenerated file of the same size (new ETag and Last-Modified), and keeps the job for the right one', async () => {
    const di = importer();
    const jobId = await stoppedAfterTwoBatches(di);
    regenerate(users('B'));
    expect(file.content.length).toBe(users('A').length);
    const error = await di.resumePrepare(jobId, new UrlSource(url), new CsvParser()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SourceMismatchError);
    const message = (error as Error).message;
    expect(message).toContain('ETag "v1" → "v2"');
    expect(message).toContain('Last-Modified');
    expect(message).toContain(url);
    // The server answered If-Range with the whole new file; nothing of it was stored.
    expect(seen.at(-1)).toMatchObject({ ifRange: '"v1"', status: 200 });
    expect(await storedBatches(t.store, jobId)).toBe(2);
    expect((await di.getStatus(jobId)).prepare?.state).toBe('stopped');
  });

  it('refuses a changed file on a server that ignores If-Range, from the validators of its 206', async () => {
    file.honourIfRange = false;
    const di = importer();
    const jobId = await stoppedAfterTwoBatches(di);
    regenerate(users('B', 3));
    await expect(di.resumePrepare(jobId, new UrlSource(url), new CsvParser())).rejects.toThrow(
      /ETag "v1" → "v2".*size \d+ → \d+ bytes/,
    );
    expect(seen.at(-1)?.status).toBe(206);
    expect(await storedBatches(t.store, jobId)).toBe(2);
  });

  it('warns once when the server sends no validator, and still notices a changed size', async () => {
    file.validators = false;
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const di = importer();
    const jobId = await stoppedAfterTwoBatches(di);
    const warnings = warn.mock.calls.filter(
      ([, options]) => options?.code === 'BATCHACTIONS_UNVERIFIABLE_SOURCE',
    );
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.[0])).toContain(url);
    expect(String(warnings[0]?.[0])).toContain('only its size is compared');
    regenerate(users('B', 3));
    await expect(di.resumePrepare(jobId, new UrlSource(url), new CsvParser())).rejects.toThrow(
      SourceMismatchError,
    );
    await expect(di.resumePrepare(jobId, new UrlSource(url), new CsvParser())).rejects.toThrow(
      /size \d+ → \d+ bytes/,
    );
    expect(await storedBatches(t.store, jobId)).toBe(2);
  });

  it('refuses a file cut shorter than the stored offset (416)', async () => {
    const di = importer();
    const jobId = await stoppedAfterTwoBatches(di);
    file.honourIfRange = false;
    file.length = false;
    regenerate(users('A').subarray(0, 100));
    await expect(di.resumePrepare(jobId, new UrlSource(url), new CsvParser())).rejects.toThrow(
      /size \d+ bytes → no byte \d+ any more \(HTTP 416\)/,
    );
    expect(seen.at(-1)?.status).toBe(416);
    expect(await storedBatches(t.store, jobId)).toBe(2);
  });
});
