import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli } from './built-cli';

let dir: string;
let csv: string;
let schema: string;
let processor: string;

beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-usage-'));
  csv = join(dir, 'users.csv');
  schema = join(dir, 'schema.json');
  processor = join(dir, 'processor.mjs');
  await writeFile(csv, 'id,email\n1,a@example.com\n');
  await writeFile(
    schema,
    JSON.stringify({
      fields: [
        { name: 'id', type: 'number' },
        { name: 'email', type: 'email' },
      ],
    }),
  );
  await writeFile(processor, 'export default function () {}\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Usage errors exit 2, name the problem, and show the usage, all on stderr. */
async function expectUsageError(args: string[], problem: RegExp): Promise<string> {
  const run = await runCli(args, { cwd: dir });
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toMatch(problem);
  expect(run.stderr).toContain('Usage: batchactions-distributed');
  expect(run.stdout).toBe('');
  return run.stderr;
}

describe('bad arguments exit with code 2, the problem and the usage on stderr', () => {
  it('no command at all', async () => {
    await expectUsageError([], /missing command/);
  });

  it('an unknown command', async () => {
    await expectUsageError(['frobnicate'], /unknown command 'frobnicate'/);
  });

  it('an unknown option', async () => {
    await expectUsageError(['demo', '--turbo'], /unknown option '--turbo'/);
  });

  it('a non-integer number', async () => {
    const stderr = await expectUsageError(['demo', '--rows', '12x'], /--rows/);
    expect(stderr).toContain('"12x"');
    expect(stderr).toContain('Usage: batchactions-distributed demo');
  });

  it('a number below the minimum', async () => {
    await expectUsageError(['demo', '--workers', '0'], /--workers.*integer >= 1/);
  });

  it('a missing required option', async () => {
    await expectUsageError(
      ['prepare', csv, '--store', 'sqlite:x.sqlite'],
      /required option '--schema <file>' not specified/,
    );
  });

  it('a missing argument', async () => {
    await expectUsageError(
      ['status', '--store', 'sqlite:x.sqlite'],
      /missing required argument 'jobId'/,
    );
  });

  it('an unreadable input file', async () => {
    await expectUsageError(
      ['prepare', 'nope.csv', '--schema', schema, '--store', 'sqlite:x.sqlite'],
      /Cannot read file "nope.csv": no such file/,
    );
  });

  it('an unreadable processor module', async () => {
    await expectUsageError(
      [
        'work',
        'job-1',
        '--processor',
        'missing.mjs',
        '--schema',
        schema,
        '--store',
        'sqlite:x.sqlite',
      ],
      /--processor.*Cannot read file "missing.mjs"/,
    );
  });

  it('a store URL with an unknown scheme', async () => {
    await expectUsageError(
      ['status', 'job-1', '--store', 'mysql://localhost/db'],
      /unknown scheme "mysql:"/,
    );
  });

  it('a store URL without a scheme', async () => {
    await expectUsageError(
      ['status', 'job-1', '--store', 'jobs.sqlite'],
      /"jobs.sqlite" has no scheme/,
    );
  });

  it('a format that is not one of the choices', async () => {
    await expectUsageError(
      ['prepare', csv, '--schema', schema, '--store', 'sqlite:x.sqlite', '--format', 'yaml'],
      /--format.*yaml.*csv, json, ndjson, xml/s,
    );
  });

  it('a file whose format the extension does not tell', async () => {
    const data = join(dir, 'users.data');
    await writeFile(data, 'id\n1\n');
    await expectUsageError(
      ['prepare', data, '--schema', schema, '--store', 'sqlite:x.sqlite'],
      /Cannot tell the format of ".*users.data".*--format/,
    );
  });

  it('a schema file that is not JSON', async () => {
    const bad = join(dir, 'bad-schema.json');
    await writeFile(bad, '{ fields: ');
    await expectUsageError(
      ['prepare', csv, '--schema', bad, '--store', 'sqlite:x.sqlite'],
      /--schema .*bad-schema.json: not valid JSON/,
    );
  });

  it('a schema with an unknown field type', async () => {
    const bad = join(dir, 'typo-schema.json');
    await writeFile(bad, JSON.stringify({ fields: [{ name: 'id', type: 'integer' }] }));
    await expectUsageError(
      ['prepare', csv, '--schema', bad, '--store', 'sqlite:x.sqlite'],
      /typo-schema.json: .*schema.fields\[0\].*type/,
    );
  });
});

describe('help and runtime errors', () => {
  it('--help exits 0 and lists the commands', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['demo', 'prepare', 'work', 'status'])
      expect(run.stdout).toContain(command);
  });

  it('an unknown job is a runtime error: exit 1 and the message, no usage', async () => {
    const run = await runCli([
      'status',
      'no-such-job',
      '--store',
      `sqlite:${join(dir, 'empty.sqlite')}`,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Job "no-such-job" was not found');
    expect(run.stderr).not.toContain('Usage:');
  });
});
