import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BufferSource, type DistributedStateStore } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { DistributedImport } from '../../src/index';
import { requireBuild, startWorker, type ChildReport } from '../support/child-workers';

const RECORDS = 50_000;
const BATCH_SIZE = 100;

/** A shared store plus the target table the processors write into. */
interface Rig {
  readonly store: DistributedStateStore;
  readonly env: Record<string, string>;
  readonly targetCount: () => Promise<{ rows: number; distinct: number }>;
  readonly dispose: () => Promise<void>;
}

async function postgresRig(): Promise<Rig> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set (tests/global-setup.ts sets it)');
  const schema = `mp_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const store = new PostgresStateStore({ connectionString, schema });
  await store.initialize();
  const admin = new pg.Pool({ connectionString, max: 1 });
  await admin.query(`CREATE TABLE "${schema}".target (id integer PRIMARY KEY)`);
  return {
    store,
    env: { STORE_KIND: 'postgres', DATABASE_URL: connectionString, PG_SCHEMA: schema },
    targetCount: async () => {
      const { rows } = await admin.query<{ rows: string; distinct: string }>(
        `SELECT count(*) AS rows, count(DISTINCT id) AS distinct FROM "${schema}".target`,
      );
      return { rows: Number(rows[0]?.rows), distinct: Number(rows[0]?.distinct) };
    },
    dispose: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

async function sqliteRig(): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'ba-mp-'));
  const file = join(dir, 'state.sqlite');
  const targetFile = join(dir, 'target.sqlite');
  const store = new SqliteStateStore({ filename: file });
  await store.initialize();
  const target = new Database(targetFile);
  target.pragma('journal_mode = WAL');
  target.exec('CREATE TABLE target (id INTEGER PRIMARY KEY)');
  return {
    store,
    env: { STORE_KIND: 'sqlite', SQLITE_FILE: file, TARGET_FILE: targetFile },
    targetCount: () => {
      const row = target
        .prepare('SELECT count(*) AS n, count(DISTINCT id) AS d FROM target')
        .get() as {
        n: number;
        d: number;
      };
      return Promise.resolve({ rows: row.n, distinct: row.d });
    },
    dispose: async () => {
      target.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function csv(rows: number): string {
  const lines = ['id,email'];
  for (let i = 0; i < rows; i += 1) lines.push(`${i},user${i}@example.com`);
  return lines.join('\n');
}

async function prepare(store: DistributedStateStore): Promise<string> {
  const di = new DistributedImport({
    schema: {
      fields: [
        { name: 'id', type: 'number' },
        { name: 'email', type: 'email' },
      ],
    },
    batchSize: BATCH_SIZE,
    stateStore: store,
  });
  const { jobId, totalRecords } = await di.prepare(new BufferSource(csv(RECORDS)), new CsvParser());
  expect(totalRecords).toBe(RECORDS);
  return jobId;
}

function reportsOf(
  results: { code: number | null; report?: ChildReport; stderr: string }[],
): ChildReport[] {
  return results.map((r) => {
    if (r.code !== 0 || !r.report)
      throw new Error(`worker exited with ${String(r.code)}: ${r.stderr}`);
    return r.report;
  });
}

describe.each([
  { name: 'SqliteStateStore', rig: sqliteRig, pkg: 'state-sqlite' as const },
  { name: 'PostgresStateStore', rig: postgresRig, pkg: 'state-postgres' as const },
])('4 worker processes on $name', ({ rig: makeRig, pkg }) => {
  let rig: Rig;
  beforeAll(() => {
    requireBuild(pkg);
  });
  beforeEach(async () => {
    rig = await makeRig();
  });
  afterEach(async () => {
    await rig.dispose();
  });

  it('process every record exactly once and exactly one of them finalises the job', async () => {
    const jobId = await prepare(rig.store);
    const workers = Array.from({ length: 4 }, (_, i) =>
      startWorker({
        ...rig.env,
        JOB_ID: jobId,
        WORKER_ID: `p${i}`,
        BATCH_SIZE: String(BATCH_SIZE),
      }),
    );
    const reports = reportsOf(await Promise.all(workers.map((w) => w.done)));

    expect(reports.filter((r) => r.jobComplete)).toHaveLength(1);
    expect(reports.reduce((n, r) => n + r.invocations, 0)).toBe(RECORDS);
    expect(reports.reduce((n, r) => n + r.processed, 0)).toBe(RECORDS);
    expect(reports.reduce((n, r) => n + r.batches, 0)).toBe(RECORDS / BATCH_SIZE);
    // Every process did a share of the work: the claims were really shared.
    expect(reports.every((r) => r.batches > 0)).toBe(true);
    expect(await rig.targetCount()).toEqual({ rows: RECORDS, distinct: RECORDS });
    const progress = await rig.store.getProgress(jobId);
    expect([progress.processedRecords, progress.failedRecords, progress.pendingRecords]).toEqual([
      RECORDS,
      0,
      0,
    ]);
    expect((await rig.store.getJobState(jobId))?.status).toBe('COMPLETED');
  }, 240_000);

  it('survive a worker killed with SIGKILL mid-batch: the others reclaim its batch once its lease expires and nothing is lost', async () => {
    const jobId = await prepare(rig.store);
    // A short lease (1 s) keeps the test quick; tests/faults covers the default lease.
    const env = { ...rig.env, JOB_ID: jobId, BATCH_SIZE: String(BATCH_SIZE), LEASE_MS: '1000' };
    // The victim's 5th record never finishes: it is killed mid-batch whatever the machine's load.
    const victim = startWorker({ ...env, WORKER_ID: 'victim', HANG_AT_RECORD: '5' });
    const others = [1, 2, 3].map((i) => startWorker({ ...env, WORKER_ID: `p${i}` }));

    // Wait until the victim holds a batch it has started on, then kill it without warning.
    let held: string | undefined;
    for (let i = 0; i < 600 && held === undefined; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const job = await rig.store.getJobState(jobId);
      held = job?.batches.find((b) => b.workerId === 'victim' && b.status === 'PROCESSING')?.id;
    }
    expect(held).toBeDefined();
    victim.child.kill('SIGKILL');
    const killed = await victim.done;
    expect(killed.signal).toBe('SIGKILL');

    // The survivors do not walk away from the unfinished job: they wait for the dead worker's
    // lease to expire, and one of them processes its batch and finalises the job.
    const survivors = reportsOf(await Promise.all(others.map((w) => w.done)));
    expect(survivors.filter((r) => r.jobComplete)).toHaveLength(1);
    const reclaimed = (await rig.store.getJobState(jobId))?.batches.find((b) => b.id === held);
    expect(reclaimed?.status).toBe('COMPLETED');
    expect(reclaimed?.workerId).toMatch(/^p\d$/);

    expect((await rig.targetCount()).distinct).toBe(RECORDS);
    const progress = await rig.store.getProgress(jobId);
    expect([progress.processedRecords, progress.failedRecords]).toEqual([RECORDS, 0]);
    const processedRows = await rig.store.getProcessedRecords(jobId);
    expect(processedRows).toHaveLength(RECORDS);
    expect(new Set(processedRows.map((r) => r.index)).size).toBe(RECORDS);
    expect((await rig.store.getJobState(jobId))?.status).toBe('COMPLETED');
  }, 240_000);
});
