import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  LeaseLostError,
  type BatchLease,
  type DistributedStateStore,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import { DistributedImport, runWorker } from '../../src/index';
import { createTestDatabase } from '../../packages/state-sequelize/tests/support/databases';
import { selectedStores, storeFactories, useTestStore, type StoreFactory } from '../support/stores';
import { usersCsv, usersSchema } from '../support/workers';

/** Every store with heartbeats and fenced writes: the built-in ones and Sequelize on PostgreSQL. */
const leasedStores: StoreFactory[] = selectedStores([
  ...storeFactories.filter((f) => !f.name.startsWith('published port')),
  {
    name: 'SequelizeStateStore (postgres)',
    create: async (testName) => {
      const database = await createTestDatabase('postgres', testName);
      const sequelize = database.connect({ pool: { max: 5 } });
      const store = new SequelizeStateStore(sequelize);
      await store.initialize();
      return {
        store,
        teardown: async () => {
          await sequelize.close();
          await database.drop();
        },
      };
    },
  },
]);

/** Resolves when `signal` aborts; rejects after `ms` so a missing abort fails the test, not hangs it. */
function aborted(signal: AbortSignal, ms = 5_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      resolve(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      reject(new Error(`the batch's signal did not abort within ${String(ms)} ms`));
    }, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * The store as one worker sees it, noting when each heartbeat started and letting the test wait
 * for the next completed one.
 */
function watchHeartbeats(store: DistributedStateStore): {
  store: DistributedStateStore;
  beatStarts: number[];
  nextBeatAfter: (time: number, ms?: number) => Promise<number>;
} {
  const beatStarts: number[] = [];
  const waiting: { after: number; resolve: (start: number) => void }[] = [];
  const watched = new Proxy(store, {
    get: (target, key) => {
      const value = Reflect.get(target, key) as unknown;
      if (key === 'heartbeatBatch' && typeof value === 'function') {
        return async (lease: BatchLease) => {
          const start = Date.now();
          await (value as (l: BatchLease) => Promise<void>).call(target, lease);
          beatStarts.push(start);
          for (const w of waiting.splice(0)) {
            if (start > w.after) w.resolve(start);
            else waiting.push(w);
          }
        };
      }
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  return {
    store: watched,
    beatStarts,
    nextBeatAfter: (time, ms = 5_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no heartbeat started after the batch began within ${String(ms)} ms`));
        }, ms);
        waiting.push({
          after: time,
          resolve: (start) => {
            clearTimeout(timer);
            resolve(start);
          },
        });
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(leasedStores)('lease keeping through the facade on $name', (factory) => {
  const t = useTestStore(factory);

  const importer = (store: DistributedStateStore, heartbeatIntervalMs: number) =>
    new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 3,
      stateStore: store,
      heartbeatIntervalMs,
      leaseTimeoutMs: 600_000,
    });

  it('heartbeats keep a batch that runs past its claim age from being reclaimed', async () => {
    const watched = watchHeartbeats(t.store);
    const di = importer(watched.store, 10);
    const { jobId } = await di.prepare(new BufferSource(usersCsv(3)), new CsvParser());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let running!: (time: number) => void;
    const started = new Promise<number>((resolve) => (running = resolve));
    const seen: number[] = [];
    const run = di.processWorkerBatch(
      jobId,
      async (record, ctx) => {
        seen.push(record.id as number);
        if (seen.length === 1) {
          running(Date.now());
          await gate;
        }
        expect(ctx.signal.aborted).toBe(false);
      },
      'long-runner',
    );
    // The claim was made before the processor started; wait a while, then for a heartbeat
    // that began after that wait. A sweep whose timeout lies between "since that heartbeat"
    // and "since the processor started" finds the batch stale only if heartbeats stopped.
    const processorStart = await started;
    await sleep(300);
    const beat = await watched.nextBeatAfter(processorStart + 300);
    const sinceBeat = Date.now() - beat;
    const sinceStart = Date.now() - processorStart;
    expect(sinceStart - sinceBeat).toBeGreaterThanOrEqual(300);
    const timeout = sinceBeat + Math.floor((sinceStart - sinceBeat) / 2);
    expect(await t.store.reclaimStaleBatches(jobId, timeout)).toBe(0);
    expect(await t.store.claimBatch(jobId, 'other')).toMatchObject({ claimed: false });
    release();
    const result = await run;
    expect(result).toMatchObject({ claimed: true, processedCount: 3, jobComplete: true });
    expect(seen).toEqual([0, 1, 2]);
    expect((await t.store.getProgress(jobId)).processedRecords).toBe(3);
  });

  /**
   * Starts one worker (`start`) on a 3-record job whose processor blocks, takes its batch over
   * from another worker id, and checks the first worker's signal aborted with LeaseLostError,
   * nothing of its batch was written, and what its call gave (`settled`: a `processWorkerBatch`
   * call rejects with the error; `runWorker` counts the lost batch and goes on).
   */
  async function expectTakeover(
    start: (
      di: DistributedImport,
      jobId: string,
      processor: (record: unknown, ctx: { signal: AbortSignal }) => Promise<void>,
    ) => Promise<unknown>,
    settled: (run: Promise<unknown>) => Promise<void>,
  ): Promise<void> {
    const di = importer(t.store, 10);
    const { jobId } = await di.prepare(new BufferSource(usersCsv(3)), new CsvParser());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let running!: (signal: AbortSignal) => void;
    const started = new Promise<AbortSignal>((resolve) => (running = resolve));
    const run = start(di, jobId, async (_record, ctx) => {
      running(ctx.signal);
      await gate;
    });
    // Mark the rejection handled now; it is checked below, after the takeover.
    run.catch(() => undefined);
    const signal = await started;
    // Another worker takes the batch over: the first one's lease is now stale.
    expect(await t.store.reclaimStaleBatches(jobId, 0)).toBe(1);
    // The first worker heartbeats every 10 ms; a claim (FOR UPDATE SKIP LOCKED) skips the batch
    // row while such a heartbeat holds it, and answers NO_PENDING_BATCHES as a worker's poll
    // would. A worker polls again; so does this test, a bounded number of times.
    let claim = await t.store.claimBatch(jobId, 'w2');
    for (let poll = 1; !claim.claimed && poll < 50; poll += 1) {
      expect(claim).toMatchObject({ claimed: false, reason: 'NO_PENDING_BATCHES' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      claim = await t.store.claimBatch(jobId, 'w2');
    }
    expect(claim).toMatchObject({ claimed: true });
    expect(await aborted(signal)).toBeInstanceOf(LeaseLostError);
    release();
    await settled(run);
    // Nothing of the first worker's batch was written; the batch is the new owner's.
    expect(await t.store.getProcessedRecords(jobId)).toEqual([]);
    const status = await t.store.getDistributedStatus(jobId);
    expect([status.processingBatches, status.completedBatches]).toEqual([1, 0]);
  }

  it('a takeover aborts ctx.signal with LeaseLostError and rejects the late write (processWorkerBatch)', async () => {
    await expectTakeover(
      (di, jobId, processor) => di.processWorkerBatch(jobId, processor, 'w1'),
      async (run) => {
        await expect(run).rejects.toBeInstanceOf(LeaseLostError);
      },
    );
  });

  it('a takeover aborts ctx.signal with LeaseLostError under runWorker, which counts the lost batch and goes on', async () => {
    await expectTakeover(
      (di, jobId, processor) =>
        runWorker(di, jobId, processor, { workerId: 'w1', waitForOthers: false }),
      async (run) => {
        // Nothing else is claimable (the batch is w2's): without waiting, the loop returns.
        expect(await run).toMatchObject({
          leasesLost: 1,
          batches: 0,
          processed: 0,
          failed: 0,
          jobComplete: false,
        });
      },
    );
  });
});
