import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWorkspace, requireBuiltCli, runCli, type CliWorkspace } from './built-cli';

let ws: CliWorkspace;
let broken: string;
let schema: string;

/** The file of issue 21: 1,000 rows, an unterminated quote in row 500, a stray quote in row 600. */
function brokenThousand(): string {
  const rows = ['id,name,email'];
  for (let i = 1; i <= 1000; i++) {
    if (i === 500) rows.push(`${i},"Alice Smith,a${i}@example.com`);
    else if (i === 503) rows.push(`${i},"Bob, Jr.",b${i}@example.com`);
    else if (i === 600) rows.push(`${i},Broken "quote" here,p${i}@example.com`);
    else rows.push(`${i},Person ${i},p${i}@example.com`);
  }
  return rows.join('\n') + '\n';
}

beforeAll(async () => {
  requireBuiltCli();
  ws = await cliWorkspace('cli-bad-input-', ['a@x.io']);
  broken = join(ws.dir, 'broken.csv');
  await writeFile(broken, brokenThousand());
  schema = join(ws.dir, 'people.json');
  await writeFile(
    schema,
    JSON.stringify({
      fields: [
        { name: 'id', type: 'string', required: true },
        { name: 'name', type: 'string' },
        { name: 'email', type: 'string' },
      ],
    }),
  );
});

afterAll(async () => {
  await rm(ws.dir, { recursive: true, force: true });
});

const prepare = (file: string, store: string, extra: readonly string[] = []) =>
  runCli([
    'prepare',
    file,
    '--schema',
    schema,
    '--store',
    `sqlite:${join(ws.dir, store)}`,
    ...extra,
  ]);

describe('prepare of the 1,000-row CSV with an unterminated quote in row 500', () => {
  it('default: exit 0, and a warning names lines 501-504 and the stray quote of line 601', async () => {
    const run = await prepare(broken, 'keep.sqlite');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: 2 rows look damaged');
    expect(run.stderr).toContain(
      'lines 501-504 (row 500: a quoted field swallowed the lines after it)',
    );
    expect(run.stderr).toContain('line 601 (row 597: a stray quote)');
    expect(run.stderr).toContain('Prepared 997 records');
  });

  it('--json: damagedRows in the result', async () => {
    const run = await prepare(broken, 'json.sqlite', ['--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { damagedRows: unknown };
    expect(result.damagedRows).toEqual({
      count: 2,
      rows: [
        { line: 501, endLine: 504, kind: 'swallowed-lines', record: 500 },
        { line: 601, endLine: 601, kind: 'stray-quote', record: 597 },
      ],
    });
  });

  it('--malformed-rows fail: exit non-zero naming line 501', async () => {
    const run = await prepare(broken, 'fail.sqlite', ['--malformed-rows', 'fail']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      /Invalid CSV at record 500, line 501: a quoted field spans lines 501-504/,
    );
  });

  it('--malformed-rows invalid: the warning says the rows are stored invalid', async () => {
    const run = await prepare(broken, 'invalid.sqlite', ['--malformed-rows', 'invalid']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('2 rows look damaged, stored as invalid records: lines 501-504');
  });
});

describe('prepare of a binary file', () => {
  it('the node executable given as CSV fails naming the byte offset', async () => {
    const bytes = (await readFile(process.execPath)).subarray(0, 256 * 1024);
    const file = join(ws.dir, 'program.csv');
    await writeFile(file, bytes);
    const run = await prepare(file, 'binary.sqlite');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      /the input is not text: (a NUL byte|invalid UTF-8) at byte offset \d+/,
    );
    expect(run.stderr).not.toContain('Prepared');
  });
});
