import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  InvalidOptionError,
  JobStatus,
  type DistributedStateStore,
  type DomainEvent,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport, type PrepareOutcome } from '../../src/index';
import { sequelizeFactories } from '../support/sequelize-stores';
import { barrier, interceptStore } from '../support/store-wrapper';
import { fullPortStores, storeFactories, useTestStore } from '../support/stores';
import { usersCsv, usersSchema, workerLoop } from '../support/workers';

const ours = [...fullPortStores, ...sequelizeFactories];
const publishedOnly = storeFactories.filter((f) => f.name.startsWith('published port only'));

function importer(store: DistributedStateStore, events: DomainEvent[] = []): DistributedImport {
  const di = new DistributedImport({ schema: usersSchema, batchSize: 5, stateStore: store });
  di.onAny((event) => events.push(event));
  return di;
}

const EMPTY_SOURCES = [
  { what: 'an empty file', text: '' },
  { what: 'a header-only file', text: 'id,email,name\n' },
  { what: 'a header without a line break', text: 'id,email,name' },
];

describe.each(ours)('empty sources on $name', (factory) => {
  const t = useTestStore(factory);

  it.each(EMPTY_SOURCES)('$what gives a job COMPLETED at once with 0 records', async ({ text }) => {
    const events: DomainEvent[] = [];
    const di = importer(t.store, events);
    const result = await di.prepare(new BufferSource(text), new CsvParser());
    expect(result).toStrictEqual({ jobId: result.jobId, totalRecords: 0, totalBatches: 0 });
    const job = await t.store.getJobState(result.jobId);
    expect(job?.status).toBe(JobStatus.COMPLETED);
    expect(job?.totalRecords).toBe(0);
    expect(job?.batches).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['distributed:prepared', 'job:completed']);
    const completed = events[1] as Extract<DomainEvent, { type: 'job:completed' }>;
    expect(completed.jobId).toBe(result.jobId);
    expect(completed.summary).toMatchObject({ total: 0, processed: 0, failed: 0, skipped: 0 });
    // A worker arriving later finds nothing and reports the completion no second time.
    const worker = importer(t.store, events);
    expect(await workerLoop(worker, result.jobId, () => undefined, 'w1')).toMatchObject([
      { claimed: false, jobComplete: false },
    ]);
    expect(events.filter((e) => e.type === 'job:completed')).toHaveLength(1);
    expect((await di.getStatus(result.jobId)).status).toBe(JobStatus.COMPLETED);
  });

  it('an empty source with openEarly completes the same way', async () => {
    const events: DomainEvent[] = [];
    const result = await importer(t.store, events).prepare(
      new BufferSource('id,email,name\n'),
      new CsvParser(),
      { openEarly: true },
    );
    expect((await t.store.getJobState(result.jobId))?.status).toBe(JobStatus.COMPLETED);
    expect(events.filter((e) => e.type === 'job:completed')).toHaveLength(1);
  });
});

describe.each(publishedOnly)('empty sources on $name', (factory) => {
  const t = useTestStore(factory);

  it('keeps the published outcome: the empty job is saved PROCESSING, no job:completed', async () => {
    const events: DomainEvent[] = [];
    const result = await importer(t.store, events).prepare(
      new BufferSource('id,email,name\n'),
      new CsvParser(),
    );
    expect(result).toStrictEqual({ jobId: result.jobId, totalRecords: 0, totalBatches: 0 });
    expect((await t.store.getJobState(result.jobId))?.status).toBe(JobStatus.PROCESSING);
    expect(events.map((e) => e.type)).toEqual(['distributed:prepared']);
  });
});

/** The store's jobs, through the store (listJobs, or the one id for a published-port store). */
async function jobCount(store: DistributedStateStore, jobId: string): Promise<number> {
  if (store.listJobs) return (await store.listJobs()).length;
  return (await store.getJobState(jobId)) === null ? 0 : 1;
}

describe.each([...ours, ...publishedOnly])('prepare with a jobId on $name', (factory) => {
  const t = useTestStore(factory);

  it('a second prepare with the same jobId returns the existing job and stores nothing', async () => {
    const events: DomainEvent[] = [];
    const di = importer(t.store, events);
    const first = await di.prepare(new BufferSource(usersCsv(12)), new CsvParser(), {
      jobId: 'users-2026-12-05.csv',
    });
    expect(first).toStrictEqual({
      jobId: 'users-2026-12-05.csv',
      totalRecords: 12,
      totalBatches: 3,
    });
    const second = await di.prepare(new BufferSource(usersCsv(40)), new CsvParser(), {
      jobId: 'users-2026-12-05.csv',
    });
    expect(second).toStrictEqual({
      jobId: 'users-2026-12-05.csv',
      totalRecords: 12,
      totalBatches: 3,
      existingStatus: JobStatus.PROCESSING,
    });
    expect(events.filter((e) => e.type === 'distributed:prepared')).toHaveLength(1);
    expect(await jobCount(t.store, first.jobId)).toBe(1);
    const job = await t.store.getJobState(first.jobId);
    expect(job?.totalRecords).toBe(12);
    expect(job?.batches).toHaveLength(3);
  });

  it('refuses a jobId that is not a non-empty string of at most 255 characters', async () => {
    const di = importer(t.store);
    for (const jobId of ['', '  ', 'x'.repeat(256), 42]) {
      await expect(
        di.prepare(new BufferSource(usersCsv(1)), new CsvParser(), { jobId: jobId as string }),
      ).rejects.toThrow(InvalidOptionError);
    }
    await expect(
      di.prepare(new BufferSource(usersCsv(1)), new CsvParser(), { jobId: '' }),
    ).rejects.toMatchObject({ option: 'jobId' });
    expect(t.store.listJobs ? await t.store.listJobs() : []).toEqual([]);
  });
});

describe.each(ours)('concurrent prepares with one jobId on $name', (factory) => {
  const t = useTestStore(factory);

  it('exactly one creates the job; the other returns it', async () => {
    // Both prepares reach the store's creation before either goes on (forced interleaving);
    // the winner's first batch waits until the loser has returned.
    const bothArrived = barrier();
    const loserReturned = barrier();
    let arrived = 0;
    let created = 0;
    const store = interceptStore(t.store, {
      createJobIfAbsent: async (real, job) => {
        arrived += 1;
        if (arrived === 2) bothArrived.open();
        await bothArrived.opened;
        const made = await real(job);
        if (made) created += 1;
        // Two creations (the defect this guards against) must not leave the test waiting.
        if (created === 2) loserReturned.open();
        return made;
      },
      registerBatch: async (real, jobId, batch, options) => {
        await loserReturned.opened;
        return real(jobId, batch, options);
      },
    });
    const events: DomainEvent[] = [];
    const prepareOnce = (rows: number): Promise<PrepareOutcome> =>
      importer(store, events)
        .prepare(new BufferSource(usersCsv(rows)), new CsvParser(), { jobId: 'one-job' })
        .then((result) => {
          if (result.existingStatus !== undefined) loserReturned.open();
          return result;
        });
    const results = await Promise.all([prepareOnce(10), prepareOnce(10)]);
    expect(created).toBe(1);
    const loser = results.find((r) => r.existingStatus !== undefined);
    const winner = results.find((r) => r.existingStatus === undefined);
    // The loser returned while the winner was still preparing the job.
    expect(loser).toStrictEqual({
      jobId: 'one-job',
      totalRecords: 0,
      totalBatches: 0,
      existingStatus: JobStatus.CREATED,
    });
    expect(winner).toStrictEqual({ jobId: 'one-job', totalRecords: 10, totalBatches: 2 });
    expect(await jobCount(t.store, 'one-job')).toBe(1);
    const job = await t.store.getJobState('one-job');
    expect(job?.status).toBe(JobStatus.PROCESSING);
    expect(job?.totalRecords).toBe(10);
    expect(job?.batches).toHaveLength(2);
    expect((await t.store.getPendingRecords('one-job')).length).toBe(10);
    expect(events.filter((e) => e.type === 'distributed:prepared')).toHaveLength(1);
  });

  it('resumePrepare takes no jobId option', async () => {
    const di = importer(t.store);
    await expect(
      di.resumePrepare('some-job', new BufferSource(''), new CsvParser(), {
        jobId: 'other',
      } as never),
    ).rejects.toMatchObject({ option: 'jobId' });
  });
});
