import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BufferSource,
  FilePathSource,
  JobNotFoundError,
  JobStatus,
  type DataSource,
  type DistributedStateStore,
} from '@batchactions/core';
import { CsvParser, JsonParser, XmlParser, type SourceParser } from '@batchactions/import';
import {
  DistributedImport,
  PrepareInterruptedError,
  PrepareNotResumableError,
  PrepareStillRunningError,
  runWorker,
  SourceMismatchError,
} from '../../src/index';
import { GatedCsvSource } from '../support/gated-source';
import { sequelizeFactories } from '../support/sequelize-stores';
import { fullPortStores, useTestStore } from '../support/stores';
import { usersCsv, usersSchema } from '../support/workers';

const stores = [...fullPortStores, ...sequelizeFactories];

/** A `remainingTimeMs` with time for `batches` batches, then none (a deadline at a known point). */
function deadlineAfter(batches: number): () => number {
  let calls = 0;
  return () => {
    calls += 1;
    return calls < batches ? 60_000 : 0;
  };
}

/** Processes the job to its end and returns every record id handed to the processor. */
async function processAll(di: DistributedImport, jobId: string): Promise<number[]> {
  const ids: number[] = [];
  const result = await runWorker(di, jobId, (record) => void ids.push(Number(record.id)), {
    waitForOthers: false,
  });
  expect(result.jobComplete).toBe(true);
  return ids;
}

/** Every record index of the job, from its stored batches: each exactly once, 0..total-1. */
async function expectEveryRecordOnce(store: DistributedStateStore, jobId: string, total: number) {
  const batches = await store.listPreparedBatches!(jobId);
  let next = 0;
  for (const [i, batch] of batches.entries()) {
    expect(batch.batchIndex).toBe(i);
    expect(batch.recordStartIndex).toBe(next);
    next = batch.recordEndIndex + 1;
  }
  expect(next).toBe(total);
  const progress = await store.getProgress(jobId);
  expect(progress.totalRecords).toBe(total);
}

const dir = mkdtempSync(join(tmpdir(), 'ba-resume-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The same 230 users in each format, written to files (sources that can seek). */
function formats(): { name: string; source: () => DataSource; parser: () => SourceParser }[] {
  const users = Array.from({ length: 230 }, (_, i) => ({
    id: i,
    email: `user${i}@example.com`,
    name: `User ${i} é`,
  }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return () => new FilePathSource(path);
  };
  return [
    {
      name: 'CSV file',
      source: file(
        'users.csv',
        'id,email,name\r\n' + users.map((u) => `${u.id},${u.email},"${u.name}"`).join('\r\n'),
      ),
      parser: () => new CsvParser(),
    },
    {
      name: 'NDJSON file',
      source: file('users.ndjson', users.map((u) => JSON.stringify(u)).join('\n') + '\n'),
      parser: () => new JsonParser({ format: 'ndjson' }),
    },
    {
      name: 'JSON array file',
      source: file('users.json', '[\n' + users.map((u) => JSON.stringify(u)).join(',\n') + '\n]'),
      parser: () => new JsonParser(),
    },
    {
      name: 'XML file',
      source: file(
        'users.xml',
        '<?xml version="1.0"?>\n<users>\n' +
          users
            .map(
              (u) =>
                `  <user><id>${u.id}</id><email>${u.email}</email><name>${u.name}</name></user>`,
            )
            .join('\n') +
          '\n</users>\n',
      ),
      parser: () => new XmlParser(),
    },
    {
      name: 'CSV without seeking (re-read and skip)',
      source: () => new BufferSource(usersCsv(230)),
      parser: () => new CsvParser(),
    },
  ];
}

describe.each(stores)('resumable prepare on $name', (factory) => {
  const t = useTestStore(factory);
  const importer = () =>
    new DistributedImport({ schema: usersSchema, batchSize: 20, stateStore: t.store });

  it.for(formats())(
    '$name: stops before a deadline, resumes twice, every record exactly once',
    async ({ source, parser }) => {
      const di = importer();
      const first = await di.prepare(source(), parser(), { remainingTimeMs: deadlineAfter(3) });
      expect(first).toMatchObject({ totalRecords: 60, totalBatches: 3, stoppedBy: 'deadline' });
      const { jobId } = first;
      const stopped = await di.getStatus(jobId);
      expect(stopped.prepare).toEqual({ state: 'stopped', openEarly: false });
      expect(stopped.status).toBe(JobStatus.CREATED);

      const second = await di.resumePrepare(jobId, source(), parser(), {
        remainingTimeMs: deadlineAfter(4),
      });
      // Each run reports what it stored itself.
      expect(second).toEqual({
        jobId,
        totalRecords: 140,
        totalBatches: 7,
        stoppedBy: 'deadline',
        storedRecords: 80,
        storedBatches: 4,
      });
      const third = await di.resumePrepare(jobId, source(), parser());
      expect(third).toEqual({
        jobId,
        totalRecords: 230,
        totalBatches: 12,
        storedRecords: 90,
        storedBatches: 5,
      });
      await expectEveryRecordOnce(t.store, jobId, 230);

      const ids = await processAll(importer(), jobId);
      expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 230 }, (_, i) => i));
      // Resuming a finished prepare changes nothing and gives its totals; it stored nothing.
      expect(await di.resumePrepare(jobId, source(), parser())).toEqual({
        jobId,
        totalRecords: 230,
        totalBatches: 12,
        storedRecords: 0,
        storedBatches: 0,
      });
    },
  );

  it('an early-opened job is processed while stopped, and completes once after the resume', async () => {
    const di = importer();
    const completed: string[] = [];
    di.on('job:completed', (event) => completed.push(event.jobId));
    const source = () => new BufferSource(usersCsv(100));
    const first = await di.prepare(source(), new CsvParser(), {
      openEarly: true,
      stopSignal: AbortSignal.abort(),
    });
    expect(first).toMatchObject({ totalRecords: 20, stoppedBy: 'stop-signal' });
    const { jobId } = first;
    expect((await di.getStatus(jobId)).prepare).toEqual({ state: 'stopped', openEarly: true });
    // Workers take what is stored; with the prepare stopped they do not wait for more.
    const early = await runWorker(di, jobId, () => undefined, { waitForOthers: false });
    expect(early).toMatchObject({ processed: 20, jobComplete: false, stoppedBy: 'no-batches' });
    expect(await t.store.tryFinalizeJob(jobId)).toBe(false);

    await di.resumePrepare(jobId, source(), new CsvParser());
    const rest = await runWorker(di, jobId, () => undefined, { waitForOthers: false });
    expect(rest).toMatchObject({ processed: 80, jobComplete: true });
    expect(completed).toEqual([jobId]);
  });

  it('takes over a prepare thought dead; the old run then stores nothing and stops', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = true;
    let atGate!: () => void;
    const reachedGate = new Promise<void>((resolve) => (atGate = resolve));
    const stalled = new GatedCsvSource(200, 20, async (chunk) => {
      if (chunk === 5 && holding) {
        atGate();
        await held;
      }
    });
    const zombie = importer().prepare(stalled, new CsvParser());
    // Settled whenever it rejects (a rejection before the assertion below is not unhandled).
    const zombieOutcome = zombie.then(
      (result) => result,
      (error: unknown) => error,
    );
    // The old run is held reading chunk 5 (its earlier batches stored) before anyone resumes.
    await reachedGate;
    let jobId = '';
    for (let i = 0; i < 500 && jobId === ''; i += 1) {
      jobId = (await t.store.listJobs!())[0]?.jobId ?? '';
      await new Promise((r) => setTimeout(r, 10));
    }
    // Its heartbeat is fresh: not taken over by default.
    const fresh = new GatedCsvSource(200, 20, () => undefined);
    await expect(importer().resumePrepare(jobId, fresh, new CsvParser())).rejects.toBeInstanceOf(
      PrepareStillRunningError,
    );
    holding = false;
    const resumed = await importer().resumePrepare(jobId, fresh, new CsvParser(), {
      takeOverAfterMs: 0,
    });
    expect(resumed).toEqual({
      jobId,
      totalRecords: 200,
      totalBatches: 10,
      storedRecords: expect.any(Number),
      storedBatches: expect.any(Number),
    });
    release();
    expect(await zombieOutcome).toBeInstanceOf(PrepareInterruptedError);
    await expectEveryRecordOnce(t.store, jobId, 200);
    expect((await t.store.getJobStatus!(jobId)) ?? null).toBe(JobStatus.PROCESSING);
    const ids = await processAll(importer(), jobId);
    expect(new Set(ids).size).toBe(200);
    expect(ids).toHaveLength(200);
  });

  it('refuses a source that does not match, and leaves the job for the right one', async () => {
    const di = importer();
    const first = await di.prepare(new BufferSource(usersCsv(100)), new CsvParser(), {
      remainingTimeMs: deadlineAfter(2),
    });
    const { jobId } = first;
    await expect(
      di.resumePrepare(jobId, new BufferSource(usersCsv(30)), new CsvParser()),
    ).rejects.toBeInstanceOf(SourceMismatchError);
    expect((await di.getStatus(jobId)).prepare?.state).toBe('stopped');
    const done = await di.resumePrepare(jobId, new BufferSource(usersCsv(100)), new CsvParser());
    expect(done).toEqual({
      jobId,
      totalRecords: 100,
      totalBatches: 5,
      storedRecords: 60,
      storedBatches: 3,
    });
    await expectEveryRecordOnce(t.store, jobId, 100);
  });

  it('names why a prepare cannot be resumed', async () => {
    const di = importer();
    await expect(
      di.resumePrepare('no-such-job', new BufferSource(usersCsv(5)), new CsvParser()),
    ).rejects.toBeInstanceOf(JobNotFoundError);
    const { jobId } = await di.prepare(new BufferSource(usersCsv(100)), new CsvParser(), {
      remainingTimeMs: deadlineAfter(1),
    });
    expect(await di.cancel(jobId)).toBe(true);
    await expect(
      di.resumePrepare(jobId, new BufferSource(usersCsv(100)), new CsvParser()),
    ).rejects.toMatchObject({ name: PrepareNotResumableError.name, status: JobStatus.ABORTED });
  });
});
