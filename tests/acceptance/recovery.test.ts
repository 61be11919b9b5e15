import { describe, expect, it } from 'vitest';
import { BufferSource, JobNotFoundError, LeaseLostError, type RawRecord } from '@batchactions/core';
import { CsvParser, type SourceParser } from '@batchactions/import';
import { DistributedImport, runWorker } from '../../src/index';
import { storeFactories, useTestStore } from '../support/stores';
import { usersCsv, usersSchema, workerLoop } from '../support/workers';

/** A property of the store, with methods bound to the store itself (not the proxy). */
function bound(target: object, key: string | symbol): unknown {
  const value = Reflect.get(target, key) as unknown;
  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
}

describe.each(storeFactories)('failures and recovery on $name', (factory) => {
  const t = useTestStore(factory);

  it('reclaims the batch of a crashed worker and counts every record once', async () => {
    const di = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 5,
      stateStore: t.store,
    });
    const { jobId } = await di.prepare(new BufferSource(usersCsv(20)), new CsvParser());
    // A worker claims a batch and dies before writing anything.
    const dead = await t.store.claimBatch(jobId, 'crashed-worker');
    expect(dead.claimed).toBe(true);

    const seen: number[] = [];
    const patient = await workerLoop(di, jobId, (r) => void seen.push(r.id as number), 'w1');
    // The default 15-minute timeout has not elapsed: the dead worker's batch is left alone.
    expect(patient.some((r) => r.jobComplete)).toBe(false);
    expect(seen).toHaveLength(15);

    const rescuer = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 5,
      stateStore: t.store,
      staleBatchTimeoutMs: 0,
    });
    const results = await workerLoop(rescuer, jobId, (r) => void seen.push(r.id as number), 'w2');
    expect(results.filter((r) => r.jobComplete)).toHaveLength(1);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const progress = await t.store.getProgress(jobId);
    expect([progress.processedRecords, progress.failedRecords]).toEqual([20, 0]);
    expect((await t.store.getJobState(jobId))?.status).toBe('COMPLETED');
  });

  it('sweeps stale batches periodically, not before every claim, and always before stopping', async () => {
    const sweeps: number[] = [];
    // A sweep is `reclaimStaleBatches`, or `sweepStaleBatches` where the store has it (the
    // same sweep with its reclaims and quarantines counted apart).
    const counted = new Proxy(t.store, {
      get: (target, key) => {
        const method = bound(target, key);
        if ((key !== 'reclaimStaleBatches' && key !== 'sweepStaleBatches') || !method)
          return method;
        return (jobId: string, timeoutMs: number, maxAttempts?: number) => {
          sweeps.push(timeoutMs);
          return (method as (j: string, t: number, m?: number) => unknown)(
            jobId,
            timeoutMs,
            maxAttempts,
          );
        };
      },
    });
    const di = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 2,
      stateStore: counted,
    });
    const { jobId } = await di.prepare(new BufferSource(usersCsv(10)), new CsvParser());
    // Another worker holds the last batch (alive: not stale), so the loop ends on an empty claim.
    const first = await di.processWorkerBatch(jobId, () => undefined, 'w1');
    expect(first.batchIndex).toBe(0);
    expect((await t.store.claimBatch(jobId, 'other')).claimed).toBe(true);
    const results = await workerLoop(di, jobId, () => undefined, 'w1');
    expect(results.map((r) => r.batchIndex)).toEqual([2, 3, 4, undefined]);
    if (typeof t.store.completeBatch !== 'function') {
      // A store with only the published port gets the published sweep before every claim.
      expect(sweeps).toEqual(Array.from({ length: 5 }, () => 900_000));
      return;
    }
    // One sweep on the first call and none per batch after it (with the default 15-second
    // lease the next periodic sweep is due a second later), then one more before answering
    // "no batch left": a stale batch is never the reason a worker stops. Heartbeats renew
    // claims on these stores, so the sweep reclaims after the lease timeout (three default
    // heartbeats), not after the published 15-minute staleBatchTimeoutMs.
    expect(sweeps).toEqual([15_000, 15_000]);
  });

  it("rejects the write of a worker whose batch was taken over, and keeps the winner's results", async ({
    skip,
  }) => {
    // A store with only the published port has no fenced writes to reject with.
    if (typeof t.store.completeBatch !== 'function') return skip();
    // The slow worker heartbeats often, so it learns of the takeover while its processor runs.
    const make = (stale: number, heartbeatIntervalMs: number) =>
      new DistributedImport({
        coerceValues: true,
        schema: usersSchema,
        batchSize: 5,
        stateStore: t.store,
        staleBatchTimeoutMs: stale,
        heartbeatIntervalMs,
      });
    const slow = make(900_000, 10);
    const fast = make(0, 3_600_000);
    const { jobId } = await slow.prepare(new BufferSource(usersCsv(5)), new CsvParser());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let slowStarted!: () => void;
    const started = new Promise<void>((resolve) => (slowStarted = resolve));
    const slowSignals: AbortSignal[] = [];
    const slowRun = slow.processWorkerBatch(
      jobId,
      async (_r, ctx) => {
        slowSignals.push(ctx.signal);
        slowStarted();
        await gate;
      },
      'slow',
    );
    // Observed from the start: the slow run rejects as soon as its heartbeat finds the lease gone
    // (its processor is abandoned then), which may come before the assertions below look.
    const slowOutcome = slowRun.then(
      () => undefined,
      (error: unknown) => error,
    );
    await started;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const winner = await fast.processWorkerBatch(jobId, () => undefined, 'fast');
    expect(winner).toMatchObject({ claimed: true, processedCount: 5, jobComplete: true });
    // The slow worker's next heartbeat finds the lease gone and aborts every record's signal.
    const slowSignal = slowSignals[0]!;
    const reason = await new Promise<unknown>((resolve, reject) => {
      if (slowSignal.aborted) resolve(slowSignal.reason);
      const timer = setTimeout(() => {
        reject(new Error('the slow worker was never told it lost its lease'));
      }, 5_000);
      slowSignal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(slowSignal.reason);
      });
    });
    expect(reason).toBeInstanceOf(LeaseLostError);
    release();
    expect(await slowOutcome).toBeInstanceOf(LeaseLostError);
    const processed = await t.store.getProcessedRecords(jobId);
    expect(processed).toHaveLength(5);
    expect((await t.store.getProgress(jobId)).processedRecords).toBe(5);
  });

  it('fails prepare with the parser error and leaves no claimable or finalisable job', async () => {
    const failing: SourceParser = {
      parse: () => {
        throw new Error('unused');
      },
      async *parseStream(): AsyncIterable<RawRecord> {
        for (let i = 0; i < 7; i += 1) yield { id: String(i), email: `u${i}@x.io`, name: 'n' };
        await Promise.resolve();
        throw new Error('corrupt input at line 9');
      },
    };
    const di = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 3,
      stateStore: t.store,
    });
    const ids: string[] = [];
    di.on('distributed:prepared', (e) => ids.push(e.jobId));
    await expect(di.prepare(new BufferSource('x'), failing)).rejects.toThrow(
      'corrupt input at line 9',
    );
    expect(ids).toEqual([]);
  });

  it("keeps a job whose prepare failed out of workers' reach", async () => {
    const jobs: string[] = [];
    // Note the id of every job saved, so the test can look at the job prepare gave up on.
    const proxied = new Proxy(t.store, {
      get: (target, key) =>
        key === 'saveJobState'
          ? (job: { id: string }) => {
              jobs.push(job.id);
              return target.saveJobState(job as Parameters<typeof target.saveJobState>[0]);
            }
          : bound(target, key),
    });
    const failing: SourceParser = {
      parse: () => [],
      async *parseStream(): AsyncIterable<RawRecord> {
        yield { id: '1', email: 'a@b.co', name: 'n' };
        await Promise.resolve();
        throw new Error('broken');
      },
    };
    const di = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 1,
      stateStore: proxied,
    });
    await expect(di.prepare(new BufferSource('x'), failing)).rejects.toThrow('broken');
    if (typeof t.store.registerBatch !== 'function') {
      // Published-port store: the published sequence saves the job only at the end, so there is
      // no job row at all; the batch saved before the failure is unreachable.
      expect(jobs).toEqual([]);
      return;
    }
    const jobId = jobs[0]!;
    // A custom parser's error is an interruption, not a ParseError: on stores that resume
    // prepares the job is left resumable (CREATED, its prepare stopped), elsewhere FAILED.
    // Out of workers' reach either way.
    expect((await t.store.getJobState(jobId))?.status).toBe(
      typeof t.store.takeOverPrepare === 'function' ? 'CREATED' : 'FAILED',
    );
    const result = await di.processWorkerBatch(jobId, () => undefined, 'w');
    expect(result).toMatchObject({ claimed: false, jobComplete: false });
    expect(await t.store.tryFinalizeJob(jobId)).toBe(false);
  });

  it('answers claimed: false for an unknown job id (published); runWorker rejects with JobNotFoundError', async () => {
    const di = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      stateStore: t.store,
    });
    await expect(di.processWorkerBatch('no-such-job', () => undefined, 'w')).resolves.toStrictEqual(
      {
        claimed: false,
        processedCount: 0,
        failedCount: 0,
        jobComplete: false,
        jobId: 'no-such-job',
      },
    );
    await expect(runWorker(di, 'no-such-job', () => undefined)).rejects.toBeInstanceOf(
      JobNotFoundError,
    );
  });

  it('surfaces a store error instead of reporting the batch failed, and releases the batch at once', async () => {
    const di0 = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 2,
      stateStore: t.store,
    });
    const { jobId } = await di0.prepare(new BufferSource(usersCsv(4)), new CsvParser());
    const broken = new Proxy(t.store, {
      get: (target, key) =>
        key === 'getBatchRecords'
          ? () => Promise.reject(new Error('connection reset'))
          : bound(target, key),
    });
    const di = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 2,
      stateStore: broken,
    });
    await expect(di.processWorkerBatch(jobId, () => undefined, 'w')).rejects.toThrow(
      'connection reset',
    );
    const status = await t.store.getDistributedStatus(jobId);
    expect([status.processingBatches, status.failedBatches, status.pendingBatches]).toEqual([
      0, 0, 2,
    ]);
  });
});
