import { spawn } from 'node:child_process';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobStatus } from '@batchactions/core';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { STORE_URL_FORMS } from '../../src/cli/store-url';
import {
  CLI_PATH,
  fileCliWorkspace,
  runCli,
  runCliOk,
  statusJson,
  workArgs,
  type CliRun,
} from './built-cli';

const ws = await fileCliWorkspace('cli-input-edges-', ['a@x.io', 'b@x.io', 'c@x.io']);

/** The jobs of a SQLite store file, read through the store itself. */
async function storedJobs(storeUrl: string): Promise<{ jobId: string; status: JobStatus }[]> {
  const store = new SqliteStateStore({ filename: storeUrl.slice('sqlite:'.length) });
  await store.initialize();
  try {
    return (await store.listJobs()).map(({ jobId, status }) => ({ jobId, status }));
  } finally {
    await store.close();
  }
}

const prepareArgs = (file: string, store: string, extra: readonly string[] = []) => [
  'prepare',
  file,
  '--schema',
  ws.schema,
  '--store',
  store,
  ...extra,
];

describe('prepare of a file with no record', () => {
  it.each([
    ['an empty file', ''],
    ['a header-only file', 'id,email\n'],
  ])('%s: a job COMPLETED at once, said in one line, exit 0', async (_what, text) => {
    const file = join(ws.dir, `empty-${String(text.length)}.csv`);
    await writeFile(file, text);
    const store = `sqlite:${join(ws.dir, `empty-${String(text.length)}.sqlite`)}`;
    const run = await runCli(prepareArgs(file, store));
    expect(run.code, run.stderr).toBe(0);
    const jobId = run.stdout.trim();
    expect(run.stderr).toBe(
      `Prepared 0 records (csv): the file holds no record (it is empty or has only a header); ` +
        `job ${jobId} is COMPLETED, nothing to process\n`,
    );
    expect(await storedJobs(store)).toEqual([{ jobId, status: JobStatus.COMPLETED }]);
    expect((await statusJson(jobId, store)).status).toBe('COMPLETED');
    const worker = await runCli(
      workArgs({ jobId, store, schema: ws.schema, processor: ws.processor }),
    );
    expect(worker.code, worker.stderr).toBe(0);
  });
});

describe('prepare of a file that has a job in the store already', () => {
  it('warns about a job of the same file, and refuses with --once (exit 4)', async () => {
    const store = `sqlite:${join(ws.dir, 'same-file.sqlite')}`;
    const first = await runCli(prepareArgs(ws.csv, store));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(/warning/);
    const firstId = first.stdout.trim();

    const second = await runCli(prepareArgs(ws.csv, store));
    expect(second.code, second.stderr).toBe(0);
    const secondId = second.stdout.trim();
    expect(second.stderr).toMatch(
      new RegExp(
        `^warning: job ${firstId} from the same file \\(users\\.csv, \\d+ bytes, modified [0-9T:.-]+Z\\) ` +
          'is PROCESSING in the store; preparing another job \\(prepare --once refuses instead\\)\\n',
      ),
    );

    const refused = await runCli(prepareArgs(ws.csv, store, ['--once']));
    expect(refused.code).toBe(4);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^error: job [0-9a-f-]{36} from the same file \(users\.csv, .*\) is PROCESSING in the store; --once: not preparing another\n$/,
    );
    expect((await storedJobs(store)).map((j) => j.jobId).sort()).toEqual(
      [firstId, secondId].sort(),
    );

    // Once those jobs ended, --once prepares the file again.
    for (const jobId of [firstId, secondId]) await runCliOk(['cancel', jobId, '--store', store]);
    const once = await runCli(prepareArgs(ws.csv, store, ['--once']));
    expect(once.code, once.stderr).toBe(0);
    expect(once.stderr).not.toMatch(/warning/);
    const onceId = once.stdout.trim();
    expect(onceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-000000000001$/);
    expect(await storedJobs(store)).toContainEqual({ jobId: onceId, status: JobStatus.PROCESSING });
    expect(await runCli(prepareArgs(ws.csv, store, ['--once']))).toMatchObject({ code: 4 });
  });

  it('two `prepare --once` of one file at once: one job, the other run refuses (exit 4)', async () => {
    // Whichever way the two runs interleave, the second either sees the first's job in the list
    // or computes the same id and finds it created (createJobIfAbsent).
    const store = `sqlite:${join(ws.dir, 'once-race.sqlite')}`;
    // The store exists first (made by a prepare of another file), as in a running system.
    const other = join(ws.dir, 'other.csv');
    await writeFile(other, 'id,email\n1,a@x.io\n');
    const otherJob = (await runCliOk(prepareArgs(other, store))).trim();
    const runs = await Promise.all([
      runCli(prepareArgs(ws.csv, store, ['--once'])),
      runCli(prepareArgs(ws.csv, store, ['--once'])),
    ]);
    expect(runs.map((r) => r.code).sort()).toEqual([0, 4]);
    const winner = runs.find((r) => r.code === 0)?.stdout.trim();
    const jobs = (await storedJobs(store)).map((j) => j.jobId).sort();
    expect(jobs).toEqual([otherJob, winner].sort());
  });

  it('another modification time is another file: no warning', async () => {
    const store = `sqlite:${join(ws.dir, 'touched.sqlite')}`;
    const file = join(ws.dir, 'touched.csv');
    await writeFile(file, 'id,email\n1,a@x.io\n');
    await utimes(file, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    await runCliOk(prepareArgs(file, store));
    await utimes(file, new Date('2026-01-02T00:00:00Z'), new Date('2026-01-02T00:00:00Z'));
    const again = await runCli(prepareArgs(file, store, ['--once']));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/warning|error/);
    expect(await storedJobs(store)).toHaveLength(2);
  });

  it('--once is refused with --resume (exit 2)', async () => {
    const run = await runCli(
      prepareArgs(ws.csv, `sqlite:${join(ws.dir, 'x.sqlite')}`, ['--once', '--resume', 'j']),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: --once applies to a new job, not to --resume\n/);
  });
});

/** Runs the CLI with its standard output closed before it writes anything. */
function runWithClosedStdout(args: readonly string[]): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout: '', stderr });
    });
  });
}

describe('output to a closed pipe', () => {
  let store: string;
  let jobId: string;
  let bigJob: string;
  let workJob: string;

  beforeAll(async () => {
    store = `sqlite:${join(ws.dir, 'pipes.sqlite')}`;
    jobId = (await runCliOk(prepareArgs(ws.csv, store))).trim();
    workJob = (await runCliOk(prepareArgs(ws.csv, store))).trim();
    // 3,000 invalid rows: the failed export is far larger than a pipe's buffer.
    const file = join(ws.dir, 'bad.csv');
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `${String(i + 1)},not-an-email-${String(i)}`,
    );
    await writeFile(file, `id,email\n${rows.join('\n')}\n`);
    bigJob = (await runCliOk(prepareArgs(file, store, ['--batch-size', '500']))).trim();
    await runCliOk(workArgs({ jobId: bigJob, store, schema: ws.schema, processor: ws.processor }));
  });

  it('every command ends quietly with exit 0 when its standard output is closed', async () => {
    const commands: string[][] = [
      ['--help'],
      ['--version'],
      ['prepare', '--help'],
      prepareArgs(ws.csv, store),
      ['status', jobId, '--store', store],
      ['list', '--store', store],
      ['failed', bigJob, '--store', store],
      ['pause', jobId, '--store', store],
      ['resume', jobId, '--store', store],
      workArgs({ jobId: workJob, store, schema: ws.schema, processor: ws.processor }),
      ['cancel', jobId, '--store', store],
      ['purge', jobId, '--store', store, '--dry-run'],
      ['demo', '--rows', '200', '--workers', '1', '--batch-size', '100'],
    ];
    for (const args of commands) {
      const run = await runWithClosedStdout(args);
      expect({ args, code: run.code }).toEqual({ args, code: 0 });
      expect(run.stderr, args.join(' ')).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
    }
  });

  it('`failed <job> | head -n 1` prints one row and the CLI exits 0', async () => {
    const shell = spawn(
      'bash',
      [
        '-c',
        `set -o pipefail; "${process.execPath}" "${CLI_PATH}" failed "$1" --store "$2" | head -n 1`,
        'sh',
        bigJob,
        store,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    shell.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    shell.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const code = await new Promise<number | null>((resolve) => shell.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n')).toHaveLength(2);
  });
});

describe('store URL passwords in messages', () => {
  const PASSWORDS = [
    'se/cr3t',
    'se#cr3t',
    'se?cr3t',
    'se@cr3t',
    'se%cr3t',
    '12/cr3t',
    '12#cr3t',
    '12?cr3t',
  ];

  it.each(PASSWORDS)('an unencoded password %s is never printed', async (password) => {
    const url = `postgres://app:${password}@127.0.0.1:1/db?connect_timeout=2`;
    for (const run of [
      await runCli(['list', '--store', url]),
      await runCli(['status', 'some-job'], { env: { BATCHACTIONS_STORE_URL: url } }),
      await runCli(prepareArgs(ws.csv, url)),
    ]) {
      expect(run.code).not.toBe(0);
      expect(run.stderr).not.toContain('cr3t');
      expect(run.stderr).not.toContain(password);
      expect(run.stderr).toMatch(/postgres:\/\/app:\*\*\*@/);
    }
  });

  it('the hints show the accepted URL forms as written', async () => {
    for (const url of ['mysql://app:hunter2@db/x', 'postgres:///db', 'jobs.sqlite']) {
      const run = await runCli(['list', '--store', url]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`use ${STORE_URL_FORMS}.`);
      expect(run.stderr).not.toContain('hunter2');
    }
  });
});

describe('schema files with unknown keys', () => {
  it.each([
    [
      { fields: [{ name: 'id', type: 'number', requird: true }] },
      'unknown key "requird" at fields[0].requird (field "id"); the nearest known key is "required"',
    ],
    [
      { fields: [{ name: 'id', type: 'number' }], skipEmptyRow: true },
      'unknown key "skipEmptyRow" at skipEmptyRow; the nearest known key is "skipEmptyRows"',
    ],
    [
      {
        fields: [
          { name: 'id', type: 'number' },
          { name: 'e', type: 'email', alias: ['mail'] },
        ],
      },
      'unknown key "alias" at fields[1].alias (field "e"); the nearest known key is "aliases"',
    ],
  ])('is refused with the key, its path and the nearest known key', async (schema, message) => {
    const file = join(ws.dir, 'typo.json');
    await writeFile(file, JSON.stringify(schema));
    const run = await runCli([
      'prepare',
      ws.csv,
      '--schema',
      file,
      '--store',
      `sqlite:${join(ws.dir, 'typo.sqlite')}`,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: --schema ${file}: ${message}`);
  });
});
