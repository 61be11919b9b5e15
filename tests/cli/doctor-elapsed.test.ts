import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION as POSTGRES_SCHEMA_VERSION } from '@batchactions/state-postgres';
import { SCHEMA_VERSION as SQLITE_SCHEMA_VERSION } from '@batchactions/state-sqlite';
import { dropSchema, testDatabaseUrl, uniqueSchemaName } from '../support/postgres';
import { requireBuiltCli, runCli, runCliOk } from './built-cli';

const ROWS = 3000;
const BATCH = 100;

let dir: string;
let csv: string;
let schema: string;
const schemas: string[] = [];

beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-doctor-'));
  csv = join(dir, 'users.csv');
  schema = join(dir, 'schema.json');
  let text = 'id,email,note\n';
  for (let id = 1; id <= ROWS; id += 1) text += `${id},user${id}@example.com,${'n'.repeat(300)}\n`;
  await writeFile(csv, text);
  await writeFile(
    schema,
    JSON.stringify({
      fields: [
        { name: 'id', type: 'number', required: true },
        { name: 'email', type: 'email', required: true },
        { name: 'note', type: 'string', required: false },
      ],
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const name of schemas) await dropSchema(name);
});

function postgresUrl(test: string): { url: string; schema: string } {
  const name = uniqueSchemaName(`cli_doctor_${test}`);
  schemas.push(name);
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('schema', name);
  return { url: url.toString(), schema: name };
}

/** The stores every test runs on: a SQLite file, and a PostgreSQL schema of its own. */
/** The stores every test runs on, with the schema version each package writes. */
const STORES = [
  {
    kind: 'sqlite',
    version: SQLITE_SCHEMA_VERSION,
    url: (test: string) => `sqlite:${join(dir, `${test}.sqlite`)}`,
  },
  {
    kind: 'postgres',
    version: POSTGRES_SCHEMA_VERSION,
    url: (test: string) => postgresUrl(test).url,
  },
] as const;

function prepareArgs(store: string, ...extra: string[]): string[] {
  return [
    'prepare',
    csv,
    '--schema',
    schema,
    '--store',
    store,
    '--batch-size',
    String(BATCH),
    ...extra,
  ];
}

interface ListedJob {
  jobId: string;
  status: string;
  createdAt?: number;
  startedAt?: number;
}

async function listJson(store: string): Promise<ListedJob[]> {
  return JSON.parse(await runCliOk(['list', '--store', store, '--json'])) as ListedJob[];
}

describe.each(STORES)('status/list time and doctor ($kind store)', ({ url, version }) => {
  it('status and list count from when prepare started: a CREATED job has an age, and createdAt comes before the job opened', async () => {
    const store = url('elapsed');
    const before = Date.now();
    const stopped = await runCli(prepareArgs(store, '--max-time', '1'));
    expect(stopped.code, stopped.stderr).toBe(3);
    const jobId = stopped.stdout.trim();

    const [created] = await listJson(store);
    expect(created).toMatchObject({ jobId, status: 'CREATED' });
    expect(created).not.toHaveProperty('startedAt');
    // The store's clock (the database server's for PostgreSQL) on this host.
    expect(created?.createdAt).toBeGreaterThanOrEqual(before - 1000);
    const human = await runCliOk(['status', jobId, '--store', store]);
    expect(human).toMatch(/^ {2}elapsed {2}.+ since prepare started$/m);
    const table = await runCliOk(['list', '--store', store]);
    const row = table.split('\n').find((line) => line.startsWith(jobId)) ?? '';
    // AGE, then SOURCE (the file's name), the last column.
    expect(row).toMatch(/ (\d+ ms|[\d.]+ s|\d+ min \d+ s) {2,}\S+\.csv$/);

    const resumed = await runCli(prepareArgs(store, '--resume', jobId));
    expect(resumed.code, resumed.stderr).toBe(0);
    const [opened] = await listJson(store);
    expect(opened?.createdAt).toBe(created?.createdAt);
    // The job opened when the resumed run finished, after the first run created it.
    expect(opened?.startedAt).toBeGreaterThanOrEqual(opened?.createdAt ?? Infinity);
    const statusJson = JSON.parse(
      await runCliOk(['status', jobId, '--store', store, '--json']),
    ) as { createdAt?: number; phase: string };
    expect(statusJson.createdAt).toBe(created?.createdAt);
    expect(statusJson.phase).toBe('waiting-for-workers');

    const doctor = await runCli(['doctor', '--store', store]);
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(doctor.stdout).toMatch(
      new RegExp(`^ {2}schema {3}version ${version} \\(current\\)$`, 'm'),
    );
    expect(doctor.stdout).toMatch(/^ {2}jobs {5}1: 1 PROCESSING$/m);
    expect(doctor.stdout).toMatch(/\nhealthy\n$/);
    const json = JSON.parse(
      (await runCli(['doctor', '--store', store, '--json'])).stdout,
    ) as Record<string, unknown>;
    expect(json).toMatchObject({
      healthy: true,
      problems: [],
      schemaVersion: version,
      expectedSchemaVersion: version,
      jobs: { PROCESSING: 1 },
      abandonedPrepares: 0,
    });
  });
});

describe('doctor: unhealthy stores, one line per reason, exit code 1', () => {
  it('SQLite: a missing file, a file without a store, a file from a newer version', async () => {
    const missing = await runCli(['doctor', '--store', `sqlite:${join(dir, 'none.sqlite')}`]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/\nunhealthy: no such database file .*none\.sqlite\n$/);

    const emptyFile = join(dir, 'empty.sqlite');
    new Database(emptyFile).close();
    const empty = await runCli(['doctor', '--store', `sqlite:${emptyFile}`]);
    expect(empty.code).toBe(1);
    expect(empty.stdout).toContain('unhealthy: ');
    expect(empty.stdout).toContain('holds no batchactions store (prepare creates one)');
    // doctor created nothing in it.
    const db = new Database(emptyFile);
    expect(db.prepare('SELECT count(*) AS n FROM sqlite_master').get()).toEqual({ n: 0 });
    db.close();

    const newerFile = join(dir, 'newer.sqlite');
    await runCliOk(prepareArgs(`sqlite:${newerFile}`));
    const newer = new Database(newerFile);
    newer.prepare('INSERT INTO batchactions_schema_version VALUES (99, 0)').run();
    newer.close();
    const refused = await runCli(['doctor', '--store', `sqlite:${newerFile}`, '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      healthy: false,
      schemaVersion: 99,
      expectedSchemaVersion: SQLITE_SCHEMA_VERSION,
      problems: [
        `schema version 99 is newer than ${SQLITE_SCHEMA_VERSION}, the one this version writes: upgrade @batchactions/distributed and the store package`,
      ],
    });
  });

  it('PostgreSQL: no server, an empty schema, a schema from a newer version', async () => {
    const down = await runCli([
      'doctor',
      '--store',
      'postgres://postgres@127.0.0.1:1/test?connect_timeout=2',
    ]);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/\nunhealthy: cannot connect: connection refused/);

    const empty = postgresUrl('empty');
    const none = await runCli(['doctor', '--store', empty.url]);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain(
      `unhealthy: schema "${empty.schema}" holds no batchactions store (prepare creates one)`,
    );

    const newer = postgresUrl('newer');
    await runCliOk(prepareArgs(newer.url));
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO "${newer.schema}".schema_migrations (version, name) VALUES (99, 'future')`,
      );
    } finally {
      await client.end();
    }
    const refused = await runCli(['doctor', '--store', newer.url]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      `unhealthy: schema version 99 is newer than ${POSTGRES_SCHEMA_VERSION}, the one this version writes`,
    );
  });
});

describe('purge --vacuum', () => {
  it('SQLite: the file shrinks after purging its jobs (incremental auto-vacuum of new files)', async () => {
    const file = join(dir, 'vacuum.sqlite');
    const store = `sqlite:${file}`;
    const first = (await runCliOk(prepareArgs(store))).trim();
    const second = (await runCliOk(prepareArgs(store))).trim();
    const run = await runCli(['purge', first, second, '--store', store, '--vacuum']);
    expect(run.code, run.stderr).toBe(0);
    const [, before, after] =
      /: ([\d.]+) MB before the purge, ([\d.]+) MB after \(incremental vacuum\)\n$/.exec(
        run.stdout,
      ) ?? [];
    expect(Number(after)).toBeLessThan(Number(before) / 4);
    expect(statSync(file).size).toBeLessThan((Number(before) * 1024 * 1024) / 4);
  });

  it('PostgreSQL: --vacuum is a usage error (autovacuum does it), nothing deleted', async () => {
    const store = postgresUrl('vacuum').url;
    const jobId = (await runCliOk(prepareArgs(store))).trim();
    const run = await runCli(['purge', jobId, '--store', store, '--vacuum']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--vacuum and --full-vacuum apply to SQLite stores');
    expect((await listJson(store)).map((job) => job.jobId)).toEqual([jobId]);
  });
});
