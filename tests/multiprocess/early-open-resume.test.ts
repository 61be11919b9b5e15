import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DistributedStateStore } from '@batchactions/core';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { DistributedImport, runWorker } from '../../src/index';
import { requireBuild, startWorker } from '../support/child-workers';
import { startRangeServer, type RangeServer } from '../support/range-server';

const root = fileURLToPath(new URL('../../', import.meta.url));
const prepareScript = fileURLToPath(new URL('../fixtures/prepare-run.mjs', import.meta.url));
const schema = {
  fields: [
    { name: 'id', type: 'number' as const, required: true },
    { name: 'email', type: 'email' as const, required: true },
  ],
};

/** A prepare child process: its JSON lines as they come, and how it ended. */
interface PrepareChild {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startPrepare(env: Record<string, string>): PrepareChild {
  const child = spawn(process.execPath, [prepareScript], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as never);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) =>
      child.on('close', (code, signal) => {
        resolve({ code, signal, stderr });
      }),
  );
  return { child, lines, done };
}

/** Polls until `check` holds (a bounded wait for a condition, not a timing assertion). */
async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3000; i += 1) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A shared store the child processes open from `env`, and how the test counts its rows. */
interface Rig {
  readonly store: DistributedStateStore &
    Required<Pick<DistributedStateStore, 'listJobs' | 'listPreparedBatches' | 'getJobDetails'>>;
  readonly env: Record<string, string>;
  /** `(rows, distinct keys)` of the job's records (by index) and batches (by batch index). */
  readonly storedCounts: (jobId: string) => Promise<{ records: Counts; batches: Counts }>;
  /** `(rows, distinct ids)` of the target table the worker processes write into. */
  readonly targetCounts: () => Promise<Counts>;
  readonly dispose: () => Promise<void>;
}

interface Counts {
  readonly n: number;
  readonly d: number;
}

async function postgresRig(): Promise<Rig> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set (tests/global-setup.ts sets it)');
  const schemaName = `eo_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const store = new PostgresStateStore({ connectionString, schema: schemaName });
  await store.initialize();
  const admin = new pg.Pool({ connectionString, max: 2 });
  await admin.query(`CREATE TABLE "${schemaName}".target (id integer PRIMARY KEY)`);
  const counts = async (sql: string, params: unknown[]): Promise<Counts> => {
    const { rows } = await admin.query<{ n: string; d: string }>(sql, params);
    return { n: Number(rows[0]?.n), d: Number(rows[0]?.d) };
  };
  return {
    store,
    env: { STORE_KIND: 'postgres', DATABASE_URL: connectionString, PG_SCHEMA: schemaName },
    storedCounts: async (jobId) => ({
      records: await counts(
        `SELECT count(*) AS n, count(DISTINCT "recordIndex") AS d FROM "${schemaName}".records WHERE "jobId" = $1`,
        [jobId],
      ),
      batches: await counts(
        `SELECT count(*) AS n, count(DISTINCT "batchIndex") AS d FROM "${schemaName}".batches WHERE "jobId" = $1`,
        [jobId],
      ),
    }),
    targetCounts: () =>
      counts(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM "${schemaName}".target`, []),
    dispose: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA "${schemaName}" CASCADE`);
      await admin.end();
    },
  };
}

async function sqliteRig(): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'ba-eo-sqlite-'));
  const file = join(dir, 'state.sqlite');
  const store = new SqliteStateStore({ filename: file });
  await store.initialize();
  const db = new Database(file, { readonly: true });
  const counts = (sql: string, params: unknown[]): Counts => {
    const row = db.prepare(sql).get(...params) as { n: number; d: number };
    return { n: row.n, d: row.d };
  };
  return {
    store,
    env: { STORE_KIND: 'sqlite', SQLITE_FILE: file },
    storedCounts: (jobId) =>
      Promise.resolve({
        records: counts(
          `SELECT count(*) AS n, count(DISTINCT "recordIndex") AS d FROM batchactions_records
           WHERE "jobId" = ?`,
          [jobId],
        ),
        batches: counts(
          `SELECT count(*) AS n, count(DISTINCT "batchIndex") AS d FROM batchactions_batches
           WHERE "jobId" = ?`,
          [jobId],
        ),
      }),
    targetCounts: () => Promise.reject(new Error('the SQLite rig has no target table')),
    dispose: async () => {
      db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let rig: Rig;

// A hang guard, not a timing assertion: these tests run a prepare process and worker processes
// over 12,000 to 20,000 rows, which takes several times the default 60 s on a loaded 2-core
// machine (a busy loop per core beside the suite).
vi.setConfig({ testTimeout: 600_000 });

beforeAll(() => {
  requireBuild('state-postgres');
  requireBuild('state-sqlite');
});

afterEach(async () => {
  await rig.dispose();
});

describe('early open with worker processes on PostgreSQL', () => {
  beforeEach(async () => {
    rig = await postgresRig();
  });

  it('4 worker processes process records while prepare streams; one finalisation, after the last batch; exact counts', async () => {
    const rows = 20_000;
    const prepare = startPrepare({
      ...rig.env,
      OPEN_EARLY: '1',
      GENERATED_ROWS: String(rows),
      ROWS_PER_CHUNK: '250',
      CHUNK_DELAY_MS: '15',
      BATCH_SIZE: '100',
      // Halfway, the source waits until a worker has completed a batch (read from the store).
      HOLD_AT_CHUNK: String(rows / 250 / 2),
    });
    await waitFor(() => prepare.lines.some((l) => 'opened' in l), 'the job to open');
    const jobId = prepare.lines.find((l) => 'opened' in l)?.opened as string;
    const workers = Array.from({ length: 4 }, (_, i) =>
      startWorker({ ...rig.env, JOB_ID: jobId, WORKER_ID: `w${i}`, BATCH_SIZE: '100' }),
    );
    const [prepared, ...ended] = await Promise.all([prepare.done, ...workers.map((w) => w.done)]);
    expect(prepared.code, prepared.stderr).toBe(0);
    const outcome = prepare.lines.at(-1) as {
      outcome: string;
      totalRecords: number;
      completedEvents: number;
    };
    expect(outcome).toMatchObject({ outcome: 'prepared', totalRecords: rows });
    for (const worker of ended) expect(worker.code, worker.stderr).toBe(0);
    const reports = ended.map(
      (w) =>
        w.report as unknown as {
          processed: number;
          invocations: number;
          jobComplete: boolean;
        },
    );

    // Records were processed while the prepare still streamed: the source was held until a
    // batch was COMPLETED, and the store then still had the job opened early (not finished).
    expect(prepare.lines.find((l) => 'held' in l)?.held).toMatchObject({
      openEarly: true,
      status: 'PROCESSING',
    });
    // Every record exactly once.
    expect(reports.reduce((n, r) => n + r.processed, 0)).toBe(rows);
    expect(reports.reduce((n, r) => n + r.invocations, 0)).toBe(rows);
    expect(await rig.targetCounts()).toEqual({ n: rows, d: rows });
    // One finalisation (by a worker or by the prepare), after the prepare stored its last batch.
    const finalisers = reports.filter((r) => r.jobComplete).length + outcome.completedEvents;
    expect(finalisers).toBe(1);
    // The store refuses to finalise a job opened early before its prepare ends: the one
    // finalisation counted every record.
    const job = await rig.store.getJobState(jobId);
    expect(job?.status).toBe('COMPLETED');
    const details = await rig.store.getJobDetails(jobId);
    expect(details?.summary).toMatchObject({ total: rows, processed: rows, failed: 0 });
  });
});

/** The same records in each format. */
function writeSources(dir: string, rows: number): Record<string, string> {
  const users = Array.from({ length: rows }, (_, i) => ({ id: i, email: `user${i}@example.com` }));
  const files: Record<string, string> = {
    csv: 'id,email\n' + users.map((u) => `${u.id},${u.email}`).join('\n') + '\n',
    ndjson: users.map((u) => JSON.stringify(u)).join('\n') + '\n',
    json: '[\n' + users.map((u) => `  ${JSON.stringify(u)}`).join(',\n') + '\n]\n',
    xml:
      '<?xml version="1.0" encoding="UTF-8"?>\n<users>\n' +
      users.map((u) => `  <user><id>${u.id}</id><email>${u.email}</email></user>`).join('\n') +
      '\n</users>\n',
  };
  for (const [format, text] of Object.entries(files))
    writeFileSync(join(dir, `users.${format}`), text);
  return Object.fromEntries(Object.keys(files).map((f) => [f, join(dir, `users.${f}`)]));
}

describe.each([
  { name: 'PostgreSQL', create: postgresRig },
  { name: 'SQLite', create: sqliteRig },
])('prepare killed with SIGKILL at random points, then resumed ($name)', ({ create }) => {
  beforeEach(async () => {
    rig = await create();
  });

  const rows = 12_000;
  const batchSize = 100;
  const batches = rows / batchSize;
  let dir: string;
  let files: Record<string, string>;
  let server: RangeServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ba-kill-prepare-'));
    files = writeSources(dir, rows);
    server = await startRangeServer(dir);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases = ['csv', 'ndjson', 'json', 'xml'].flatMap((format) => [
    { format, over: 'file' as const },
    { format, over: 'HTTP with Range' as const },
  ]);

  it.for(cases)('$format over $over: every record exactly once', async ({ format, over }) => {
    const source = over === 'file' ? files[format]! : server.url(`users.${format}`);
    const rangesBefore = server.ranges.length;
    const env = {
      ...rig.env,
      SOURCE: source,
      FORMAT: format,
      BATCH_SIZE: String(batchSize),
      CHUNK_DELAY_MS: '3',
    };
    let jobId = '';
    const stored = async () =>
      jobId === '' ? 0 : (await rig.store.listPreparedBatches(jobId)).length;
    const kills: number[] = [];
    const readFroms: number[] = [];
    // Three runs killed at random points, each after storing some more batches, then one to the end.
    for (let run = 0; run < 4; run += 1) {
      const child = startPrepare(
        run === 0
          ? { ...env, MODE: 'prepare' }
          : { ...env, MODE: 'resume', JOB_ID: jobId, TAKE_OVER_MS: '0' },
      );
      if (run === 0) {
        await waitFor(async () => (await rig.store.listJobs()).length === 1, 'the job to exist');
        jobId = (await rig.store.listJobs())[0]!.jobId;
      }
      if (run < 3) {
        const target = Math.min(batches - 5, (await stored()) + 5 + Math.floor(Math.random() * 25));
        await waitFor(
          async () => (await stored()) >= target || child.child.exitCode !== null,
          `${target} batches`,
        );
        child.child.kill('SIGKILL');
        const ended = await child.done;
        kills.push(await stored());
        if (ended.signal !== 'SIGKILL') {
          // It finished before the kill landed: nothing left to resume.
          expect(ended.code, ended.stderr).toBe(0);
          break;
        }
      } else {
        const ended = await child.done;
        expect(ended.code, ended.stderr).toBe(0);
        expect(child.lines.at(-1), JSON.stringify({ kills })).toMatchObject({
          outcome: 'prepared',
          totalRecords: rows,
          totalBatches: batches,
        });
      }
      for (const line of child.lines)
        if ('readFrom' in line) readFroms.push(line.readFrom as number);
    }
    const context = JSON.stringify({ kills, readFroms });
    // Resumes read from a byte offset (the file or the HTTP server were asked for the rest).
    expect(
      readFroms.some((offset) => offset > 0),
      context,
    ).toBe(true);
    if (over === 'HTTP with Range') {
      expect(
        server.ranges.slice(rangesBefore).some((r) => r !== undefined && r !== 'bytes=0-'),
        context,
      ).toBe(true);
    }
    // No record or batch stored twice, none missing.
    const held = await rig.storedCounts(jobId);
    expect(held.records, context).toEqual({ n: rows, d: rows });
    expect(held.batches, context).toEqual({ n: batches, d: batches });
    // Processing hands every record to the processor exactly once, with its own values.
    const di = new DistributedImport({
      schema,
      batchSize,
      stateStore: rig.store,
      coerceValues: true,
    });
    const seen = new Map<number, string>();
    const result = await runWorker(
      di,
      jobId,
      (record) => {
        const id = record.id as number;
        expect(seen.has(id)).toBe(false);
        seen.set(id, record.email as string);
      },
      { waitForOthers: false },
    );
    expect(result.jobComplete).toBe(true);
    expect(seen.size).toBe(rows);
    for (const [id, email] of seen) expect(email).toBe(`user${id}@example.com`);
  });
});
