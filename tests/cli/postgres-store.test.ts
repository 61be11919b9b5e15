import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countInvalidDemoRows } from '../../src/cli/demo/demo-data';
import { dropSchema, testDatabaseUrl, uniqueSchemaName } from '../support/postgres';
import { prepareJson, requireBuiltCli, runCli, statusJson, workArgs } from './built-cli';

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

    const { jobId, totalBatches } = await prepareJson({ file: csv, schema, store, batchSize: 25 });
    expect(totalBatches).toBe(12);

    const runs = await Promise.all(
      ['a', 'b'].map((id) =>
        runCli(workArgs({ jobId, store, schema, processor, workerId: id, quiet: true })),
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
    const missing = await runCli(['status', jobId, '--store', elsewhere.toString()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Job "${jobId}" was not found`);
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
});
