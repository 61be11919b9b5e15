import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  InMemoryDistributedStateStore,
  InvalidOptionError,
  RecordTimeoutError,
  type DomainEvent,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport, runWorker, type DistributedImportConfig } from '../../src/index';
import { storeFactories, useTestStore } from '../support/stores';
import { usersCsv, usersImporter, usersSchema } from '../support/workers';

/** Resolves when `check` is true, polling; fails after `timeoutMs`. */
async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe.each(storeFactories)('worker lifecycle on $name', (factory) => {
  const t = useTestStore(factory);
  const controllable = !factory.name.startsWith('published port only');

  const importer = (extra: Partial<DistributedImportConfig> = {}) => usersImporter(t.store, extra);

  it("waits for a dead worker's batch, reclaims it once its lease expires and finishes the job", async () => {
    // Our stores: heartbeats every 50 ms, a lease of 300 ms. A store with only the published
    // port has no heartbeats: there the (published) staleBatchTimeoutMs applies.
    const di = importer(
      controllable
        ? { heartbeatIntervalMs: 50, leaseTimeoutMs: 300 }
        : { staleBatchTimeoutMs: 300 },
    );
    const { jobId } = await di.prepare(new BufferSource(usersCsv(20)), new CsvParser());
    const dead = await t.store.claimBatch(jobId, 'killed-worker');
    expect(dead.claimed).toBe(true);

    const seen: number[] = [];
    const result = await runWorker(di, jobId, (r) => void seen.push(r.id as number), {
      workerId: 'survivor',
      pollIntervalMs: 50,
    });
    expect(result).toMatchObject({
      stoppedBy: 'job-complete',
      jobComplete: true,
      batches: 4,
      processed: 20,
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await t.store.getJobState(jobId))?.status).toBe('COMPLETED');
  });

  it('with waitForOthers: false returns as soon as nothing is claimable, saying why', async () => {
    const di = importer();
    const { jobId } = await di.prepare(new BufferSource(usersCsv(10)), new CsvParser());
    expect((await t.store.claimBatch(jobId, 'other')).claimed).toBe(true);
    const result = await runWorker(di, jobId, () => undefined, { waitForOthers: false });
    expect(result).toMatchObject({
      stoppedBy: 'no-batches',
      jobStatus: 'PROCESSING',
      batches: 1,
      jobComplete: false,
    });
  });

  it('returns job-terminal when another worker finalises the job it was waiting on', async () => {
    const di = importer();
    const { jobId } = await di.prepare(new BufferSource(usersCsv(10)), new CsvParser());
    const gate = deferred();
    const holding = deferred();
    const slow = di.processWorkerBatch(
      jobId,
      async () => {
        holding.resolve();
        await gate.promise;
      },
      'slow',
    );
    await holding.promise;
    // Between the slow worker's batch write and its tryFinalizeJob, the fast worker's next claim
    // finds no pending batch and would try to finalise too: hold its tryFinalizeJob until the
    // slow worker's call is over, so the slow worker is the finaliser on every run.
    const slowDone = slow.then(
      () => undefined,
      () => undefined,
    );
    const fastStore = new Proxy(t.store, {
      get: (target, key) => {
        const value = Reflect.get(target, key) as unknown;
        if (key === 'tryFinalizeJob') {
          return async (id: string) => {
            await slowDone;
            return target.tryFinalizeJob(id);
          };
        }
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    });
    const fast = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 5,
      stateStore: fastStore,
    });
    const waiting = runWorker(fast, jobId, () => undefined, {
      workerId: 'fast',
      pollIntervalMs: 20,
    });
    // The fast worker takes the other batch, then has nothing to claim while "slow" holds one.
    await until(async () => (await t.store.getDistributedStatus(jobId)).completedBatches === 1);
    gate.resolve();
    expect(await slow).toMatchObject({ claimed: true, jobComplete: true });
    expect(await waiting).toMatchObject({
      stoppedBy: 'job-terminal',
      jobStatus: 'COMPLETED',
      jobComplete: false,
      batches: 1,
    });
  });

  it('fails a record whose processor call outlives recordTimeoutMs, aborting its signal', async () => {
    const di = importer({ recordTimeoutMs: 50, maxRetries: 1, retryDelayMs: 1 });
    const events: DomainEvent[] = [];
    di.onAny((e) => {
      if (e.type === 'record:failed' || e.type === 'record:retried') events.push(e);
    });
    const { jobId } = await di.prepare(new BufferSource(usersCsv(10)), new CsvParser());
    const reasons: unknown[] = [];
    const result = await runWorker(di, jobId, async (record, context) => {
      if (record.id !== 7) return;
      // Never settles by itself and ignores its signal: only the time limit ends the call.
      context.signal.addEventListener('abort', () => reasons.push(context.signal.reason));
      await new Promise(() => undefined);
    });
    expect(result).toMatchObject({ stoppedBy: 'job-complete', processed: 9, failed: 1 });
    // Two attempts (maxRetries 1), each with its own signal aborted by its own time limit.
    expect(reasons).toHaveLength(2);
    expect(reasons.every((r) => r instanceof RecordTimeoutError)).toBe(true);
    expect((reasons[0] as RecordTimeoutError).recordIndexes).toEqual([7]);
    expect(events.map((e) => e.type)).toEqual(['record:retried', 'record:failed']);
    const failed = await t.store.getFailedRecords(jobId);
    expect(failed.map((r) => [r.index, r.processingError])).toEqual([
      [7, 'Processing record 7 timed out after 50 ms'],
    ]);
    expect((await t.store.getJobState(jobId))?.status).toBe('COMPLETED');
  });

  it('hands every record of a batch the batch signal when no time limit is set', async () => {
    const di = importer();
    const { jobId } = await di.prepare(new BufferSource(usersCsv(5)), new CsvParser());
    const signals = new Set<AbortSignal>();
    await runWorker(di, jobId, (_r, context) => void signals.add(context.signal));
    // One batch: every record of it shares the batch's signal.
    expect(signals.size).toBe(1);
  });

  it.runIf(controllable)(
    'keeps waiting through a pause and carries on after resume; stopWhenPaused returns paused',
    async () => {
      const di = importer();
      const { jobId } = await di.prepare(new BufferSource(usersCsv(20)), new CsvParser());
      const gate = deferred();
      const first = deferred();
      const seen: number[] = [];
      const waiting = runWorker(
        di,
        jobId,
        async (r) => {
          first.resolve();
          await gate.promise;
          seen.push(r.id as number);
        },
        { workerId: 'patient', pollIntervalMs: 20 },
      );
      await first.promise;
      expect(await di.pause(jobId)).toBe(true);
      gate.resolve();
      const stopper = await runWorker(di, jobId, () => undefined, {
        workerId: 'impatient',
        stopWhenPaused: true,
      });
      expect(stopper).toMatchObject({ stoppedBy: 'paused', jobStatus: 'PAUSED', batches: 0 });
      const noWait = await runWorker(di, jobId, () => undefined, { waitForOthers: false });
      expect(noWait).toMatchObject({ stoppedBy: 'paused', batches: 0 });
      // The patient worker finished its batch and now waits: nothing more is processed.
      await until(async () => (await t.store.getDistributedStatus(jobId)).completedBatches === 1);
      expect((await di.getStatus(jobId)).status).toBe('PAUSED');
      expect(seen).toHaveLength(5);

      expect(await di.resume(jobId)).toBe(true);
      expect(await waiting).toMatchObject({
        stoppedBy: 'job-complete',
        processed: 20,
        batches: 4,
      });
    },
  );

  it.runIf(controllable)(
    'cancel releases the batch of a processor that never returns, and the worker stops',
    async () => {
      const di = importer({ cancelCheckIntervalMs: 10 });
      const { jobId } = await di.prepare(new BufferSource(usersCsv(10)), new CsvParser());
      const stuck = deferred();
      const run = runWorker(
        di,
        jobId,
        async () => {
          stuck.resolve();
          await new Promise(() => undefined); // ignores its signal, never settles
        },
        { workerId: 'stuck', pollIntervalMs: 20 },
      );
      await stuck.promise;
      const held = (await di.getStatus(jobId)).inFlight;
      expect(held?.map((b) => [b.batchIndex, b.workerId, b.attempt])).toEqual([[0, 'stuck', 1]]);
      expect(await di.cancel(jobId)).toBe(true);
      expect(await run).toMatchObject({
        stoppedBy: 'job-terminal',
        jobStatus: 'ABORTED',
        batches: 0,
      });
      const status = await di.getStatus(jobId);
      expect(status.batches.processingBatches).toBe(0);
      expect(status.inFlight).toEqual([]);
    },
  );

  it.runIf(controllable)(
    "after a cancel, waits until a dead worker's batch is reclaimed, then stops",
    async () => {
      const di = importer({ heartbeatIntervalMs: 20, leaseTimeoutMs: 200 });
      const { jobId } = await di.prepare(new BufferSource(usersCsv(10)), new CsvParser());
      expect((await t.store.claimBatch(jobId, 'killed-worker')).claimed).toBe(true);
      expect(await di.cancel(jobId)).toBe(true);
      const result = await runWorker(di, jobId, () => undefined, { pollIntervalMs: 20 });
      expect(result).toMatchObject({ stoppedBy: 'job-terminal', jobStatus: 'ABORTED' });
      expect((await t.store.getDistributedStatus(jobId)).processingBatches).toBe(0);
    },
  );
});

describe('lease and time-limit options', () => {
  const store = new InMemoryDistributedStateStore();
  const make = (extra: Partial<DistributedImportConfig>) =>
    new DistributedImport({ schema: usersSchema, stateStore: store, ...extra });

  it('default to 5-second heartbeats, a 15-second lease and no time limit', () => {
    const { settings } = make({});
    expect([
      settings.heartbeatIntervalMs,
      settings.leaseTimeoutMs,
      settings.recordTimeoutMs,
    ]).toEqual([5000, 15_000, undefined]);
    expect(make({}).claimTimeoutMs).toBe(15_000);
  });

  it('derive each default from the other option and from staleBatchTimeoutMs', () => {
    expect(make({ leaseTimeoutMs: 3000 }).settings.heartbeatIntervalMs).toBe(1000);
    expect(make({ heartbeatIntervalMs: 100 }).settings.leaseTimeoutMs).toBe(300);
    const short = make({ staleBatchTimeoutMs: 600 });
    expect([short.settings.heartbeatIntervalMs, short.claimTimeoutMs]).toEqual([200, 600]);
    expect(make({ staleBatchTimeoutMs: 5000, leaseTimeoutMs: 60_000 }).claimTimeoutMs).toBe(5000);
  });

  it('reject a lease that does not outlast a heartbeat, and bad values, naming the option', () => {
    expect(() => make({ heartbeatIntervalMs: 1000, leaseTimeoutMs: 1000 })).toThrow(
      InvalidOptionError,
    );
    expect(() => make({ heartbeatIntervalMs: 1000, leaseTimeoutMs: 1000 })).toThrow(
      /"leaseTimeoutMs".*greater than heartbeatIntervalMs \(1000\)/,
    );
    expect(() => make({ leaseTimeoutMs: 1.5 })).toThrow(/"leaseTimeoutMs"/);
    expect(() => make({ recordTimeoutMs: 0 })).toThrow(/"recordTimeoutMs"/);
    expect(() => make({ recordTimeoutMs: '10' as unknown as number })).toThrow(/"recordTimeoutMs"/);
  });

  it('runWorker rejects bad waiting options, naming them', async () => {
    const di = make({});
    await expect(runWorker(di, 'job', () => undefined, { pollIntervalMs: 0 })).rejects.toThrow(
      /"pollIntervalMs"/,
    );
    await expect(
      runWorker(di, 'job', () => undefined, { waitForOthers: 'no' as unknown as boolean }),
    ).rejects.toThrow(/"waitForOthers"/);
  });
});
