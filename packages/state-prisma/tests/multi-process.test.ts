import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BufferSource, type JobSummary } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { PrismaStateStore } from '@batchactions/state-prisma';
import { DistributedImport } from '../../../src/index';
import { reportsOf, requireBuild, startChild } from './support/children';
import {
  createTestDatabase,
  DATABASES,
  PROVIDER,
  type PrismaTestDatabase,
  type TestPrismaClient,
} from './support/databases';
import { generatedClient, type PrismaMajor } from './support/prisma-clients';

/** Prisma 7 on every database; Prisma 6 on PostgreSQL and SQLite. */
const RUNS: readonly (readonly [PrismaMajor, (typeof DATABASES)[number]])[] = [
  ...DATABASES.map((kind) => [7, kind] as const),
  [6, 'postgres'],
  [6, 'sqlite'],
];

const RECORDS = 20_000;
const BATCH_SIZE = 100;

interface WorkerReport {
  readonly workerId: string;
  readonly batches: number;
  readonly processed: number;
  readonly failed: number;
  readonly jobComplete: boolean;
  readonly invocations: number;
  readonly summary?: JobSummary;
}

function csv(rows: number): string {
  const lines = ['id,email'];
  for (let i = 0; i < rows; i += 1) lines.push(`${i},user${i}@example.com`);
  return lines.join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(RUNS)('4 worker processes on PrismaStateStore, Prisma %s (%s)', (major, kind) => {
  let database: PrismaTestDatabase;
  let prisma: TestPrismaClient;
  let dir: string;

  beforeAll(() => {
    requireBuild();
  });
  afterEach(async () => {
    await prisma.$disconnect();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survive a worker SIGKILLed mid-batch: every record processed and counted exactly once, one finaliser, exact summary', async () => {
    database = await createTestDatabase(kind, 'prisma multi process', major);
    prisma = await database.connect();
    dir = mkdtempSync(join(tmpdir(), 'prisma-mp-'));
    const store = new PrismaStateStore(prisma);
    const clientModule = await generatedClient(PROVIDER[kind], major);
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
    const { jobId, totalBatches } = await di.prepare(
      new BufferSource(csv(RECORDS)),
      new CsvParser(),
    );
    expect(totalBatches).toBe(RECORDS / BATCH_SIZE);

    // A short lease (1 s) keeps the test quick: the survivors wait for the victim's lease to
    // expire, reclaim its batch and finish the job themselves.
    const env = (workerId: string, extra: Record<string, string> = {}) => ({
      ...database.childEnv,
      PRISMA_CLIENT_MODULE: clientModule,
      JOB_ID: jobId,
      WORKER_ID: workerId,
      TARGET_FILE: join(dir, `${workerId}.ids`),
      LEASE_MS: '1000',
      ...extra,
    });
    const victim = startChild<WorkerReport>('worker.mjs', env('victim', { HANG_AT_RECORD: '5' }));
    const others = [1, 2, 3].map((i) => startChild<WorkerReport>('worker.mjs', env(`p${i}`)));

    // Kill the victim without warning while it holds a batch it has started on.
    let held: string | undefined;
    for (let i = 0; i < 1200 && held === undefined; i += 1) {
      await sleep(25);
      const job = await store.getJobState(jobId);
      held = job?.batches.find((b) => b.workerId === 'victim' && b.status === 'PROCESSING')?.id;
    }
    expect(held).toBeDefined();
    victim.child.kill('SIGKILL');
    expect((await victim.done).signal).toBe('SIGKILL');

    const survivors = reportsOf(await Promise.all(others.map((w) => w.done)));
    // The survivors do not walk away from the unfinished job: one of them reclaims the
    // victim's batch once its lease expires and finalises the job.
    const finalisers = survivors.filter((r) => r.jobComplete);
    expect(finalisers).toHaveLength(1);
    expect(survivors.every((r) => r.batches > 0)).toBe(true);
    expect(finalisers[0]?.summary).toMatchObject({
      total: RECORDS,
      processed: RECORDS,
      failed: 0,
      skipped: 0,
    });
    const reclaimed = (await store.getJobState(jobId))?.batches.find((b) => b.id === held);
    expect(reclaimed?.status).toBe('COMPLETED');
    expect(reclaimed?.workerId).toMatch(/^p\d$/);

    // None lost: every id reached a processor (the victim's partial batch twice: processors
    // must be idempotent). None counted twice: the store counts each record once.
    const seen = new Set<string>();
    for (const workerId of ['victim', 'p1', 'p2', 'p3']) {
      let text = '';
      try {
        text = readFileSync(join(dir, `${workerId}.ids`), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      for (const id of text.split('\n')) if (id !== '') seen.add(id);
    }
    expect(seen.size).toBe(RECORDS);
    const counted = survivors.reduce((n, r) => n + r.processed, 0);
    expect(counted).toBe(RECORDS);
    const progress = await store.getProgress(jobId);
    expect([progress.processedRecords, progress.failedRecords, progress.pendingRecords]).toEqual([
      RECORDS,
      0,
      0,
    ]);
    const processed = await store.getProcessedRecords(jobId);
    expect(new Set(processed.map((r) => r.index)).size).toBe(RECORDS);
    const job = await store.getJobState(jobId);
    expect(job?.status).toBe('COMPLETED');
    expect(job?.batches.reduce((n, b) => n + b.processedCount, 0)).toBe(RECORDS);
  }, 300_000);
});
