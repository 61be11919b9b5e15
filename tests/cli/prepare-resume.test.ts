import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, testDatabaseUrl, uniqueSchemaName } from '../support/postgres';
import {
  requireBuiltCli,
  runCli,
  runCliOk,
  startCli,
  statusJson,
  workArgs,
  type PreparedJson,
} from './built-cli';
import { startGatedHttpServer, type GatedHttpServer } from './gated-http-server';

/** Rows of the test file, in batches of `BATCH`: 30 batches. */
const ROWS = 3000;
const BATCH = 100;
/** A slow source sends this many rows, then holds the rest until the test releases it. */
const HELD_ROWS = 1050;
const JOB_ID = /^[0-9a-f-]{36}\n$/;

/** Appends each record's id to a file of its own process, so the test counts who did what. */
const PROCESSOR = `
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
const out = join(process.env.IDS_DIR ?? '.', 'ids-' + process.pid + '.txt');
export default function processor(record) {
  appendFileSync(out, record.id + '\\n');
}
`;

const csvLine = (id: number, domain: string): string => `${id},user${id}@${domain}\n`;

/** The CSV of `rows` users; `domain` changes the bytes (another file of the same rows). */
function usersCsv(rows: number, domain = 'example.com'): string {
  let text = 'id,email\n';
  for (let id = 1; id <= rows; id += 1) text += csvLine(id, domain);
  return text;
}

let dir: string;
let csv: string;
let otherCsv: string;
let schema: string;
let processor: string;
const schemas: string[] = [];
const servers: GatedHttpServer[] = [];

beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-resume-'));
  csv = join(dir, 'users.csv');
  otherCsv = join(dir, 'other-users.csv');
  schema = join(dir, 'schema.json');
  processor = join(dir, 'processor.mjs');
  await writeFile(csv, usersCsv(ROWS));
  await writeFile(otherCsv, usersCsv(ROWS, 'other.example.org'));
  await writeFile(
    schema,
    JSON.stringify({
      fields: [
        { name: 'id', type: 'number', required: true },
        { name: 'email', type: 'email', required: true },
      ],
    }),
  );
  await writeFile(processor, PROCESSOR);
});

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.release();
    await server.close();
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const name of schemas) await dropSchema(name);
});

/** The stores every test runs on: a SQLite file, and a PostgreSQL schema of its own. */
const STORES = [
  { kind: 'sqlite', url: (test: string) => `sqlite:${join(dir, `${test}.sqlite`)}` },
  {
    kind: 'postgres',
    url: (test: string) => {
      const name = uniqueSchemaName(`cli_resume_${test}`);
      schemas.push(name);
      const url = new URL(testDatabaseUrl());
      url.searchParams.set('schema', name);
      return url.toString();
    },
  },
] as const;

/** `prepare <source> --schema --store --batch-size 100 ...extra`. */
function prepareArgs(source: string, store: string, ...extra: string[]): string[] {
  return [
    ...['prepare', source, '--schema', schema, '--store', store],
    ...['--batch-size', String(BATCH), ...extra],
  ];
}

/** A slow HTTP source of the test file: it holds after `HELD_ROWS` rows until released. */
async function slowSource(): Promise<GatedHttpServer> {
  const body = usersCsv(ROWS);
  const heldAt = Buffer.byteLength(usersCsv(HELD_ROWS));
  const server = await startGatedHttpServer('users.csv', body, heldAt);
  servers.push(server);
  return server;
}

/** Runs one worker on the job to its end; its processor writes the ids into `idsDir`. */
async function workToTheEnd(jobId: string, store: string, idsDir: string): Promise<void> {
  const run = await runCli(workArgs({ jobId, store, schema, processor, quiet: true }), {
    env: { IDS_DIR: idsDir },
  });
  expect(run.code, run.stderr).toBe(0);
}

/** Every id the processors wrote into `idsDir`, with how often. */
async function idCounts(idsDir: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const name of await readdir(idsDir)) {
    for (const line of (await readFile(join(idsDir, name), 'utf8')).split('\n')) {
      if (line !== '') counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
    }
  }
  return counts;
}

/** Each of the file's records was processed exactly once, and the job says so. */
async function expectEveryRecordOnce(jobId: string, store: string, idsDir: string): Promise<void> {
  const counts = await idCounts(idsDir);
  expect([...counts.keys()].sort((a, b) => a - b)).toEqual(
    Array.from({ length: ROWS }, (_, i) => i + 1),
  );
  expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  const report = await statusJson(jobId, store);
  expect(report.status).toBe('COMPLETED');
  expect(report.progress).toMatchObject({
    totalRecords: ROWS,
    processedRecords: ROWS,
    failedRecords: 0,
    pendingRecords: 0,
  });
  expect(report.batches).toMatchObject({
    totalBatches: ROWS / BATCH,
    completedBatches: ROWS / BATCH,
  });
}

/** The `list` row of a job. */
async function listRow(jobId: string, store: string): Promise<string> {
  const list = await runCliOk(['list', '--store', store]);
  return list.split('\n').find((line) => line.startsWith(jobId)) ?? `no row for ${jobId}:\n${list}`;
}

describe.each(STORES)('prepare --max-time / --resume / signals ($kind store)', ({ url }) => {
  it('--max-time stops between batches with exit code 3; status and list say so; --resume finishes and work does every record once', async () => {
    const store = url('max_time');
    const stopped = await runCli(prepareArgs(csv, store, '--max-time', '1'));
    expect(stopped.code, stopped.stderr).toBe(3);
    expect(stopped.stdout).toMatch(JOB_ID);
    const jobId = stopped.stdout.trim();
    expect(stopped.stderr).toMatch(
      /^Stopped \(--max-time reached\) with [\d,]+ records in [\d,]+ batches stored; go on with: /,
    );
    expect(stopped.stderr).toContain(
      `go on with: batchactions-distributed prepare ${csv} --resume ${jobId} --schema ${schema} --store <url>\n`,
    );

    const human = await runCliOk(['status', jobId, '--store', store]);
    expect(human).toContain(`job ${jobId}: CREATED\n`);
    expect(human).toContain(
      `  prepare  prepare stopped before the end; go on with batchactions-distributed prepare <file> --resume ${jobId} ...\n`,
    );
    expect(human).toContain('  phase    preparing, stopped: resume the prepare');
    const midway = await statusJson(jobId, store);
    expect(midway).toMatchObject({ prepare: { state: 'stopped', openEarly: false } });
    expect(midway.progress.totalRecords).toBeLessThan(ROWS);
    expect(midway.progress.totalRecords).toBe(midway.batches.totalBatches * BATCH);
    expect(await listRow(jobId, store)).toContain('  CREATED (prepare stopped: resume it)  ');

    const resumed = await runCli(prepareArgs(csv, store, '--resume', jobId));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toBe(`${jobId}\n`);
    // This run's records and rate, not the job's.
    expect(resumed.stderr).toMatch(
      new RegExp(
        `^Resumed and finished: ${(ROWS - midway.progress.totalRecords).toLocaleString('en-US')} records stored by this run in [\\d,]+ batches \\(csv\\) in `,
      ),
    );
    const prepared = await statusJson(jobId, store);
    expect(prepared).not.toHaveProperty('prepare');
    expect(prepared).toMatchObject({ status: 'PROCESSING', phase: 'waiting-for-workers' });
    expect(prepared.progress.totalRecords).toBe(ROWS);

    const idsDir = await mkdtemp(join(dir, 'ids-'));
    await workToTheEnd(jobId, store, idsDir);
    await expectEveryRecordOnce(jobId, store, idsDir);
  });

  it('--json carries stoppedBy; a resume with another file fails naming the job and leaves it resumable', async () => {
    const store = url('mismatch');
    const stopped = await runCli(prepareArgs(csv, store, '--max-time', '1', '--json'));
    expect(stopped.code, stopped.stderr).toBe(3);
    const outcome = JSON.parse(stopped.stdout) as PreparedJson & { stoppedBy?: string };
    expect(outcome.stoppedBy).toBe('deadline');
    expect(outcome.totalBatches).toBeGreaterThan(0);
    expect(outcome.totalBatches).toBeLessThan(ROWS / BATCH);
    expect(outcome.totalRecords).toBe(outcome.totalBatches * BATCH);
    const { jobId } = outcome;

    const wrong = await runCli(prepareArgs(otherCsv, store, '--resume', jobId));
    expect(wrong.code, wrong.stderr).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toContain(
      `error: resumed prepare of job ${jobId} stopped: the source does not match what the job holds (`,
    );
    const still = await statusJson(jobId, store);
    expect(still).toMatchObject({ status: 'CREATED', prepare: { state: 'stopped' } });
    expect(still.batches.totalBatches).toBe(outcome.totalBatches);

    const resumed = await runCli(prepareArgs(csv, store, '--resume', jobId, '--json'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({
      jobId,
      totalRecords: ROWS,
      totalBatches: ROWS / BATCH,
      storedRecords: ROWS - outcome.totalRecords,
      storedBatches: ROWS / BATCH - outcome.totalBatches,
    });
  });

  it('--resume names an unknown job, gives the totals of a finished prepare, and refuses a cancelled job', async () => {
    const store = url('resume_states');
    const finished = (await runCliOk(prepareArgs(csv, store))).trim();

    const unknown = await runCli(prepareArgs(csv, store, '--resume', 'no-such-job'));
    expect(unknown.code, unknown.stderr).toBe(1);
    expect(unknown.stderr).toBe('error: Job "no-such-job" was not found in the state store\n');

    const again = await runCli(prepareArgs(csv, store, '--resume', finished));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${finished}\n`);
    // No rate: this run stored nothing.
    expect(again.stderr).toBe(
      `Nothing left to prepare: job ${finished} holds 3,000 records in 30 batches\n`,
    );
    const json = await runCliOk(prepareArgs(csv, store, '--resume', finished, '--json'));
    expect(JSON.parse(json)).toEqual({
      jobId: finished,
      totalRecords: ROWS,
      totalBatches: ROWS / BATCH,
      storedRecords: 0,
      storedBatches: 0,
    });

    const stopped = await runCli(prepareArgs(csv, store, '--max-time', '1'));
    expect(stopped.code, stopped.stderr).toBe(3);
    const cancelled = stopped.stdout.trim();
    await runCliOk(['cancel', cancelled, '--store', store]);
    const refused = await runCli(prepareArgs(csv, store, '--resume', cancelled));
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toBe(
      `error: prepare of job ${cancelled} cannot be resumed: the job is ABORTED\n`,
    );
  });

  it('SIGTERM stops a prepare of a slow HTTP source after the batch being stored (exit 3); the resume reads the rest with a Range request; every record once', async () => {
    const store = url('sigterm');
    const server = await slowSource();
    const prepare = startCli(prepareArgs(server.url, store));
    // The signal handlers are installed before the source is requested.
    await server.heldRequest();
    prepare.child.kill('SIGTERM');
    await prepare.waitForStderr(
      /SIGTERM received, stopping job [0-9a-f-]{36} after the batch being stored \(resume later with --resume [0-9a-f-]{36}\)/,
    );
    // The prepare waits for the source: it stops after the next batch it stores.
    server.release();
    const stopped = await prepare.done;
    expect(stopped.code, stopped.stderr).toBe(3);
    expect(stopped.stdout).toMatch(JOB_ID);
    expect(stopped.stderr).toMatch(
      /Stopped \(stopped by a signal\) with [\d,]+ records in [\d,]+ batches stored; go on with: /,
    );
    const jobId = stopped.stdout.trim();
    const midway = await statusJson(jobId, store);
    expect(midway).toMatchObject({ status: 'CREATED', prepare: { state: 'stopped' } });
    expect(midway.progress.totalRecords).toBeLessThan(ROWS);

    const resumed = await runCli(prepareArgs(server.url, store, '--resume', jobId));
    expect(resumed.code, resumed.stderr).toBe(0);
    // The rate counts what this run stored, not the records of the first run.
    const storedByRun = ROWS - midway.progress.totalRecords;
    expect(resumed.stderr).toMatch(
      new RegExp(
        `^Resumed and finished: ${storedByRun.toLocaleString('en-US')} records stored by this run in [\\d,]+ batches \\(csv\\) in .+ \\([\\d,]+ records/s\\); job ${jobId} holds 3,000 records in 30 batches\n$`,
      ),
    );
    // From the byte after the last stored batch, not from the start.
    expect(server.ranges).toHaveLength(2);
    expect(server.ranges[1]).toMatch(/^bytes=[1-9]\d*-$/);

    const idsDir = await mkdtemp(join(dir, 'ids-'));
    await workToTheEnd(jobId, store, idsDir);
    await expectEveryRecordOnce(jobId, store, idsDir);
  });

  it('a second signal exits 130 at once; the dead prepare is still running to --resume until --take-over-after lets it be taken over; every record once', async () => {
    const store = url('second_signal');
    const server = await slowSource();
    const prepare = startCli(prepareArgs(server.url, store));
    await server.heldRequest();
    prepare.child.kill('SIGTERM');
    await prepare.waitForStderr(/SIGTERM received, stopping/);
    prepare.child.kill('SIGTERM');
    const killed = await prepare.done;
    expect(killed.code, killed.stderr).toBe(130);
    expect(killed.stdout).toBe('');
    server.release();

    const [entry] = JSON.parse(await runCliOk(['list', '--store', store, '--json'])) as {
      jobId: string;
    }[];
    const jobId = entry?.jobId ?? 'no job listed';
    // The exit names the job, the only way to find it again without `list`.
    expect(killed.stderr).toContain(
      `prepare: SIGTERM received again, exiting now; job ${jobId} keeps the batches stored so far: go on with --resume ${jobId}, or purge it\n`,
    );
    // Its heartbeat is recent: taken for a prepare still running elsewhere.
    const refused = await runCli(prepareArgs(server.url, store, '--resume', jobId));
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^error: prepare of job ${jobId} is still running \\(last heartbeat \\d+ ms ago, younger than --take-over-after 30000 ms\\): not resumed\\n$`,
      ),
    );

    const resumed = await runCli(
      prepareArgs(server.url, store, '--resume', jobId, '--take-over-after', '0'),
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toBe(`${jobId}\n`);
    const idsDir = await mkdtemp(join(dir, 'ids-'));
    await workToTheEnd(jobId, store, idsDir);
    await expectEveryRecordOnce(jobId, store, idsDir);
  });

  it('--open-early prints the job id at once; a worker started then processes batches while the prepare still streams; exact counts', async () => {
    const store = url('open_early');
    const server = await slowSource();
    const idsDir = await mkdtemp(join(dir, 'ids-'));
    const prepare = startCli(prepareArgs(server.url, store, '--open-early'));
    await prepare.waitForStdout(JOB_ID);
    const jobId = prepare.stdoutSoFar().trim();
    const worker = startCli(workArgs({ jobId, store, schema, processor, workerId: 'early' }), {
      env: { IDS_DIR: idsDir },
    });
    await worker.waitForStdout(/^early: batch \d+ processed/m);
    // The source holds the rest of its rows until released: the prepare cannot have ended.
    expect(prepare.child.exitCode).toBeNull();
    const human = await runCliOk(['status', jobId, '--store', store]);
    expect(human).toMatch(
      /^ {2}prepare {2}preparing, last heartbeat .* ago \(opened early: workers claim batches as they are stored\)$/m,
    );
    expect(await listRow(jobId, store)).toContain('  PROCESSING (preparing, opened early)  ');

    server.release();
    const [prepared, worked] = await Promise.all([prepare.done, worker.done]);
    expect(prepared.code, prepared.stderr).toBe(0);
    // Printed once, when the job opened.
    expect(prepared.stdout).toBe(`${jobId}\n`);
    expect(prepared.stderr).toMatch(/^Prepared 3,000 records in 30 batches \(csv\)/);
    expect(worked.code, worked.stderr).toBe(0);
    const batches = [...worked.stdout.matchAll(/^early: batch (\d+) processed/gm)].map((m) =>
      Number(m[1]),
    );
    expect(batches.sort((a, b) => a - b)).toEqual(
      Array.from({ length: ROWS / BATCH }, (_, i) => i),
    );
    await expectEveryRecordOnce(jobId, store, idsDir);
  });
});

describe('prepare option checks', () => {
  it('a --take-over-after or --max-time that is not an integer in range is a usage error naming the option', async () => {
    const store = `sqlite:${join(dir, 'usage.sqlite')}`;
    for (const [option, value] of [
      ['--take-over-after', '1.5'],
      ['--take-over-after', '-1'],
      ['--max-time', '0'],
      ['--max-time', 'soon'],
    ] as const) {
      const run = await runCli([...prepareArgs(csv, store, '--resume', 'any-job'), option, value]);
      expect(run.code, `${option} ${value}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(
        `error: option '${option} <ms>' argument '${value}' is invalid.`,
      );
    }
  });

  it('a --take-over-after below twice the prepare heartbeat interval is a usage error naming the flag', async () => {
    const store = `sqlite:${join(dir, 'usage-takeover.sqlite')}`;
    const jobId = (await runCliOk(prepareArgs(csv, store))).trim();
    const run = await runCli([
      ...prepareArgs(csv, store, '--resume', jobId),
      '--take-over-after',
      '5000',
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      "error: option '--take-over-after <ms>' argument '5000' is invalid: expected 0 (take over at once) or at least 10000 ms",
    );
  });
});
