import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countInvalidDemoRows, DEFAULT_DEMO_SEED, demoRows } from '../../src/cli/demo/demo-data';
import { requireBuiltCli, runCli, runCliOk } from './built-cli';

let dir: string;

beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-demo-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function summaryValue(stdout: string, label: string): number {
  const match = new RegExp(`^\\s+${label}:\\s+(\\d+)`, 'm').exec(stdout);
  if (!match?.[1]) throw new Error(`No "${label}" line in the summary:\n${stdout}`);
  return Number(match[1]);
}

describe('demo data', () => {
  it('is the same for the same seed and has about 3% invalid rows', () => {
    const first = [...demoRows(2000, 7)];
    expect([...demoRows(2000, 7)]).toEqual(first);
    expect([...demoRows(2000, 8)]).not.toEqual(first);
    const invalid = first.filter((row) => row.defect !== undefined).length;
    expect(invalid).toBe(countInvalidDemoRows(2000, 7));
    expect(invalid).toBeGreaterThan(20);
    expect(invalid).toBeLessThan(120);
    const kinds = new Set(first.map((row) => row.defect).filter((d) => d !== undefined));
    expect([...kinds].sort()).toEqual(['bad-email', 'missing-name', 'non-numeric-age']);
  });
});

describe('demo', () => {
  it('processes every generated row with 2 worker processes and reports the invalid ones', async () => {
    const store = join(dir, 'demo.sqlite');
    const run = await runCli([
      'demo',
      '--rows',
      '3000',
      '--workers',
      '2',
      '--store',
      `sqlite:${store}`,
    ]);
    expect(run.code, run.stderr).toBe(0);

    const expectedInvalid = countInvalidDemoRows(3000, DEFAULT_DEMO_SEED);
    expect(expectedInvalid).toBeGreaterThan(0);
    const processed = summaryValue(run.stdout, 'processed');
    const failed = summaryValue(run.stdout, 'failed');
    expect(processed + failed).toBe(3000);
    expect(failed).toBe(expectedInvalid);
    expect(summaryValue(run.stdout, 'invalid generated')).toBe(expectedInvalid);
    expect(run.stdout).toMatch(/job: +\S+ \(COMPLETED\)/);
    // Early open: the workers start when the job opens and process while the CSV streams in.
    expect(run.stdout).toMatch(
      /^Opened job \S+ early: starting 2 worker processes while the CSV streams into the store$/m,
    );
    expect(run.stdout).toMatch(
      /^ {2}first record: +\d+(\.\d)? (ms|s) after prepare started \(first batch written by a worker; early open\)$/m,
    );
    expect(run.stdout).toMatch(/^ {2}file to completed: +\d+(\.\d)? (ms|s), [\d,]+ records\/s$/m);
    expect(run.stdout).toMatch(/prepare: .*records\/s \(workers processing meanwhile\)/);
    expect(run.stdout).toMatch(/processing: .*records\/s \(2 worker processes\)/);
    expect(run.stdout).toMatch(/peak RSS \(parent\): +\d+\.\d MB/);
    expect(run.stdout).toMatch(/peak RSS \(workers\): +\d+\.\d MB/);

    // The first five failed rows by row number: row N is the N-th data row (1-based, the CSV
    // header not counted), as in the failed-records export of the same job.
    const invalidRows = [...demoRows(3000)]
      .map((row, index) => (row.defect === undefined ? undefined : index + 1))
      .filter((row) => row !== undefined)
      .slice(0, 5);
    const shown = [...run.stdout.matchAll(/^ {4}row (\d+): (.+)$/gm)].map((m) => Number(m[1]));
    expect(shown).toEqual(invalidRows);
    const jobId = /job: +(\S+) \(COMPLETED\)/.exec(run.stdout)?.[1] ?? '';
    const exported = await runCliOk([
      'failed',
      jobId,
      '--store',
      `sqlite:${store}`,
      '--format',
      'ndjson',
    ]);
    const exportedRows = exported
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { row: number }).row);
    expect(exportedRows.slice(0, 5)).toEqual(shown);
    // Not a terminal: plain progress lines instead of a bar.
    expect(run.stdout).toMatch(/^processing: 3000\/3000 records \(100\.0%\)/m);
    // A store the user named is kept.
    expect(existsSync(store)).toBe(true);
  });
});
