import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BufferSource, type DistributedStateStore } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { requireBuild, startWorker, type ChildReport } from '../support/child-workers';
import { postgresTargetRig, sqliteTargetRig, type TargetRig } from '../support/target-rigs';

const RECORDS = 50_000;
const BATCH_SIZE = 100;

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
  { name: 'SqliteStateStore', rig: () => sqliteTargetRig(), pkg: 'state-sqlite' as const },
  { name: 'PostgresStateStore', rig: () => postgresTargetRig(), pkg: 'state-postgres' as const },
  // Batches prepared as payloads (issue 28): one-statement claims that read the payload, and
  // completions that write an outcome row.
  {
    name: 'SqliteStateStore (batchPayloads)',
    rig: () => sqliteTargetRig('mp', { batchPayloads: true }),
    pkg: 'state-sqlite' as const,
  },
  {
    name: 'PostgresStateStore (batchPayloads)',
    rig: () => postgresTargetRig('mp', { batchPayloads: true }),
    pkg: 'state-postgres' as const,
  },
])('4 worker processes on $name', ({ rig: makeRig, pkg }) => {
  let rig: TargetRig;
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
