import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  JobStatus,
  type DistributedStateStore,
  type RegisterBatchOptions,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import {
  DistributedImport,
  PrepareOwnershipLostError,
  PrepareResumableError,
  runWorker,
  type RunWorkerResult,
} from '../../src/index';
import { GatedCsvSource } from '../support/gated-source';
import { sequelizeFactories } from '../support/sequelize-stores';
import { barrier, connectionLost, interceptStore } from '../support/store-wrapper';
import { fullPortStores, useTestStore } from '../support/stores';
import { usersCsv, usersSchema } from '../support/workers';

const stores = [...fullPortStores, ...sequelizeFactories];

/** Polls the store until `check` holds (a bounded wait for a state, never a timing assertion). */
async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i += 1) {
    if (await check()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The one job of the store (the test's prepare), found as an operator would: by listing. */
async function onlyJob(store: DistributedStateStore): Promise<string> {
  const jobs = await store.listJobs!();
  if (jobs.length !== 1) throw new Error(`expected one job, found ${jobs.length}`);
  return jobs[0]!.jobId;
}

/** A `remainingTimeMs` with time for `batches` stored batches, then none. */
function deadlineAfter(batches: number): () => number {
  let calls = 0;
  return () => {
    calls += 1;
    return calls < batches ? 60_000 : 0;
  };
}

/**
 * 200 users in chunks of 10 rows, for batches of 20. Before chunk 10 (rows 90..99) it waits for
 * `gate`, then runs `then()`. Once the run has stored batches 0..3 it holds rows 80..89, fewer
 * than a batch: its next store call comes from what happens after the gate.
 */
function stalledSource(held: () => void, gate: Promise<void>, then = () => {}) {
  return new GatedCsvSource(200, 10, async (chunk) => {
    if (chunk !== 10) return;
    held();
    await gate;
    then();
  });
}

/** A promise's outcome, handled from the start (it may settle before the test looks at it). */
function settled<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

const freshSource = () => new GatedCsvSource(200, 10, () => undefined);

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
}

describe.each(stores)('prepare ownership on $name', (factory) => {
  const t = useTestStore(factory);
  const importer = (
    store: DistributedStateStore = t.store,
    extra: Partial<ConstructorParameters<typeof DistributedImport>[0]> = {},
  ) => new DistributedImport({ schema: usersSchema, batchSize: 20, stateStore: store, ...extra });

  /**
   * Waits until the job holds `count` batches: the stalled run stored what it parsed before its
   * source stalled (the parser reads ahead, so the source stalls before the run's last write).
   */
  const storedBatches = (jobId: string, count: number) =>
    waitFor(
      async () => (await t.store.listPreparedBatches!(jobId)).length === count,
      `${count} stored batches`,
    );

  /** Processes the job to its end; every record id handed to a processor. */
  async function processAll(jobId: string, ids: number[] = []): Promise<number[]> {
    const result = await runWorker(importer(), jobId, (r) => void ids.push(Number(r.id)), {
      waitForOthers: false,
    });
    expect(result.jobComplete).toBe(true);
    return ids;
  }

  it('a run thought dead that wakes up and hits a source error leaves the job it lost alone (its resume finished, workers process it)', async () => {
    const stuck = barrier();
    const wake = barrier();
    const sourceError = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const zombie = settled(
      importer().prepare(
        stalledSource(stuck.open, wake.opened, () => {
          throw sourceError;
        }),
        new CsvParser(),
        { openEarly: true },
      ),
    );
    await stuck.opened;
    const jobId = await onlyJob(t.store);
    await storedBatches(jobId, 4);
    // Known dead (takeOverAfterMs 0): the resume takes over, stores the rest and ends.
    const resumed = await importer().resumePrepare(jobId, freshSource(), new CsvParser(), {
      takeOverAfterMs: 0,
    });
    expect(resumed).toEqual({
      jobId,
      totalRecords: 200,
      totalBatches: 10,
      storedRecords: 120,
      storedBatches: 6,
    });
    const ids: number[] = [];
    const first = await importer().processWorkerBatch(
      jobId,
      (r) => void ids.push(Number(r.id)),
      'first-worker',
    );
    expect(first.claimed).toBe(true);

    // Its source fails; it learns that it lost the prepare from its release, and fails nothing.
    wake.open();
    const outcome = await zombie;
    expect(await t.store.getJobStatus!(jobId)).toBe(JobStatus.PROCESSING);
    const error = 'error' in outcome ? outcome.error : undefined;
    expect(error).toBeInstanceOf(PrepareOwnershipLostError);
    expect(error).toMatchObject({ jobId, status: JobStatus.PROCESSING });
    const cause = (error as Error).cause;
    const causes = cause instanceof AggregateError ? cause.errors : [cause];
    expect(causes[0]).toBe(sourceError);
    expect(await t.store.getJobStatus!(jobId)).toBe(JobStatus.PROCESSING);

    await processAll(jobId, ids);
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(await t.store.getJobStatus!(jobId)).toBe(JobStatus.COMPLETED);
  });

  it("a run's heartbeat does not take back a prepare that the run that took it over stopped; that run ends, the job stays resumable", async () => {
    const stuck = barrier();
    const wake = barrier();
    const beatArrived = barrier();
    const beatGate = barrier();
    let oldRun: string | undefined;
    let holdBeats = false;
    const beats: { run: string; alive: boolean }[] = [];
    const watched = interceptStore(t.store, {
      registerBatch: (real, jobId, batch, options?: RegisterBatchOptions) => {
        oldRun ??= options?.prepareRun;
        return real(jobId, batch, options);
      },
      // The old run's heartbeats that start once armed wait at a barrier before the store.
      heartbeatPrepare: async (real, jobId, run) => {
        if (holdBeats && run === oldRun) {
          beatArrived.open();
          await beatGate.opened;
        }
        const alive = await real(jobId, run);
        beats.push({ run: String(run), alive });
        return alive;
      },
    });
    const old = settled(
      importer(watched, { prepareHeartbeatIntervalMs: 10 }).prepare(
        stalledSource(stuck.open, wake.opened),
        new CsvParser(),
      ),
    );
    await stuck.opened;
    const jobId = await onlyJob(t.store);
    await storedBatches(jobId, 4);
    holdBeats = true;
    await beatArrived.opened;

    // A new run takes over (known dead), stores three batches and stops cleanly.
    const resumed = await importer().resumePrepare(jobId, freshSource(), new CsvParser(), {
      takeOverAfterMs: 0,
      remainingTimeMs: deadlineAfter(3),
    });
    expect(resumed.stoppedBy).toBe('deadline');
    expect((await importer().getStatus(jobId)).prepare?.state).toBe('stopped');

    // The old run's heartbeat reaches the store now, with nobody owning the prepare.
    const seen = beats.length;
    beatGate.open();
    await waitFor(() => beats.slice(seen).some((b) => b.run === oldRun), 'an old heartbeat');
    expect(beats.slice(seen).filter((b) => b.run === oldRun)[0]?.alive).toBe(false);

    wake.open();
    const outcome = await old;
    expect('error' in outcome ? outcome.error : outcome).toBeInstanceOf(PrepareOwnershipLostError);
    const status = await importer().getStatus(jobId);
    expect(status.status).toBe(JobStatus.CREATED);
    expect(status.prepare?.state).toBe('stopped');
    const done = await importer().resumePrepare(jobId, freshSource(), new CsvParser());
    expect(done).toEqual({
      jobId,
      totalRecords: 200,
      totalBatches: 10,
      storedRecords: 60,
      storedBatches: 3,
    });
    await expectEveryRecordOnce(t.store, jobId, 200);
    expect(new Set(await processAll(jobId)).size).toBe(200);
  });

  it.each([
    ['before the write', false],
    ['after the write (its answer lost)', true],
  ])(
    'a store connection lost during registerBatch %s leaves the job resumable, and the error says how',
    async (_when, afterWrite) => {
      let calls = 0;
      const lost = connectionLost();
      const flaky = interceptStore(t.store, {
        registerBatch: async (real, jobId, batch, options?: RegisterBatchOptions) => {
          calls += 1;
          if (calls !== 3) return real(jobId, batch, options);
          if (afterWrite) await real(jobId, batch, options);
          throw lost;
        },
      });
      const error = await importer(flaky)
        .prepare(new BufferSource(usersCsv(200)), new CsvParser())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PrepareResumableError);
      const { jobId } = error as PrepareResumableError;
      expect((error as Error).cause).toBe(lost);
      expect((error as Error).message).toContain(`resumePrepare('${jobId}', source, parser)`);
      expect((error as Error).message).toContain(`prepare <file> --resume ${jobId}`);
      const status = await importer().getStatus(jobId);
      expect(status.status).toBe(JobStatus.CREATED);
      expect(status.prepare?.state).toBe('stopped');

      const done = await importer().resumePrepare(
        jobId,
        new BufferSource(usersCsv(200)),
        new CsvParser(),
      );
      expect(done).toEqual({
        jobId,
        totalRecords: 200,
        totalBatches: 10,
        storedRecords: expect.any(Number),
        storedBatches: expect.any(Number),
      });
      await expectEveryRecordOnce(t.store, jobId, 200);
      expect(new Set(await processAll(jobId)).size).toBe(200);
    },
  );

  it.each([false, true])(
    'an onOpen that throws (openEarly: %s) fails the job, and no record reaches a processor',
    async (openEarly) => {
      const handed: number[] = [];
      let worker: Promise<RunWorkerResult> | undefined;
      const refusal = new Error('the orchestrator cannot start workers');
      const error = await importer()
        .prepare(new BufferSource(usersCsv(60)), new CsvParser(), {
          openEarly,
          onOpen: (jobId) => {
            // A worker started at once, in this process: the fastest claim there can be.
            worker = runWorker(importer(), jobId, (r) => void handed.push(Number(r.id)));
            throw refusal;
          },
        })
        .catch((e: unknown) => e);
      expect(error).toBe(refusal);
      const jobId = (error as { jobId?: string }).jobId ?? '';
      expect(await worker).toMatchObject({ stoppedBy: 'job-terminal', jobStatus: 'FAILED' });
      expect(handed).toEqual([]);
      const status = await importer().getStatus(jobId);
      expect(status.status).toBe(JobStatus.FAILED);
      expect(status.batches).toMatchObject({ completedBatches: 0, processingBatches: 0 });
    },
  );
});
