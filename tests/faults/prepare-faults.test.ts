import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BufferSource, type DistributedStateStore } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { DistributedImport } from '../../src/index';
import { requireBuiltCli, runCli, runCliOk } from '../cli/built-cli';
import { requireBuild, startChild } from '../support/child-workers';
import { testDatabaseUrl, uniqueSchemaName } from '../support/postgres';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** A child node process of `tests/fixtures` and how it ended, with the JSON line it printed last. */
function runChild(script: string, env: Record<string, string>) {
  const { child, done } = startChild(fixture(script), env);
  return { child, done: done.then((end) => ({ ...end, report: end.last })) };
}

/** Polls until `check` holds (a bounded wait for a condition, not a timing assertion). */
async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1500; i += 1) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Setup {
  /** Environment of the child processes. */
  readonly env: Record<string, string>;
  /** `--store` of the CLI. */
  readonly url: string;
  /** A store of the test process, to observe. */
  readonly store: DistributedStateStore;
  /** Rows left in the store's tables for `jobId` (jobs, batches, records). */
  rowsOf(jobId: string): Promise<{ jobs: number; batches: number; records: number }>;
  /** Rows written by processors. */
  targetCount(): Promise<number>;
  teardown(): Promise<void>;
}

async function postgresSetup(): Promise<Setup> {
  const schema = uniqueSchemaName('prepare faults');
  const admin = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
  const store = new PostgresStateStore({ connectionString: testDatabaseUrl(), schema });
  await store.initialize();
  await admin.query(`CREATE TABLE "${schema}".target (id integer PRIMARY KEY)`);
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('schema', schema);
  const count = async (sql: string, jobId?: string) =>
    Number((await admin.query<{ n: string }>(sql, jobId === undefined ? [] : [jobId])).rows[0]?.n);
  return {
    env: { STORE_KIND: 'postgres', DATABASE_URL: testDatabaseUrl(), PG_SCHEMA: schema },
    url: url.toString(),
    store,
    rowsOf: async (jobId) => ({
      jobs: await count(`SELECT count(*) AS n FROM "${schema}".jobs WHERE id = $1`, jobId),
      batches: await count(
        `SELECT count(*) AS n FROM "${schema}".batches WHERE "jobId" = $1`,
        jobId,
      ),
      records: await count(
        `SELECT count(*) AS n FROM "${schema}".records WHERE "jobId" = $1`,
        jobId,
      ),
    }),
    targetCount: () => count(`SELECT count(*) AS n FROM "${schema}".target`),
    teardown: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

async function sqliteSetup(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'ba-prepare-faults-'));
  const file = join(dir, 'state.sqlite');
  const targetFile = join(dir, 'target.sqlite');
  const store = new SqliteStateStore({ filename: file });
  await store.initialize();
  const target = new Database(targetFile);
  target.exec('CREATE TABLE target (id INTEGER PRIMARY KEY)');
  target.close();
  const read = <T>(path: string, fn: (db: Database.Database) => T): T => {
    const db = new Database(path, { readonly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  // The store is fresh for each test, so every row belongs to its one job (records and batches
  // are keyed by the job's integer key, which a purge deletes too).
  const countAll = (table: string) =>
    read(file, (db) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
  return {
    env: { STORE_KIND: 'sqlite', SQLITE_FILE: file, TARGET_FILE: targetFile },
    url: `sqlite:${file}`,
    store,
    rowsOf: (jobId) =>
      Promise.resolve({
        jobs: read(
          file,
          (db) =>
            (
              db.prepare('SELECT count(*) AS n FROM batchactions_jobs WHERE id = ?').get(jobId) as {
                n: number;
              }
            ).n,
        ),
        batches: countAll('batchactions_batches'),
        records: countAll('batchactions_records'),
      }),
    targetCount: () =>
      Promise.resolve(
        read(
          targetFile,
          (db) => (db.prepare('SELECT count(*) AS n FROM target').get() as { n: number }).n,
        ),
      ),
    teardown: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const kinds: {
  name: string;
  setup: () => Promise<Setup>;
  build: 'state-postgres' | 'state-sqlite';
}[] = [
  { name: 'PostgreSQL', setup: postgresSetup, build: 'state-postgres' },
  { name: 'SQLite', setup: sqliteSetup, build: 'state-sqlite' },
];

describe.each(kinds)('faults around prepare and completion, separate processes, $name', (kind) => {
  let s: Setup;
  beforeEach(async () => {
    requireBuild(kind.build);
    requireBuiltCli();
    s = await kind.setup();
  });
  afterEach(async () => {
    await s.teardown();
  });

  /** The job a running prepare process created, once it holds at least `batches` batches. */
  async function preparingJob(batches: number): Promise<string> {
    let jobId = '';
    await waitFor(async () => {
      const jobs = (await s.store.listJobs?.()) ?? [];
      const job = jobs[0];
      if (job === undefined || job.totalBatches < batches) return false;
      jobId = job.jobId;
      return true;
    }, `a job being prepared with ${batches} batches`);
    return jobId;
  }

  const slowPrepare = (rows: number) =>
    runChild('fault-prepare.mjs', {
      ...s.env,
      ROWS: String(rows),
      ROWS_PER_CHUNK: '50',
      CHUNK_DELAY_MS: '20',
      BATCH_SIZE: '10',
    });

  const workers = (jobId: string, count: number, extra: Record<string, string> = {}) =>
    Promise.all(
      Array.from(
        { length: count },
        (_, i) =>
          runChild('fault-worker.mjs', { ...s.env, JOB_ID: jobId, WORKER_ID: `w${i}`, ...extra })
            .done,
      ),
    );

  it('cancel (CLI) during prepare: the prepare stops, the job ends ABORTED, no record reaches a processor; purge removes it', async () => {
    const prepare = slowPrepare(5000);
    const jobId = await preparingJob(3);
    expect((await runCliOk(['cancel', jobId, '--store', s.url])).trim()).toContain('ABORTED');
    const prepared = await prepare.done;
    expect(prepared.report).toMatchObject({
      outcome: 'rejected',
      code: 'PREPARE_INTERRUPTED',
      status: 'ABORTED',
      jobId,
    });

    const runs = await workers(jobId, 2);
    for (const run of runs)
      expect(run.report).toMatchObject({ handed: 0, completed: 0, errors: [] });
    expect(await s.targetCount()).toBe(0);
    const status = JSON.parse(await runCliOk(['status', jobId, '--store', s.url, '--json'])) as {
      status: string;
      prepare?: unknown;
      progress: { totalRecords: number; processedRecords: number };
    };
    expect(status.status).toBe('ABORTED');
    expect(status.prepare).toBeUndefined();
    expect(status.progress.processedRecords).toBe(0);
    // The prepare stopped reading: fewer records stored than the source holds.
    const rows = await s.rowsOf(jobId);
    expect(rows.records).toBe(status.progress.totalRecords);
    expect(rows.records).toBeGreaterThanOrEqual(30);
    expect(rows.records).toBeLessThan(5000);

    expect(await runCliOk(['purge', jobId, '--store', s.url])).toContain('deleted');
    expect(await s.rowsOf(jobId)).toEqual({ jobs: 0, batches: 0, records: 0 });
  });

  it('pause (CLI) during prepare: the job stays PAUSED after prepare; after resume every record is processed once', async () => {
    const prepare = slowPrepare(1000);
    const jobId = await preparingJob(3);
    await runCliOk(['pause', jobId, '--store', s.url]);
    const prepared = await prepare.done;
    expect(prepared.report).toMatchObject({ outcome: 'prepared', jobId, totalRecords: 1000 });
    const paused = JSON.parse(await runCliOk(['status', jobId, '--store', s.url, '--json'])) as {
      status: string;
    };
    expect(paused.status).toBe('PAUSED');
    await runCliOk(['resume', jobId, '--store', s.url]);

    const runs = await workers(jobId, 2);
    const handed = runs.reduce((n, r) => n + Number(r.report?.handed), 0);
    const completed = runs.reduce((n, r) => n + Number(r.report?.completed), 0);
    expect(handed).toBe(1000);
    expect(await s.targetCount()).toBe(1000);
    expect(completed).toBe(1);
  });

  it('purge (CLI) during prepare: the prepare stops and nothing of the job is left', async () => {
    const prepare = slowPrepare(5000);
    const jobId = await preparingJob(3);
    expect(await runCliOk(['purge', jobId, '--store', s.url])).toContain('deleted');
    const prepared = await prepare.done;
    expect(prepared.report).toMatchObject({
      outcome: 'rejected',
      code: 'PREPARE_INTERRUPTED',
      status: null,
      jobId,
    });
    expect(await s.rowsOf(jobId)).toEqual({ jobs: 0, batches: 0, records: 0 });
  });

  it('SIGKILLed prepare: status and list say abandoned; purge --status CREATED --older-than removes everything', async () => {
    const prepare = slowPrepare(5000);
    const jobId = await preparingJob(3);
    prepare.child.kill('SIGKILL');
    expect((await prepare.done).signal).toBe('SIGKILL');

    const statusOf = async () =>
      JSON.parse(
        await runCliOk(['status', jobId, '--store', s.url, '--json', '--prepare-timeout', '500']),
      ) as { status: string; prepare?: { state: string; heartbeatAgeMs: number } };
    await waitFor(async () => (await statusOf()).prepare?.state === 'abandoned', 'abandoned');
    const human = await runCliOk(['status', jobId, '--store', s.url, '--prepare-timeout', '500']);
    expect(human).toMatch(/job \S+: CREATED\n {2}prepare {2}prepare abandoned, last heartbeat /);
    const listed = await runCliOk(['list', '--store', s.url, '--prepare-timeout', '500']);
    expect(listed).toMatch(/CREATED \(prepare abandoned /);
    expect((await s.rowsOf(jobId)).records).toBeGreaterThanOrEqual(30);

    await waitFor(
      async () => ((await statusOf()).prepare?.heartbeatAgeMs ?? 0) >= 1000,
      'a heartbeat older than 1 s',
    );
    const purged = await runCliOk([
      'purge',
      '--status',
      'CREATED',
      '--older-than',
      '1s',
      '--store',
      s.url,
    ]);
    expect(purged).toContain(`job ${jobId}: deleted (CREATED, prepare abandoned`);
    expect(await s.rowsOf(jobId)).toEqual({ jobs: 0, batches: 0, records: 0 });
  });

  it('the finaliser loses its connection right after finalising: the next worker call emits job:completed, once', async () => {
    const di = new DistributedImport({
      schema: { fields: [{ name: 'id', type: 'number', required: true }] },
      batchSize: 20,
      stateStore: s.store,
    });
    const lines = ['id,email', ...Array.from({ length: 200 }, (_, i) => `${i},u${i}@example.com`)];
    const { jobId } = await di.prepare(new BufferSource(lines.join('\n')), new CsvParser());

    // Alone, so it finalises; its completion claim and the three retries never reach the store.
    const [finaliser] = await workers(jobId, 1, {
      DROP_COMPLETION_CLAIMS: '4',
      STOP_ON_ERROR: '1',
    });
    expect(finaliser?.report).toMatchObject({
      handed: 200,
      completed: 0,
      errors: ['Connection terminated unexpectedly'],
    });
    expect((await di.getStatus(jobId)).status).toBe('COMPLETED');

    const later = await workers(jobId, 3);
    expect(later.map((r) => r.report?.handed)).toEqual([0, 0, 0]);
    expect(later.reduce((n, r) => n + Number(r.report?.completed), 0)).toBe(1);
    expect(await s.targetCount()).toBe(200);
    // Nobody reports it again.
    const again = await workers(jobId, 2);
    expect(again.reduce((n, r) => n + Number(r.report?.completed), 0)).toBe(0);
  });

  it('a malformed row with --malformed-rows fail (CLI prepare): the error names the job and the line; purge removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ba-malformed-'));
    try {
      const csv = join(dir, 'rows.csv');
      const rows = ['id,email', ...Array.from({ length: 300 }, (_, i) => `${i},u${i}@example.com`)];
      rows[151] = '150,u150@example.com,surplus';
      const { writeFileSync } = await import('node:fs');
      writeFileSync(csv, rows.join('\n') + '\n');
      const schemaFile = join(dir, 'schema.json');
      writeFileSync(
        schemaFile,
        JSON.stringify({ fields: [{ name: 'id', type: 'number', required: true }] }),
      );
      const run = await runCli([
        'prepare',
        csv,
        '--schema',
        schemaFile,
        '--store',
        s.url,
        '--batch-size',
        '50',
        '--malformed-rows',
        'fail',
      ]);
      expect(run.code).toBe(1);
      const match =
        /job ([0-9a-f-]{36}): Invalid CSV at record 151, line 152: the row has 3 field\(s\) but the header has 2 column\(s\)/.exec(
          run.stderr,
        );
      expect(match, run.stderr).not.toBeNull();
      const jobId = match?.[1] ?? '';
      expect((await s.rowsOf(jobId)).jobs).toBe(1);
      expect(await runCliOk(['purge', '--status', 'FAILED', '--store', s.url])).toContain(jobId);
      expect(await s.rowsOf(jobId)).toEqual({ jobs: 0, batches: 0, records: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
