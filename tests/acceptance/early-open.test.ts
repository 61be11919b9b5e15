import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  InMemoryDistributedStateStore,
  JobStatus,
  UnsupportedByStoreError,
} from '@batchactions/core';
import { CsvParser, JsonParser } from '@batchactions/import';
import { DistributedImport, runWorker } from '../../src/index';
import { GatedCsvSource } from '../support/gated-source';
import { sequelizeFactories } from '../support/sequelize-stores';
import { fullPortStores, publishedPortOnly, useTestStore } from '../support/stores';
import { usersCsv, usersSchema } from '../support/workers';

const stores = [...fullPortStores, ...sequelizeFactories];

/**
 * Polls `check` until it holds: a hang guard of two minutes (a loaded 2-core machine running
 * MariaDB beside the tests needed more than 20 s), not a timing assertion. `gaveUp` ends the
 * wait early when what it waits for can no longer happen (the workers returned).
 */
async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  gaveUp: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    const reason = gaveUp();
    if (reason !== undefined) throw new Error(`stopped waiting for ${what}: ${reason}`);
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(stores)('early open on $name', (factory) => {
  const t = useTestStore(factory);
  const importer = () =>
    new DistributedImport({ schema: usersSchema, batchSize: 10, stateStore: t.store });

  it('workers process batches while prepare streams; the job finalises only after the last batch', async () => {
    const preparer = importer();
    const seen: number[] = [];
    const processedWhileStreaming = { count: 0 };
    const workersReturned: string[] = [];
    let jobId = '';
    // 30 chunks of 20 rows; at chunk 10 the source waits until workers processed what is stored.
    const source = new GatedCsvSource(600, 20, async (chunk) => {
      if (chunk !== 10) return;
      const jobs = await t.store.listJobs!();
      jobId = jobs[0]!.jobId;
      await waitFor(
        () => seen.length >= 100,
        'workers to process stored batches',
        () =>
          workersReturned.length > 0
            ? `workers returned: ${workersReturned.join(', ')}`
            : undefined,
      );
      processedWhileStreaming.count = seen.length;
      const status = await preparer.getStatus(jobId);
      // Every stored batch is done, yet the job is not complete: more batches are coming.
      expect(status.status).toBe(JobStatus.PROCESSING);
      expect(status.batches.isComplete).toBe(false);
      expect(status.prepare).toMatchObject({ state: 'running', openEarly: true });
      expect(await t.store.tryFinalizeJob(jobId)).toBe(false);
    });
    const completed: string[] = [];
    const workers = importer();
    workers.on('job:completed', (event) => completed.push(event.jobId));
    const prepared = preparer.prepare(source, new CsvParser(), { openEarly: true });
    // Workers that do not wait for others start once the job is open: on a job still CREATED
    // they return at once (`no-batches`), as documented for `waitForOthers: false`.
    await waitFor(async () => {
      const jobs = await t.store.listJobs!();
      return jobs.length === 1 && jobs[0]!.status === JobStatus.PROCESSING;
    }, 'the job to open');
    const id = (await t.store.listJobs!())[0]!.jobId;
    const totals = new Set<number>();
    const run = (workerId: string) =>
      runWorker(
        workers,
        id,
        (record, context) => {
          totals.add(context.totalRecords);
          seen.push(record.id as number);
        },
        { workerId, waitForOthers: false, pollIntervalMs: 20 },
      ).then((result) => {
        workersReturned.push(`${workerId} (${result.stoppedBy})`);
        return result;
      });
    const results = await Promise.all([run('w1'), run('w2'), prepared.then(() => undefined)]);
    expect(await prepared).toEqual({ jobId: id, totalRecords: 600, totalBatches: 60 });
    expect(processedWhileStreaming.count).toBeGreaterThanOrEqual(100);
    expect(seen.length).toBe(600);
    expect(new Set(seen).size).toBe(600);
    // Processors saw the running count while the prepare streamed (read at most once a second
    // per worker), never more than the final total.
    expect(Math.max(...totals)).toBeLessThanOrEqual(600);
    expect(Math.min(...totals)).toBeLessThan(600);
    const finalisers = results.filter((r) => r?.jobComplete === true).length;
    expect(finalisers).toBeLessThanOrEqual(1);
    expect(completed).toEqual([id]);
    const status = await workers.getStatus(id);
    expect(status.status).toBe(JobStatus.COMPLETED);
    expect(status.summary).toMatchObject({ total: 600, processed: 600, failed: 0 });
    expect(status.prepare).toBeUndefined();
  });

  it('hands processors the final total once the prepare ended', async () => {
    const di = importer();
    let jobId = '';
    const totals: number[] = [];
    const source = new GatedCsvSource(60, 20, async (chunk) => {
      if (chunk !== 2) return;
      jobId = (await t.store.listJobs!())[0]!.jobId;
      await waitFor(async () => (await di.getStatus(jobId)).batches.totalBatches >= 1, 'a batch');
      await di.processWorkerBatch(jobId, (_r, c) => void totals.push(c.totalRecords), 'w');
    });
    await di.prepare(source, new CsvParser(), { openEarly: true });
    expect(totals[0]).toBeLessThan(60);
    // The running total is read again once the worker's last reading is a second old.
    await sleep(1100);
    await runWorker(di, jobId, (_r, c) => void totals.push(c.totalRecords), {
      waitForOthers: false,
    });
    expect(totals.slice(10).every((total) => total === 60)).toBe(true);
    expect(totals).toHaveLength(60);
  });

  it('the prepare finalises the job itself when workers finished every batch before it ended', async () => {
    const di = importer();
    const completed: unknown[] = [];
    di.on('job:completed', (event) => completed.push(event.summary));
    let processed = 0;
    let workerResult: Awaited<ReturnType<typeof runWorker>> | undefined;
    // Every batch is stored and processed before the source ends, so no worker can finalise.
    // NDJSON: each record is complete at its line end (csv-parse holds the last row until the end).
    const lines = Array.from(
      { length: 40 },
      (_, i) => JSON.stringify({ id: i, email: `user${i}@example.com`, name: `User ${i}` }) + '\n',
    );
    const source = new BufferSource('');
    source.read = async function* read() {
      yield lines.join('');
      const jobId = (await t.store.listJobs!())[0]!.jobId;
      workerResult = await runWorker(di, jobId, () => void (processed += 1), {
        waitForOthers: false,
        remainingTimeMs: () => (processed >= 40 ? 0 : 60_000),
        deadlineMarginMs: 1,
      });
    };
    const prepared = await di.prepare(source, new JsonParser({ format: 'ndjson' }), {
      openEarly: true,
    });
    expect(prepared.totalRecords).toBe(40);
    expect(workerResult).toMatchObject({
      processed: 40,
      jobComplete: false,
      stoppedBy: 'deadline',
    });
    expect(completed).toEqual([
      { total: 40, processed: 40, failed: 0, skipped: 0, elapsedMs: expect.any(Number) },
    ]);
    expect((await di.getStatus(prepared.jobId)).status).toBe(JobStatus.COMPLETED);
  });

  it('pause and resume while an early-opened job streams', async () => {
    const di = importer();
    let jobId = '';
    const source = new GatedCsvSource(100, 20, async (chunk) => {
      if (chunk !== 3) return;
      jobId = (await t.store.listJobs!())[0]!.jobId;
      expect(await di.pause(jobId)).toBe(true);
      const claim = await di.processWorkerBatch(jobId, () => undefined, 'w');
      expect(claim.claimed).toBe(false);
      expect(await di.resume(jobId)).toBe(true);
      expect((await di.getStatus(jobId)).status).toBe(JobStatus.PROCESSING);
    });
    await di.prepare(source, new CsvParser(), { openEarly: true });
    const result = await runWorker(di, jobId, () => undefined, { waitForOthers: false });
    expect(result).toMatchObject({ processed: 100, jobComplete: true });
  });

  it('cancel while an early-opened job streams stops the prepare and the workers', async () => {
    const di = importer();
    let jobId = '';
    let handed = 0;
    const source = new GatedCsvSource(200, 20, async (chunk) => {
      if (chunk !== 3) return;
      jobId = (await t.store.listJobs!())[0]!.jobId;
      await waitFor(async () => (await di.getStatus(jobId)).batches.totalBatches >= 1, 'a batch');
      await di.processWorkerBatch(jobId, () => void (handed += 1), 'w');
      expect(await di.cancel(jobId)).toBe(true);
    });
    await expect(di.prepare(source, new CsvParser(), { openEarly: true })).rejects.toMatchObject({
      name: 'PrepareInterruptedError',
      status: JobStatus.ABORTED,
    });
    expect(handed).toBe(10);
    const after = await runWorker(di, jobId, () => void (handed += 1), { waitForOthers: false });
    expect(after.stoppedBy).toBe('job-terminal');
    expect(handed).toBe(10);
  });
});

describe('early open on a store without it', () => {
  it('throws UnsupportedByStoreError naming the option, and writes nothing', async () => {
    const inner = new InMemoryDistributedStateStore();
    const di = new DistributedImport({
      schema: usersSchema,
      batchSize: 10,
      stateStore: publishedPortOnly(inner),
    });
    await expect(
      di.prepare(new BufferSource(usersCsv(5)), new CsvParser(), { openEarly: true }),
    ).rejects.toBeInstanceOf(UnsupportedByStoreError);
    await expect(
      di.prepare(new BufferSource(usersCsv(5)), new CsvParser(), { openEarly: true }),
    ).rejects.toThrow(/openEarly/);
    expect(await inner.listJobs()).toEqual([]);
  });

  it('refuses options of the wrong type by name', async () => {
    const di = new DistributedImport({
      schema: usersSchema,
      stateStore: new InMemoryDistributedStateStore(),
    });
    const source = new BufferSource(usersCsv(5));
    await expect(
      di.prepare(source, new CsvParser(), { openEarly: 'yes' as unknown as boolean }),
    ).rejects.toThrow(/openEarly/);
    await expect(di.prepare(source, new CsvParser(), { deadlineMarginMs: -1 })).rejects.toThrow(
      /deadlineMarginMs/,
    );
    await expect(di.resumePrepare('', source, new CsvParser())).rejects.toThrow(/jobId/);
  });
});
