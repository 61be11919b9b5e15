import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli, runCliOk } from './built-cli';

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

/**
 * Usage errors exit 2 and print, on stderr, the problem and then one line pointing at the
 * command's --help (the full usage only on --help).
 */
async function expectUsageError(args: string[], problem: RegExp): Promise<string> {
  const run = await runCli(args, { cwd: dir });
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toMatch(problem);
  const command = ['demo', 'prepare', 'work', 'status', 'list', 'purge', 'failed'].includes(
    args[0] ?? '',
  )
    ? ` ${args[0] ?? ''}`
    : '';
  expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(
    `(run 'batchactions-distributed${command} --help' for usage)`,
  );
  expect(run.stderr).not.toContain('Usage:');
  expect(run.stdout).toBe('');
  return run.stderr;
}

describe('bad arguments exit with code 2, the problem and a one-line hint on stderr', () => {
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
    expect(stderr).toContain("(run 'batchactions-distributed demo --help' for usage)");
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

  it('an ambiguous SQLite URL, saying which forms to write', async () => {
    await expectUsageError(
      ['status', 'job-1', '--store', 'sqlite://jobs.sqlite'],
      /"sqlite:\/\/jobs.sqlite" is ambiguous.*sqlite:jobs.sqlite.*sqlite:\/\/\/absolute/,
    );
  });

  it('a malformed PostgreSQL URL, without printing its password', async () => {
    const stderr = await expectUsageError(
      ['status', 'job-1', '--store', 'postgres://app:hunter2@db:99999/jobs?password=hunter3'],
      /"postgres:\/\/app:\*\*\*@db:99999\/jobs\?\*\*\*" is not a valid PostgreSQL URL/,
    );
    expect(stderr).not.toContain('hunter');
  });

  it('a store URL from BATCHACTIONS_STORE_URL is checked the same way', async () => {
    const run = await runCli(['status', 'job-1'], {
      cwd: dir,
      env: { BATCHACTIONS_STORE_URL: 'postgres://app:hunter2@db:99999/x' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not a valid PostgreSQL URL');
    expect(run.stderr).not.toContain('hunter2');
  });

  it('a processor file that is not an ES module', async () => {
    const notModule = join(dir, 'processor.txt');
    await writeFile(notModule, 'this is not javascript');
    await expectUsageError(
      ['work', 'job-1', '--processor', notModule, '--schema', schema, '--store', 'sqlite:x.sqlite'],
      /--processor .*processor.txt: not an ES module Node.js can import/,
    );
    const broken = join(dir, 'broken.mjs');
    await writeFile(broken, 'export default function (record {\n');
    await expectUsageError(
      ['work', 'job-1', '--processor', broken, '--schema', schema, '--store', 'sqlite:x.sqlite'],
      /--processor .*broken.mjs: not an ES module Node.js can import \(.*SyntaxError|Unexpected/,
    );
  });

  it('purge with nothing to select, or a live status without --older-than', async () => {
    await expectUsageError(['purge', '--store', 'sqlite:x.sqlite'], /purge needs the job ids/);
    await expectUsageError(
      ['purge', 'job-1', '--status', 'FAILED', '--store', 'sqlite:x.sqlite'],
      /job ids or --status, not both/,
    );
    await expectUsageError(
      ['purge', '--status', 'failed,nope', '--store', 'sqlite:x.sqlite'],
      /Unknown job status "NOPE"/,
    );
    await expectUsageError(
      ['purge', '--status', 'FAILED', '--older-than', '3 weeks', '--store', 'sqlite:x.sqlite'],
      /--older-than.*whole number with a unit/,
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

  it('an unknown job is a runtime error: exit 1 and the message naming the job, no usage', async () => {
    const store = `sqlite:${join(dir, 'jobs.sqlite')}`;
    await runCliOk(['prepare', csv, '--schema', schema, '--store', store]);
    const run = await runCli(['status', 'no-such-job', '--store', store]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Job "no-such-job" was not found[^\n]*\n$/);
  });

  it('commands that only read or change jobs never create a store file', async () => {
    const missing = join(dir, 'typo.sqlite');
    for (const args of [
      ['status', 'job-1'],
      ['failed', 'job-1'],
      ['list'],
      ['pause', 'job-1'],
      ['purge', 'job-1'],
      ['work', 'job-1', '--schema', schema, '--processor', processor],
    ]) {
      const run = await runCli([...args, '--store', 'sqlite:typo.sqlite'], { cwd: dir });
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toContain(
        `Cannot open the store sqlite:typo.sqlite: no such database file ${missing}`,
      );
      expect(existsSync(missing)).toBe(false);
    }
  });
});
