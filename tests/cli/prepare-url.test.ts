import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareJson, requireBuiltCli, runCli, statusJson } from './built-cli';

let dir: string;
let schema: string;
let store: string;
let server: Server;
let base: string;

beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-url-'));
  schema = join(dir, 'schema.json');
  store = `sqlite:${join(dir, 'state.sqlite')}`;
  await writeFile(
    schema,
    JSON.stringify({ fields: [{ name: 'id', type: 'number', required: true }] }),
  );
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/exports/ids.csv') {
      response.writeHead(200, { 'Content-Type': 'text/csv' });
      response.end(`id\n${Array.from({ length: 25 }, (_, i) => i + 1).join('\n')}\n`);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  await rm(dir, { recursive: true, force: true });
});

describe('prepare <http(s) URL>', () => {
  it('reads the file over HTTP, telling its format from the path (not the query)', async () => {
    const prepared = await prepareJson({
      file: `${base}/exports/ids.csv?X-Amz-Signature=abc123`,
      schema,
      store,
      batchSize: 10,
    });
    expect(prepared).toMatchObject({ totalRecords: 25, totalBatches: 3 });
    expect((await statusJson(prepared.jobId, store)).status).toBe('PROCESSING');
  });

  it('names a URL that fails without its query values', async () => {
    const run = await runCli([
      'prepare',
      `${base}/missing.csv?X-Amz-Signature=topsecret`,
      '--schema',
      schema,
      '--store',
      store,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `UrlSource: HTTP 404 Not Found for ${base}/missing.csv?X-Amz-Signature=***`,
    );
    expect(run.stderr).not.toContain('topsecret');
  });
});
