import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { BufferSource, type DistributedStateStore } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { DistributedImport, type RunWorkerResult } from '../../src/index';
import { startWorker, type ChildWorker } from './child-workers';
import { testDatabaseUrl } from './postgres';

const lifecycleWorker = fileURLToPath(new URL('../fixtures/lifecycle-worker.mjs', import.meta.url));

/** A shared store, and the `hits` table where worker processes count each processor call. */
export interface LifecycleRig {
  readonly store: DistributedStateStore;
  /** Environment that points a `lifecycle-worker.mjs` process at this rig. */
  readonly env: Record<string, string>;
  /** `id → number of processor calls` for every id processed at least once. */
  readonly hits: () => Promise<Map<number, number>>;
  readonly dispose: () => Promise<void>;
}

/** A fresh PostgreSQL schema with the store's tables and `hits`. */
export async function postgresLifecycleRig(): Promise<LifecycleRig> {
  const connectionString = testDatabaseUrl();
  const schema = `lc_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const store = new PostgresStateStore({ connectionString, schema });
  await store.initialize();
  const admin = new pg.Pool({ connectionString, max: 1 });
  await admin.query(`CREATE TABLE "${schema}".hits (id integer PRIMARY KEY, n integer NOT NULL)`);
  return {
    store,
    env: { STORE_KIND: 'postgres', DATABASE_URL: connectionString, PG_SCHEMA: schema },
    hits: async () => {
      const { rows } = await admin.query<{ id: number; n: number }>(
        `SELECT id, n FROM "${schema}".hits`,
      );
      return new Map(rows.map((r) => [r.id, r.n]));
    },
    dispose: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

/** A fresh SQLite state file and a target file with `hits`. */
export async function sqliteLifecycleRig(): Promise<LifecycleRig> {
  const dir = mkdtempSync(join(tmpdir(), 'ba-lifecycle-'));
  const file = join(dir, 'state.sqlite');
  const targetFile = join(dir, 'target.sqlite');
  const store = new SqliteStateStore({ filename: file });
  await store.initialize();
  const target = new Database(targetFile);
  target.pragma('journal_mode = WAL');
  target.exec('CREATE TABLE hits (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
  return {
    store,
    env: { STORE_KIND: 'sqlite', SQLITE_FILE: file, TARGET_FILE: targetFile },
    hits: () => {
      const rows = target.prepare('SELECT id, n FROM hits').all() as { id: number; n: number }[];
      return Promise.resolve(new Map(rows.map((r) => [r.id, r.n])));
    },
    dispose: async () => {
      target.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Prepares `records` rows (`id` 0..n-1, so a record's index is its id) in batches of `batchSize`. */
export async function prepareLifecycleJob(
  store: DistributedStateStore,
  records: number,
  batchSize: number,
): Promise<string> {
  const lines = ['id,email'];
  for (let i = 0; i < records; i += 1) lines.push(`${i},user${i}@example.com`);
  const di = new DistributedImport({
    schema: {
      fields: [
        { name: 'id', type: 'number' },
        { name: 'email', type: 'email' },
      ],
    },
    batchSize,
    stateStore: store,
  });
  const { jobId } = await di.prepare(new BufferSource(lines.join('\n')), new CsvParser());
  return jobId;
}

/** What `lifecycle-worker.mjs` prints when it is done. */
export interface LifecycleReport extends RunWorkerResult {
  readonly invocations: number;
  readonly jobCompletedEvents: number;
}

/** A `lifecycle-worker.mjs` process. */
export interface LifecycleWorker {
  readonly worker: ChildWorker;
  /** Its report; rejects when it exited otherwise than with code 0 and a report. */
  readonly report: () => Promise<LifecycleReport>;
}

/** Starts a `lifecycle-worker.mjs` process on the rig with `extra` environment. */
export function startLifecycleWorker(
  rig: LifecycleRig,
  jobId: string,
  workerId: string,
  extra: Record<string, string> = {},
): LifecycleWorker {
  const worker = startWorker(
    { ...rig.env, JOB_ID: jobId, WORKER_ID: workerId, ...extra },
    lifecycleWorker,
  );
  return {
    worker,
    report: async () => {
      const done = await worker.done;
      if (done.code !== 0 || !done.report) {
        throw new Error(
          `worker ${workerId} exited with ${String(done.code ?? done.signal)}: ${done.stderr}`,
        );
      }
      return done.report as unknown as LifecycleReport;
    },
  };
}

/** Resolves when `check` is true (polling every 50 ms); fails after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
