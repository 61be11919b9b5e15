import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countInvalidDemoRows } from '../../src/cli/demo/demo-data';
import { startFakePostgresServer } from '../support/fake-postgres-server';
import { createTestPool, dropSchema, testDatabaseUrl, uniqueSchemaName } from '../support/postgres';
import {
  prepareJson,
  requireBuiltCli,
  runCli,
  runCliOk,
  startCli,
  statusJson,
  workArgs,
} from './built-cli';

/** True when the schema exists on the test server. */
async function schemaExists(schema: string): Promise<boolean> {
  const pool = createTestPool(1);
  try {
    const result = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return result.rowCount === 1;
  } finally {
    await pool.end();
  }
}

/** The command lines of the child processes of `pid` (Linux /proc), as `ps` shows them. */
/** A /proc read that failed because the process exited meanwhile. */
function exitedMeanwhile(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

async function childCommandLines(pid: number | undefined): Promise<string[]> {
  if (pid === undefined) return [];
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(
    (error: unknown) => {
      // The demo may have exited between two polls.
      if (exitedMeanwhile(error)) return '';
      throw error;
    },
  );
  const lines: string[] = [];
  for (const child of children.split(' ').filter((id) => id.trim() !== '')) {
    const text = await readFile(`/proc/${child.trim()}/cmdline`, 'utf8').catch((error: unknown) => {
      // A worker that exits while its command line is read: ENOENT, or ESRCH mid-read.
      if (exitedMeanwhile(error)) return '';
      throw error;
    });
    lines.push(text.split('\0').join(' '));
  }
  return lines;
}

let dir: string;
const schemas: string[] = [];

/** A store URL for the test server, in a schema of its own (dropped after the file). */
function storeUrl(testName: string): string {
  const schema = uniqueSchemaName(`cli_${testName}`);
  schemas.push(schema);
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('schema', schema);
  return url.toString();
}

beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-pg-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const schema of schemas) await dropSchema(schema);
});

describe('postgres:// store URLs', () => {
  it('prepare → work → status, in the schema the URL names', async () => {
    const store = storeUrl('flow');
    const csv = join(dir, 'items.ndjson');
    const schema = join(dir, 'schema.json');
    const processor = join(dir, 'processor.mjs');
    const lines = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({ sku: `SKU-${i}`, qty: i % 30 === 0 ? 'lots' : i }),
    );
    await writeFile(csv, `${lines.join('\n')}\n`);
    await writeFile(
      schema,
      JSON.stringify({
        fields: [
          { name: 'sku', type: 'string', required: true },
          { name: 'qty', type: 'number', required: true },
        ],
      }),
    );
    await writeFile(processor, 'export function processor() {}\n');

    // The prepare and one worker send the store's statements as prepared statements.
    const prepared = new URL(store);
    prepared.searchParams.set('prepared_statements', 'true');
    const { jobId, totalBatches } = await prepareJson({
      file: csv,
      schema,
      store: prepared.toString(),
      batchSize: 25,
    });
    expect(totalBatches).toBe(12);

    const runs = await Promise.all(
      [
        ['a', prepared.toString()],
        ['b', store],
      ].map(([id, url]) =>
        runCli(workArgs({ jobId, store: url!, schema, processor, workerId: id!, quiet: true })),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);

    const report = await statusJson(jobId, store);
    expect(report.status).toBe('COMPLETED');
    expect(report.progress).toMatchObject({ processedRecords: 290, failedRecords: 10 });

    // The job lives in the URL's schema only: the same server without ?schema= does not know it.
    const elsewhere = new URL(store);
    elsewhere.searchParams.set('schema', uniqueSchemaName('cli_other'));
    schemas.push(elsewhere.searchParams.get('schema') ?? '');
    const otherSchema = elsewhere.searchParams.get('schema') ?? '';
    for (const args of [['status', jobId], ['list'], ['failed', jobId]]) {
      const missing = await runCli([...args, '--store', elsewhere.toString()]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`schema "${otherSchema}" holds no store`);
    }
    // Read-only commands created nothing there.
    expect(await schemaExists(otherSchema)).toBe(false);

    // list shows the job with its counts.
    const listed = JSON.parse(await runCliOk(['list', '--store', store, '--json'])) as {
      jobId: string;
      status: string;
      processedRecords: number;
      failedRecords: number;
    }[];
    expect(listed).toEqual([
      expect.objectContaining({
        jobId,
        status: 'COMPLETED',
        processedRecords: 290,
        failedRecords: 10,
        totalBatches: 12,
        completedBatches: 12,
      }),
    ]);
  });

  it('a server that asks for a password the URL lacks: exit 1 at once, naming the store', async () => {
    const server = await startFakePostgresServer('requires-password');
    try {
      // The fake server never closes a connection: if the CLI kept its socket, it could not exit
      // and this run would never end.
      const run = await runCli([
        'list',
        '--store',
        `postgres://reader@127.0.0.1:${server.port}/jobs`,
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `Cannot open the store postgres://reader@127.0.0.1:${server.port}/jobs: the server requires a password`,
      );
      expect(run.stderr).toContain('PGPASSWORD');
      expect(server.accepted).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('a server that never answers: exit 1 after the connect timeout, naming the store', async () => {
    const server = await startFakePostgresServer('silent');
    try {
      const url = `postgres://reader:hunter2@127.0.0.1:${server.port}/jobs?connect_timeout=1`;
      const run = await runCli(['status', 'job-1', '--store', url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `Cannot open the store postgres://reader:***@127.0.0.1:${server.port}/jobs?connect_timeout=***: no connection within 1 s`,
      );
      expect(run.stderr).not.toContain('hunter2');
    } finally {
      await server.close();
    }
  });

  it('demo runs its worker processes against the same PostgreSQL store', async () => {
    const run = await runCli([
      'demo',
      '--rows',
      '2000',
      '--workers',
      '2',
      '--batch-size',
      '200',
      '--store',
      storeUrl('demo'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^ +failed: +${countInvalidDemoRows(2000)}$`, 'm'));
    expect(run.stdout).toMatch(/\(COMPLETED\)/);
    // The password never reaches the output.
    const password = new URL(testDatabaseUrl()).password;
    if (password !== '') expect(run.stdout).not.toContain(password);
  });

  it("demo keeps the store URL's password off its workers' command lines", async () => {
    // A password the server ignores (trust authentication) or checks: either way it must not
    // show in `ps`, where every user of the machine can read command lines.
    const url = new URL(storeUrl('demo_secret'));
    if (url.password === '') url.password = 'not-on-a-command-line';
    const secret = url.password;
    const demo = startCli(['demo', '--rows', '20000', '--workers', '2', '--store', url.toString()]);
    const workerCommandLines = new Set<string>();
    const demoPid = demo.child.pid;
    const state = { finished: false };
    void demo.done.then(() => {
      state.finished = true;
    });
    while (!state.finished) {
      for (const line of await childCommandLines(demoPid)) workerCommandLines.add(line);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const run = await demo.done;
    expect(run.code, run.stderr).toBe(0);
    const workers = [...workerCommandLines].filter((line) => line.includes(' work '));
    expect(workers.length).toBeGreaterThan(0);
    for (const line of workers) expect(line).not.toContain(secret);
    expect(run.stdout + run.stderr).not.toContain(secret);
  });
});
