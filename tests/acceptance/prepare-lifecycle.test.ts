import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  InMemoryDistributedStateStore,
  JobStatus,
  type DistributedStateStore,
} from '@batchactions/core';
import { CsvParser, ParseError } from '@batchactions/import';
import { DistributedImport, PrepareInterruptedError, PrepareResumableError } from '../../src/index';
import { GatedCsvSource } from '../support/gated-source';
import { sequelizeFactories } from '../support/sequelize-stores';
import { fullPortStores, useTestStore } from '../support/stores';
import { usersSchema, workerLoop } from '../support/workers';

const controllable = [...fullPortStores, ...sequelizeFactories];

/** Polls `check` until it holds (a bounded wait for a condition, not a timing assertion). */
async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i += 1) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The one job of the store (the test's prepare), found as an operator would: by listing. */
async function onlyJob(store: DistributedStateStore): Promise<string> {
  if (!store.listJobs) throw new Error('the store has no listJobs');
  const jobs = await store.listJobs();
  if (jobs.length !== 1) throw new Error(`expected one job, found ${jobs.length}`);
  return jobs[0]!.jobId;
}

describe.each(controllable)('prepare lifecycle on $name', (factory) => {
  const t = useTestStore(factory);
  const importer = (extra: Partial<ConstructorParameters<typeof DistributedImport>[0]> = {}) =>
    new DistributedImport({ schema: usersSchema, batchSize: 5, stateStore: t.store, ...extra });

  /** Waits until the job being prepared shows at least `batches` stored batches. */
  const storedBatches = (operator: DistributedImport, jobId: string, batches: number) =>
    waitFor(
      async () => (await operator.getStatus(jobId)).batches.totalBatches >= batches,
      `${batches} stored batches`,
    );

  it('cancel during prepare: the job ends ABORTED, never opens, and no record reaches a processor', async () => {
    const preparer = importer();
    const operator = importer();
    let jobId = '';
    // 100 chunks of about 6 KB: more than the parser buffers ahead.
    const source = new GatedCsvSource(20_000, 200, async (chunk) => {
      if (chunk !== 4) return;
      jobId = await onlyJob(t.store);
      await storedBatches(operator, jobId, 2);
      expect(await operator.cancel(jobId)).toBe(true);
    });
    const prepared = preparer.prepare(source, new CsvParser());
    await expect(prepared).rejects.toBeInstanceOf(PrepareInterruptedError);
    await expect(prepared).rejects.toMatchObject({ jobId, status: JobStatus.ABORTED });
    // The source was not read to its end: prepare stopped streaming.
    expect(source.chunksRead).toBeLessThan(101);

    const handed: unknown[] = [];
    const worker = importer();
    const result = await worker.processWorkerBatch(jobId, (r) => void handed.push(r), 'w');
    expect(result).toMatchObject({ claimed: false, jobComplete: false });
    expect(handed).toEqual([]);
    const status = await operator.getStatus(jobId);
    expect(status.status).toBe(JobStatus.ABORTED);
    expect(status.prepare).toBeUndefined();
    expect(status.batches.processingBatches).toBe(0);

    expect(await operator.purge(jobId)).toBe(true);
    expect(await t.store.getJobState(jobId)).toBeNull();
    expect(await t.store.listJobs?.()).toEqual([]);
  });

  it('cancel from the preparing importer itself stops the prepare at once', async () => {
    const preparer = importer();
    let jobId = '';
    const source = new GatedCsvSource(20_000, 200, async (chunk) => {
      if (chunk !== 3) return;
      jobId = await onlyJob(t.store);
      expect(await preparer.cancel(jobId)).toBe(true);
    });
    await expect(preparer.prepare(source, new CsvParser())).rejects.toMatchObject({
      code: 'PREPARE_INTERRUPTED',
      status: JobStatus.ABORTED,
    });
    expect(source.chunksRead).toBeLessThan(101);
    expect((await preparer.getStatus(jobId)).status).toBe(JobStatus.ABORTED);
  });

  it('pause during prepare: the job stays PAUSED when prepare ends; resume runs every record once', async () => {
    const preparer = importer();
    const operator = importer();
    let jobId = '';
    const source = new GatedCsvSource(60, 10, async (chunk) => {
      if (chunk !== 2) return;
      jobId = await onlyJob(t.store);
      expect(await operator.pause(jobId)).toBe(true);
    });
    const result = await preparer.prepare(source, new CsvParser());
    expect(result).toEqual({ jobId, totalRecords: 60, totalBatches: 12 });
    expect((await operator.getStatus(jobId)).status).toBe(JobStatus.PAUSED);
    const seen: number[] = [];
    const worker = importer({ coerceValues: true });
    const completed: unknown[] = [];
    worker.on('job:completed', (e) => completed.push(e.summary));
    expect(
      (await worker.processWorkerBatch(jobId, (r) => void seen.push(Number(r.id)), 'w')).claimed,
    ).toBe(false);
    expect(await operator.resume(jobId)).toBe(true);
    await workerLoop(worker, jobId, (r) => void seen.push(Number(r.id)), 'w');
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(completed).toEqual([expect.objectContaining({ total: 60, processed: 60, failed: 0 })]);
  });

  it('pause then resume during prepare: the job opens only when prepare ends', async () => {
    const preparer = importer();
    const operator = importer();
    let jobId = '';
    const claimsDuringPrepare: boolean[] = [];
    const worker = importer();
    const source = new GatedCsvSource(60, 10, async (chunk) => {
      if (chunk === 2) {
        jobId = await onlyJob(t.store);
        expect(await operator.pause(jobId)).toBe(true);
      }
      if (chunk === 4) {
        expect(await operator.resume(jobId)).toBe(true);
        expect((await operator.getStatus(jobId)).status).toBe(JobStatus.CREATED);
        const r = await worker.processWorkerBatch(jobId, () => undefined, 'early');
        claimsDuringPrepare.push(r.claimed);
      }
    });
    await preparer.prepare(source, new CsvParser());
    expect(claimsDuringPrepare).toEqual([false]);
    expect((await operator.getStatus(jobId)).status).toBe(JobStatus.PROCESSING);
    let count = 0;
    await workerLoop(worker, jobId, () => void (count += 1), 'w');
    expect(count).toBe(60);
    expect((await operator.getStatus(jobId)).status).toBe(JobStatus.COMPLETED);
  });

  it('purge during prepare: prepare stops, nothing of the job is left, the job is not re-created', async () => {
    const preparer = importer();
    const operator = importer();
    let jobId = '';
    const source = new GatedCsvSource(200, 10, async (chunk) => {
      if (chunk !== 4) return;
      jobId = await onlyJob(t.store);
      await storedBatches(operator, jobId, 2);
      expect(await operator.purge(jobId)).toBe(true);
    });
    const prepared = preparer.prepare(source, new CsvParser());
    await expect(prepared).rejects.toBeInstanceOf(PrepareInterruptedError);
    await expect(prepared).rejects.toMatchObject({ jobId, status: null });
    expect(await t.store.getJobState(jobId)).toBeNull();
    expect(await t.store.listJobs?.()).toEqual([]);
    expect(await t.store.getFailedRecords(jobId)).toEqual([]);
    expect(await t.store.getPendingRecords(jobId)).toEqual([]);
  });

  it('status while preparing: CREATED, prepare running, records and batches stored so far', async () => {
    const preparer = importer();
    const operator = importer();
    let seen: Awaited<ReturnType<DistributedImport['getStatus']>> | undefined;
    const source = new GatedCsvSource(100, 10, async (chunk) => {
      if (chunk !== 6) return;
      const jobId = await onlyJob(t.store);
      await storedBatches(operator, jobId, 3);
      seen = await operator.getStatus(jobId);
    });
    await preparer.prepare(source, new CsvParser());
    expect(seen?.status).toBe(JobStatus.CREATED);
    expect(seen?.prepare?.state).toBe('running');
    expect(seen?.batches.totalBatches).toBeGreaterThanOrEqual(3);
    // Records stored so far (not 0 beside the stored batches); the two are read one after the
    // other while batches keep arriving, so only their scale is compared.
    expect(seen?.progress.totalRecords).toBeGreaterThanOrEqual(15);
    expect((seen?.progress.totalRecords ?? 1) % 5).toBe(0);
  });

  it('a failing source: the job is left resumable, the error says how to resume, and purge removes it all', async () => {
    const preparer = importer();
    const diskGone = new Error('disk gone');
    const source = new GatedCsvSource(100, 10, async (chunk) => {
      if (chunk !== 5) return;
      await storedBatches(preparer, await onlyJob(t.store), 2);
      throw diskGone;
    });
    const error: unknown = await preparer.prepare(source, new CsvParser()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrepareResumableError);
    expect((error as Error).cause).toBe(diskGone);
    const jobId = (error as { jobId?: string }).jobId ?? '';
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect((error as Error).message).toBe(
      `prepare of job ${jobId} stopped on an error: disk gone. The job keeps the batches stored ` +
        `so far; go on with resumePrepare('${jobId}', source, parser) ` +
        `(CLI: prepare <file> --resume ${jobId}), or purge it`,
    );
    const status = await preparer.getStatus(jobId);
    expect(status.status).toBe(JobStatus.CREATED);
    expect(status.prepare).toEqual({ state: 'stopped', openEarly: false });
    expect(status.progress.totalRecords).toBeGreaterThan(0);
    expect(await preparer.purge(jobId)).toBe(true);
    expect(await t.store.getJobState(jobId)).toBeNull();
    expect(await t.store.getPendingRecords(jobId)).toEqual([]);
    expect(await t.store.listJobs?.()).toEqual([]);
  });

  it('input that cannot be parsed fails the prepare with its position and the job id', async () => {
    const preparer = importer();
    const csv = 'id,email,name\n1,a@example.com,Ann\n2,"b@example.com,Bob\n';
    const error: unknown = await preparer
      .prepare(new BufferSource(csv), new CsvParser())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).line).toBeGreaterThan(0);
    const jobId = (error as { jobId?: string }).jobId ?? '';
    expect((await preparer.getStatus(jobId)).status).toBe(JobStatus.FAILED);
  });
});

describe('an abandoned prepare (in-memory store, controlled clock)', () => {
  it('is reported abandoned once its heartbeat is older than prepareTimeoutMs, and purge removes it', async () => {
    let now = 1_000_000;
    const store = new InMemoryDistributedStateStore({ now: () => now });
    const operator = new DistributedImport({
      schema: usersSchema,
      batchSize: 5,
      stateStore: store,
      prepareTimeoutMs: 30_000,
    });
    // What a prepare leaves when its process is killed: a CREATED job with a prepare heartbeat.
    const { startedAt: _none, ...job } = {
      id: 'killed',
      config: { batchSize: 5 },
      status: JobStatus.CREATED,
      batches: [],
      totalRecords: 0,
      startedAt: 0,
    };
    await store.saveJobState(job);
    expect(await store.heartbeatPrepare('killed')).toBe(true);
    await store.registerBatch('killed', {
      id: 'b0',
      index: 0,
      status: 'PENDING',
      records: [{ index: 0, raw: { id: '0' }, parsed: { id: '0' }, status: 'pending', errors: [] }],
      processedCount: 0,
      failedCount: 0,
    });
    now += 10_000;
    expect((await operator.getStatus('killed')).prepare).toEqual({
      state: 'running',
      heartbeatAgeMs: 10_000,
      openEarly: false,
    });
    now += 25_000;
    const status = await operator.getStatus('killed');
    expect(status.prepare).toEqual({
      state: 'abandoned',
      heartbeatAgeMs: 35_000,
      openEarly: false,
    });
    expect(status.progress.totalRecords).toBe(1);
    expect(await operator.purge('killed')).toBe(true);
    expect(await store.getJobState('killed')).toBeNull();
  });
});
