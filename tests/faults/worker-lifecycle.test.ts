import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DistributedImport } from '../../src/index';
import { requireBuild } from '../support/child-workers';
import {
  postgresLifecycleRig,
  prepareLifecycleJob,
  sqliteLifecycleRig,
  startLifecycleWorker,
  waitFor,
  type LifecycleRig,
} from '../support/lifecycle-rig';

const BATCH_SIZE = 100;

/** An importer for the test process itself (cancel, pause, resume, status). */
function operator(rig: LifecycleRig): DistributedImport {
  return new DistributedImport({ schema: { fields: [] }, stateStore: rig.store });
}

/**
 * Job lifecycle under faults (issue 12), with real worker processes on the built packages and
 * DEFAULT options unless a test says otherwise. Every processor call is counted per record in
 * the `hits` table, so "none lost, none twice" is checked record by record.
 */
describe.each([
  { name: 'PostgresStateStore', makeRig: postgresLifecycleRig, pkg: 'state-postgres' as const },
  { name: 'SqliteStateStore', makeRig: sqliteLifecycleRig, pkg: 'state-sqlite' as const },
])('worker lifecycle under faults on $name', ({ makeRig, pkg }) => {
  let rig: LifecycleRig;
  beforeAll(() => {
    requireBuild(pkg);
  });
  beforeEach(async () => {
    rig = await makeRig();
  });
  afterEach(async () => {
    await rig.dispose();
  });

  it('a worker SIGKILLed near the end: the 3 survivors, with default options, finish the job within a minute', async () => {
    const RECORDS = 4_000;
    const jobId = await prepareLifecycleJob(rig.store, RECORDS, BATCH_SIZE);
    // The victim is slow (its batch would take 20 s), so it still holds a batch when the others
    // have claimed everything else.
    const victim = startLifecycleWorker(rig, jobId, 'victim', { RECORD_DELAY_MS: '200' });
    await waitFor('the victim to hold a batch', async () =>
      (await rig.store.listBatchesInFlight!(jobId)).some((b) => b.workerId === 'victim'),
    );
    const survivors = [1, 2, 3].map((i) => startLifecycleWorker(rig, jobId, `survivor-${i}`));
    await waitFor(
      'every other batch to be claimed',
      async () => (await rig.store.getDistributedStatus(jobId)).pendingBatches === 0,
    );
    const [held] = (await rig.store.listBatchesInFlight!(jobId)).filter(
      (b) => b.workerId === 'victim',
    );
    expect(held).toBeDefined();
    victim.worker.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await victim.worker.done).signal).toBe('SIGKILL');

    const reports = await Promise.all(survivors.map((s) => s.report()));
    const finishedAfterMs = Date.now() - killedAt;
    // The lease (three 5-second heartbeats) expires, a survivor reclaims the batch, and the
    // job is finished without any worker being started again.
    expect(finishedAfterMs).toBeLessThan(60_000);
    expect(reports.map((r) => r.stoppedBy).sort()).toEqual([
      'job-complete',
      'job-terminal',
      'job-terminal',
    ]);
    expect(reports.filter((r) => r.jobComplete)).toHaveLength(1);
    expect(reports.reduce((n, r) => n + r.jobCompletedEvents, 0)).toBe(1);

    const status = await operator(rig).getStatus(jobId);
    expect(status.status).toBe('COMPLETED');
    expect([status.progress.processedRecords, status.progress.failedRecords]).toEqual([RECORDS, 0]);
    expect(status.inFlight).toEqual([]);
    const reclaimed = (await rig.store.getJobState(jobId))?.batches.find(
      (b) => b.id === held!.batchId,
    );
    expect(reclaimed?.status).toBe('COMPLETED');
    expect(reclaimed?.workerId).toMatch(/^survivor-/);

    // Every record was processed; only records of the victim's in-flight batch (which it had
    // started on when it was killed) were processed twice, and none more often.
    const hits = await rig.hits();
    expect(hits.size).toBe(RECORDS);
    const first = held!.batchIndex * BATCH_SIZE;
    const twice = [...hits].filter(([, n]) => n > 1);
    expect(twice.every(([id, n]) => n === 2 && id >= first && id < first + BATCH_SIZE)).toBe(true);
    expect(twice.length).toBeGreaterThan(0); // the victim had processed some of its batch
    const processed = await rig.store.getProcessedRecords(jobId);
    expect(new Set(processed.map((r) => r.index)).size).toBe(RECORDS);
  }, 120_000);

  it('pause: waiting workers stay and carry on after resume; stopWhenPaused workers return paused', async () => {
    const RECORDS = 3_000;
    const jobId = await prepareLifecycleJob(rig.store, RECORDS, BATCH_SIZE);
    const slow = { RECORD_DELAY_MS: '3' };
    const patient = [1, 2].map((i) => startLifecycleWorker(rig, jobId, `patient-${i}`, slow));
    const leaving = [1, 2].map((i) =>
      startLifecycleWorker(rig, jobId, `leaving-${i}`, { ...slow, STOP_WHEN_PAUSED: '1' }),
    );
    const ops = operator(rig);
    await waitFor(
      'a few batches to complete',
      async () => (await rig.store.getDistributedStatus(jobId)).completedBatches >= 3,
    );
    expect(await ops.pause(jobId)).toBe(true);

    const left = await Promise.all(leaving.map((w) => w.report()));
    expect(left.map((r) => [r.stoppedBy, r.jobStatus])).toEqual([
      ['paused', 'PAUSED'],
      ['paused', 'PAUSED'],
    ]);
    // Batches in flight at the pause finish; then nothing moves while the job is paused.
    await waitFor(
      'the batches in flight to finish',
      async () => (await rig.store.getDistributedStatus(jobId)).processingBatches === 0,
    );
    const before = await rig.store.getDistributedStatus(jobId);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await rig.store.getDistributedStatus(jobId)).toEqual(before);
    expect(before.pendingBatches).toBeGreaterThan(0);
    expect(patient.map((w) => w.worker.child.exitCode)).toEqual([null, null]);

    expect(await ops.resume(jobId)).toBe(true);
    const stayed = await Promise.all(patient.map((w) => w.report()));
    expect(stayed.map((r) => r.stoppedBy).sort()).toEqual(['job-complete', 'job-terminal']);
    expect([...stayed, ...left].reduce((n, r) => n + r.jobCompletedEvents, 0)).toBe(1);
    expect(stayed.every((r) => r.batches > 0)).toBe(true);

    // No worker died: every record was processed exactly once.
    const hits = await rig.hits();
    expect(hits.size).toBe(RECORDS);
    expect([...hits.values()].every((n) => n === 1)).toBe(true);
    expect((await ops.getStatus(jobId)).status).toBe('COMPLETED');
  }, 120_000);

  it('cancel while a processor never returns: the batch is released, not left PROCESSING, and the worker exits', async () => {
    const RECORDS = 1_000;
    const jobId = await prepareLifecycleJob(rig.store, RECORDS, BATCH_SIZE);
    const stuck = startLifecycleWorker(rig, jobId, 'stuck', { HANG_IDS: '250' });
    await waitFor('the processor to reach record 250', async () => (await rig.hits()).has(249));
    const [held] = await rig.store.listBatchesInFlight!(jobId);
    expect([held?.batchIndex, held?.workerId]).toEqual([2, 'stuck']);
    // Its heartbeats keep the claim fresh: without the cancel this batch would stay forever.
    const hitsAtCancel = (await rig.hits()).size;

    const cancelledAt = Date.now();
    expect(await operator(rig).cancel(jobId)).toBe(true);
    const report = await stuck.report();
    expect(report).toMatchObject({ stoppedBy: 'job-terminal', jobStatus: 'ABORTED' });
    // Noticed within the cancel-check interval (2 s), then released at once.
    expect(Date.now() - cancelledAt).toBeLessThan(30_000);

    const status = await operator(rig).getStatus(jobId);
    expect(status.status).toBe('ABORTED');
    expect(status.batches.processingBatches).toBe(0);
    expect(status.inFlight).toEqual([]);
    // The released batch was written nothing; no processor call happened after the hang.
    expect((await rig.hits()).size).toBe(hitsAtCancel);
    const batch = (await rig.store.getJobState(jobId))?.batches.find((b) => b.index === 2);
    expect(['PENDING', 'FAILED']).toContain(batch?.status); // released (or failed), never held
    expect(batch?.processedCount).toBe(0);
  }, 120_000);

  it('recordTimeoutMs: records whose processor hangs fail with a timeout, the rest run once, the job completes', async () => {
    const RECORDS = 2_000;
    const jobId = await prepareLifecycleJob(rig.store, RECORDS, BATCH_SIZE);
    const options = { RECORD_TIMEOUT_MS: '300', HANG_IDS: '17,1234' };
    const workers = [1, 2].map((i) => startLifecycleWorker(rig, jobId, `w${i}`, options));
    const reports = await Promise.all(workers.map((w) => w.report()));
    expect(reports.reduce((n, r) => n + r.processed, 0)).toBe(RECORDS - 2);
    expect(reports.reduce((n, r) => n + r.failed, 0)).toBe(2);
    expect(reports.reduce((n, r) => n + r.jobCompletedEvents, 0)).toBe(1);

    const failed = await rig.store.getFailedRecords(jobId);
    expect(failed.map((r) => [r.index, r.processingError])).toEqual([
      [17, 'Processing record 17 timed out after 300 ms'],
      [1234, 'Processing record 1234 timed out after 300 ms'],
    ]);
    const hits = await rig.hits();
    expect(hits.size).toBe(RECORDS - 2);
    expect([...hits.values()].every((n) => n === 1)).toBe(true);
    const status = await operator(rig).getStatus(jobId);
    expect(status.status).toBe('COMPLETED');
    expect(status.batches.processingBatches).toBe(0);
  }, 120_000);
});
