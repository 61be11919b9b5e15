import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BufferSource, type DistributedStateStore, type JobSummary } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport } from '../../../../src/index';
import { reportsOf, type Child } from './children';

/** What a worker process (fixtures/worker-loop.mjs) prints when it ends. */
export interface WorkerReport {
  readonly workerId: string;
  readonly batches: number;
  readonly processed: number;
  readonly failed: number;
  readonly jobComplete: boolean;
  readonly invocations: number;
  readonly summary?: JobSummary;
}

/** How a multi-process test runs the scenario on its store. */
export interface SigkillScenario {
  /** The store the test process prepares the job with and reads it back from. */
  readonly store: DistributedStateStore;
  /** Starts one worker process (fixtures/worker.mjs of the test's package) with `env` added. */
  readonly startWorker: (env: Record<string, string>) => Child<WorkerReport>;
  /** The environment every worker gets besides the job's (database URL, client module, ...). */
  readonly childEnv: Record<string, string>;
  /** A scratch folder for the files of processed ids. */
  readonly dir: string;
  readonly records: number;
  readonly batchSize: number;
}

function csv(rows: number): string {
  const lines = ['id,email'];
  for (let i = 0; i < rows; i += 1) lines.push(`${i},user${i}@example.com`);
  return lines.join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Prepares a job of `records` records, starts 4 worker processes, SIGKILLs one while it holds a
 * batch it has started on, and checks that the 3 survivors finish the job: every record reached
 * a processor (the victim's partial batch twice), each counted once by the store, exactly one
 * finaliser with the exact summary.
 */
export async function expectSurvivesSigkill(scenario: SigkillScenario): Promise<void> {
  const { store, records, batchSize, dir } = scenario;
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
  const { jobId, totalBatches } = await di.prepare(new BufferSource(csv(records)), new CsvParser());
  expect(totalBatches).toBe(records / batchSize);

  // A short lease (3 s) keeps the test quick: the survivors wait for the victim's lease to
  // expire, reclaim its batch and finish the job themselves. Not shorter: on a loaded machine a
  // survivor's heartbeat can come more than a second late, its lease is then lost for good
  // reason (its batch goes to another worker) and the exact once-only counts no longer hold.
  const env = (workerId: string, extra: Record<string, string> = {}) => ({
    ...scenario.childEnv,
    JOB_ID: jobId,
    WORKER_ID: workerId,
    TARGET_FILE: join(dir, `${workerId}.ids`),
    LEASE_MS: '3000',
    ...extra,
  });
  const victim = scenario.startWorker(env('victim', { HANG_AT_RECORD: '5' }));
  const others = [1, 2, 3].map((i) => scenario.startWorker(env(`p${i}`)));

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
  // The survivors do not walk away from the unfinished job: one of them reclaims the victim's
  // batch once its lease expires and finalises the job.
  const finalisers = survivors.filter((r) => r.jobComplete);
  expect(finalisers).toHaveLength(1);
  expect(survivors.every((r) => r.batches > 0)).toBe(true);
  expect(finalisers[0]?.summary).toMatchObject({
    total: records,
    processed: records,
    failed: 0,
    skipped: 0,
  });
  const reclaimed = (await store.getJobState(jobId))?.batches.find((b) => b.id === held);
  expect(reclaimed?.status).toBe('COMPLETED');
  expect(reclaimed?.workerId).toMatch(/^p\d$/);

  // None lost: every id reached a processor (the victim's partial batch twice: processors must
  // be idempotent). None counted twice: the store counts each record once.
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
  expect(seen.size).toBe(records);
  expect(survivors.reduce((n, r) => n + r.processed, 0)).toBe(records);
  const progress = await store.getProgress(jobId);
  expect([progress.processedRecords, progress.failedRecords, progress.pendingRecords]).toEqual([
    records,
    0,
    0,
  ]);
  const processed = await store.getProcessedRecords(jobId);
  expect(new Set(processed.map((r) => r.index)).size).toBe(records);
  const job = await store.getJobState(jobId);
  expect(job?.status).toBe('COMPLETED');
  expect(job?.batches.reduce((n, b) => n + b.processedCount, 0)).toBe(records);
}
