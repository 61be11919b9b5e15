import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { BatchStatus } from '../model/batch';
import { JobStatus } from '../model/job';
import type { ProcessedRecord } from '../model/record';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { LeaseLostError } from '../errors/job-errors';
import { readJobProgress } from '../ports/state-store';
import type {
  BatchLease,
  BatchReservation,
  DistributedStateStore,
} from '../ports/distributed-state-store';
import { quarantineReason } from '../stores/batch-rules';
import { describeBatchesInFlight } from './describe-batches-in-flight';
import { describeListBatches } from './describe-list-batches';
import { describeListJobs } from './describe-list-jobs';
import { describeEarlyOpen } from './describe-early-open';
import { describePrepareAndCompletion } from './describe-prepare-and-completion';
import { describeResumablePrepare } from './describe-resumable-prepare';
import { describePrepareOwnership } from './describe-prepare-ownership';
import { describeCancelClaims } from './describe-cancel-claims';
import { describeStoreAgreement } from './describe-store-agreement';
import { describeJobLimits } from './describe-job-limits';
import type { ConformanceHarness } from './conformance-harness';
import { makeBatch, makeJobState, makeRecords, prepareJob, sleep } from './fixtures';

/** Options of the conformance suite. */
export interface ConformanceOptions extends ConformanceHarness {
  /** Called after each test with the store it created (close connections, drop schemas). */
  readonly teardown?: (store: DistributedStateStore) => Promise<void> | void;
  /**
   * Whether to check the optional fenced methods (`completeBatch`, `heartbeatBatch`) and
   * `maxAttempts` quarantine. Default: true when the store has `completeBatch`.
   */
  readonly fencing?: boolean;
  /** Number of concurrent claimers in the race tests. Default 24. */
  readonly concurrency?: number;
}

function lease(reservation: BatchReservation): BatchLease {
  return {
    jobId: reservation.jobId,
    batchId: reservation.batchId,
    workerId: reservation.workerId,
    attempt: reservation.attempt ?? 0,
  };
}

/**
 * Reports the test as skipped (never passed) when the store lacks the optional feature it checks.
 */
function requireFeature(context: TestContext, available: boolean, feature: string): void {
  if (!available) context.skip(`the store has no ${feature}`);
}

async function claimOrFail(store: DistributedStateStore, jobId: string, workerId: string) {
  const result = await store.claimBatch(jobId, workerId);
  if (!result.claimed) throw new Error(`expected a claim, got ${result.reason}`);
  return result.reservation;
}

/**
 * Registers the store conformance suite with vitest. Every store in this repository runs it;
 * authors of other stores can run it too:
 *
 * ```ts
 * import { describeDistributedStateStore } from '@batchactions/core/testing';
 * describeDistributedStateStore('MyStore', async () => new MyStore(...));
 * ```
 *
 * `createStore` is called before each test and must return a ready (initialised), empty store.
 */
export function describeDistributedStateStore(
  name: string,
  createStore: () => Promise<DistributedStateStore> | DistributedStateStore,
  options: ConformanceOptions = {},
): void {
  describe(`DistributedStateStore conformance: ${name}`, () => {
    let store: DistributedStateStore;
    const concurrency = options.concurrency ?? 24;

    beforeEach(async () => {
      store = await createStore();
    });
    afterEach(async () => {
      await options.teardown?.(store);
    });

    const fencing = () => options.fencing ?? typeof store.completeBatch === 'function';

    describeListJobs(() => store);
    describeBatchesInFlight(() => store);
    describeListBatches(() => store);
    describePrepareAndCompletion(() => store);
    describeEarlyOpen(() => store);
    describeResumablePrepare(() => store, options);
    describePrepareOwnership(() => store, options);
    describeCancelClaims(() => store, options);
    describeStoreAgreement(() => store);
    describeJobLimits(() => store);

    describe('jobs', () => {
      it('returns null for an unknown job', async () => {
        expect(await store.getJobState('no-such-job')).toBeNull();
      });

      it('round-trips a job and lists its batches in index order without records', async () => {
        const { jobId, batches } = await prepareJob(store, 3, 4);
        const job = await store.getJobState(jobId);
        expect(job).not.toBeNull();
        expect(job?.status).toBe(JobStatus.PROCESSING);
        expect(job?.totalRecords).toBe(12);
        expect(job?.distributed).toBe(true);
        expect(job?.config.batchSize).toBe(4);
        expect(job?.batches.map((b) => b.id)).toEqual(batches.map((b) => b.id));
        expect(job?.batches.map((b) => b.index)).toEqual([0, 1, 2]);
        expect(job?.batches.every((b) => b.status === BatchStatus.PENDING)).toBe(true);
        expect(job?.batches.every((b) => b.records.length === 0)).toBe(true);
        expect(job?.batches[1]?.recordStartIndex).toBe(4);
        expect(job?.batches[1]?.recordEndIndex).toBe(7); // inclusive
      });

      it('keeps the state of batches it already holds when the job is saved again', async () => {
        const { jobId, batches } = await prepareJob(store, 2, 2);
        await claimOrFail(store, jobId, 'w1');
        const job = await store.getJobState(jobId);
        await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, batches, 4));
        const again = await store.getJobState(jobId);
        expect(again?.batches[0]?.status).toBe(BatchStatus.PROCESSING);
        expect(again?.batches[0]?.workerId).toBe('w1');
        expect(job?.batches[0]?.status).toBe(BatchStatus.PROCESSING);
      });

      it('creates a job only when no job has its id (createJobIfAbsent)', async (ctx) => {
        requireFeature(ctx, typeof store.createJobIfAbsent === 'function', 'createJobIfAbsent');
        const create = (id: string, status: JobStatus, totalRecords: number) =>
          store.createJobIfAbsent!({ ...makeJobState(id, status, [], totalRecords) });
        expect(await create('once-a', JobStatus.CREATED, 0)).toBe(true);
        expect(await create('once-a', JobStatus.PROCESSING, 7)).toBe(false);
        const kept = await store.getJobState('once-a');
        expect(kept?.status).toBe(JobStatus.CREATED);
        expect(kept?.totalRecords).toBe(0);
        // Concurrent calls with one id: exactly one creates the job.
        const created = await Promise.all(
          Array.from({ length: concurrency }, (_, i) => create('once-b', JobStatus.CREATED, i)),
        );
        expect(created.filter(Boolean)).toHaveLength(1);
        const winner = created.indexOf(true);
        expect((await store.getJobState('once-b'))?.totalRecords).toBe(winner);
        await expect(
          store.createJobIfAbsent!(
            makeJobState('once-c', JobStatus.CREATED, [makeBatch('b0', 0, makeRecords(0, 1))], 1),
          ),
        ).rejects.toBeInstanceOf(InvalidOptionError);
        expect(await store.getJobState('once-c')).toBeNull();
      });

      it('keeps jobs apart', async () => {
        const a = await prepareJob(store, 2, 2);
        const b = await prepareJob(store, 1, 3);
        await claimOrFail(store, a.jobId, 'w');
        expect((await store.getDistributedStatus(b.jobId)).processingBatches).toBe(0);
        expect(await store.getBatchRecords(b.jobId, a.batches[0]!.id)).toEqual([]);
        expect((await store.getJobState(b.jobId))?.totalRecords).toBe(3);
      });
    });

    describe('claims', () => {
      it('reports JOB_NOT_FOUND for an unknown job', async () => {
        expect(await store.claimBatch('no-such-job', 'w1')).toEqual({
          claimed: false,
          reason: 'JOB_NOT_FOUND',
        });
      });

      it('reports JOB_NOT_PROCESSING while the job is not PROCESSING', async () => {
        const { jobId } = await prepareJob(store, 2, 2, { status: JobStatus.CREATED });
        expect(await store.claimBatch(jobId, 'w1')).toEqual({
          claimed: false,
          reason: 'JOB_NOT_PROCESSING',
        });
      });

      it('hands out the lowest pending batch with a full reservation, then NO_PENDING_BATCHES', async () => {
        const { jobId, batches } = await prepareJob(store, 2, 3);
        const before = Date.now();
        const first = await claimOrFail(store, jobId, 'w1');
        expect(first).toMatchObject({
          jobId,
          batchId: batches[0]!.id,
          batchIndex: 0,
          workerId: 'w1',
          recordStartIndex: 0,
          recordEndIndex: 2, // inclusive
        });
        expect(typeof first.claimedAt).toBe('number');
        // Store clocks may differ slightly from ours (database servers): allow a minute.
        expect(Math.abs(first.claimedAt - before)).toBeLessThan(60_000);
        const second = await claimOrFail(store, jobId, 'w2');
        expect(second.batchIndex).toBe(1);
        expect(second.recordStartIndex).toBe(3);
        expect(await store.claimBatch(jobId, 'w3')).toEqual({
          claimed: false,
          reason: 'NO_PENDING_BATCHES',
        });
        const job = await store.getJobState(jobId);
        expect(job?.batches.map((b) => [b.status, b.workerId])).toEqual([
          [BatchStatus.PROCESSING, 'w1'],
          [BatchStatus.PROCESSING, 'w2'],
        ]);
      });

      it('never gives one batch to two of many concurrent claimers', async () => {
        const batchCount = Math.max(1, Math.floor(concurrency * 0.75));
        const { jobId } = await prepareJob(store, batchCount, 2);
        const results = await Promise.all(
          Array.from({ length: concurrency }, (_, i) => store.claimBatch(jobId, `w${i}`)),
        );
        const claimed = results.flatMap((r) => (r.claimed ? [r.reservation.batchIndex] : []));
        expect(claimed).toHaveLength(batchCount);
        expect(new Set(claimed).size).toBe(batchCount);
        for (const r of results) if (!r.claimed) expect(r.reason).toBe('NO_PENDING_BATCHES');
      });

      it('numbers attempts from 1 and counts every new claim', async (ctx) => {
        requireFeature(ctx, fencing(), 'fenced writes (completeBatch, heartbeatBatch)');
        const { jobId } = await prepareJob(store, 1, 1);
        const first = await claimOrFail(store, jobId, 'w1');
        expect(first.attempt).toBe(1);
        await store.releaseBatch(jobId, first.batchId, 'w1');
        const second = await claimOrFail(store, jobId, 'w2');
        expect(second.attempt).toBe(2);
      });
    });

    describe('release', () => {
      it('lets only the holder release a batch', async () => {
        const { jobId } = await prepareJob(store, 1, 2);
        const r = await claimOrFail(store, jobId, 'owner');
        await store.releaseBatch(jobId, r.batchId, 'intruder');
        expect((await store.getDistributedStatus(jobId)).processingBatches).toBe(1);
        await store.releaseBatch(jobId, r.batchId, 'owner');
        const status = await store.getDistributedStatus(jobId);
        expect(status.processingBatches).toBe(0);
        expect(status.pendingBatches).toBe(1);
        const again = await claimOrFail(store, jobId, 'other');
        expect(again.batchId).toBe(r.batchId);
      });
    });

    describe('stale reclaim', () => {
      it('reclaims nothing before the timeout has elapsed', async () => {
        const { jobId } = await prepareJob(store, 2, 1);
        await claimOrFail(store, jobId, 'w1');
        expect(await store.reclaimStaleBatches(jobId, 60_000)).toBe(0);
        expect((await store.getDistributedStatus(jobId)).processingBatches).toBe(1);
      });

      it('puts batches whose timeout elapsed back to PENDING', async () => {
        const { jobId } = await prepareJob(store, 3, 1);
        await claimOrFail(store, jobId, 'w1');
        await claimOrFail(store, jobId, 'w2');
        await sleep(40);
        expect(await store.reclaimStaleBatches(jobId, 20)).toBe(2);
        const status = await store.getDistributedStatus(jobId);
        expect(status.pendingBatches).toBe(3);
        expect(status.processingBatches).toBe(0);
        const again = await claimOrFail(store, jobId, 'w3');
        expect(again.batchIndex).toBe(0);
      });

      it('leaves finished batches alone', async () => {
        const { jobId } = await prepareJob(store, 1, 1);
        const r = await claimOrFail(store, jobId, 'w1');
        await store.updateBatchState(jobId, r.batchId, {
          batchId: r.batchId,
          status: BatchStatus.COMPLETED,
          processedCount: 1,
          failedCount: 0,
        });
        await sleep(10);
        expect(await store.reclaimStaleBatches(jobId, 0)).toBe(0);
      });

      it('rejects bad reclaim arguments with an error naming them', async () => {
        const { jobId } = await prepareJob(store, 1, 1);
        const optionOf = (call: Promise<number>) =>
          call.then(
            () => 'accepted',
            (error: unknown) => (error instanceof InvalidOptionError ? error.option : error),
          );
        for (const timeoutMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
          expect(await optionOf(store.reclaimStaleBatches(jobId, timeoutMs))).toBe('timeoutMs');
        }
        for (const maxAttempts of [0, 1.5, -2]) {
          expect(await optionOf(store.reclaimStaleBatches(jobId, 0, maxAttempts))).toBe(
            'maxAttempts',
          );
        }
      });

      it('quarantines a batch reclaimed maxAttempts times as FAILED with its reason', async (ctx) => {
        requireFeature(ctx, fencing(), 'fenced writes (completeBatch, heartbeatBatch)');
        const { jobId } = await prepareJob(store, 1, 3);
        const first = await claimOrFail(store, jobId, 'w1');
        await sleep(5);
        expect(await store.reclaimStaleBatches(jobId, 0, 2)).toBe(1);
        await claimOrFail(store, jobId, 'w2');
        await sleep(5);
        expect(await store.reclaimStaleBatches(jobId, 0, 2)).toBe(1);
        const job = await store.getJobState(jobId);
        const batch = job?.batches[0];
        expect(batch?.status).toBe(BatchStatus.FAILED);
        expect(batch?.error).toBe(quarantineReason(0, 2, 'w2'));
        expect(batch?.error).toBe('Batch 0 abandoned after 2 attempts (last worker w2)');
        expect(batch?.failedCount).toBe(3);
        expect(await store.claimBatch(jobId, 'w3')).toEqual({
          claimed: false,
          reason: 'NO_PENDING_BATCHES',
        });
        const failed = await store.getFailedRecords(jobId);
        expect(failed.map((r) => r.index)).toEqual([0, 1, 2]);
        expect(failed.map((r) => r.processingError)).toEqual(Array(3).fill(batch?.error));
        expect(await store.tryFinalizeJob(jobId)).toBe(true);
        expect((await store.getJobState(jobId))?.status).toBe(JobStatus.FAILED);
        expect(first.attempt).toBe(1);
      });
    });

    it('sweepStaleBatches tells reclaimed batches from quarantined ones', async (ctx) => {
      const sweep = store.sweepStaleBatches?.bind(store);
      requireFeature(ctx, sweep !== undefined && fencing(), 'sweepStaleBatches');
      if (sweep === undefined) return;
      const { jobId } = await prepareJob(store, 2, 2);
      // Batch 0 claimed twice (its second claim is the last allowed), batch 1 once.
      await claimOrFail(store, jobId, 'w1');
      await sleep(5);
      expect(await sweep(jobId, 0, 2)).toEqual({ reclaimed: 1, quarantined: 0 });
      await claimOrFail(store, jobId, 'w2');
      await claimOrFail(store, jobId, 'w3');
      await sleep(5);
      expect(await sweep(jobId, 0, 2)).toEqual({ reclaimed: 1, quarantined: 1 });
      expect(await sweep(jobId, 0, 2)).toEqual({ reclaimed: 0, quarantined: 0 });
      const batches = (await store.getJobState(jobId))?.batches ?? [];
      expect(batches.map((b) => b.status)).toEqual([BatchStatus.FAILED, BatchStatus.PENDING]);
      // Without maxAttempts nothing is quarantined, as with reclaimStaleBatches.
      await claimOrFail(store, jobId, 'w4');
      await sleep(5);
      expect(await sweep(jobId, 0)).toEqual({ reclaimed: 1, quarantined: 0 });
    });

    it('counts every record of a quarantined batch failed, stored or not', async (ctx) => {
      requireFeature(ctx, fencing(), 'fenced writes (completeBatch, heartbeatBatch)');
      const jobId = `quarantine-range-${String(Date.now())}`;
      // A batch of records 0..3 whose records were never stored.
      const batch = { ...makeBatch('b0', 0, makeRecords(0, 4)), records: [] };
      await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, [batch], 4));
      await claimOrFail(store, jobId, 'w1');
      await sleep(5);
      expect(await store.reclaimStaleBatches(jobId, 0, 1)).toBe(1);
      const stored = (await store.getJobState(jobId))?.batches[0];
      expect(stored).toMatchObject({ status: BatchStatus.FAILED, failedCount: 4 });
      expect(stored?.processedCount).toBe(0);
    });

    describe('records', () => {
      const rich = (index: number, status: ProcessedRecord['status']): ProcessedRecord => ({
        index,
        raw: {
          email: `a${index}@x.io`,
          nested: { list: [1, 'two', null], ok: true },
          'odd key': 'ñ "q" ,',
        },
        parsed: { email: `a${index}@x.io`, age: 42, tags: ['a', 'b'] },
        status,
        errors:
          status === 'invalid'
            ? [{ field: 'email', message: 'bad', code: 'TYPE_MISMATCH', value: 'x' }]
            : [{ field: 'name', message: 'short', code: 'CUSTOM_VALIDATION', severity: 'warning' }],
        ...(status === 'failed' ? { processingError: 'boom', retryCount: 2 } : {}),
      });

      it('round-trips every field of a batch in index order', async () => {
        const { jobId, batches } = await prepareJob(store, 2, 0 + 3);
        const batchId = batches[0]!.id;
        const records = [rich(2, 'failed'), rich(0, 'processed'), rich(1, 'invalid')];
        await store.saveBatchRecords(jobId, batchId, records);
        const back = await store.getBatchRecords(jobId, batchId);
        expect(back).toEqual([records[1], records[2], records[0]]);
      });

      it('returns the records of each batch only', async () => {
        const { jobId, batches } = await prepareJob(store, 3, 4);
        const second = await store.getBatchRecords(jobId, batches[1]!.id);
        expect(second.map((r) => r.index)).toEqual([4, 5, 6, 7]);
        expect(second[0]).toEqual(makeRecords(4, 1)[0]);
        expect(await store.getBatchRecords(jobId, 'no-such-batch')).toEqual([]);
      });

      it('replaces a record saved again and filters by status across batches', async () => {
        const { jobId, batches } = await prepareJob(store, 2, 2);
        await store.saveProcessedRecord(jobId, batches[1]!.id, rich(3, 'failed'));
        await store.saveProcessedRecord(jobId, batches[0]!.id, rich(1, 'invalid'));
        await store.saveProcessedRecord(jobId, batches[0]!.id, rich(0, 'processed'));
        expect((await store.getFailedRecords(jobId)).map((r) => [r.index, r.status])).toEqual([
          [1, 'invalid'],
          [3, 'failed'],
        ]);
        expect((await store.getProcessedRecords(jobId)).map((r) => r.index)).toEqual([0]);
        expect((await store.getPendingRecords(jobId)).map((r) => r.index)).toEqual([2]);
        expect(await store.getBatchRecords(jobId, batches[1]!.id)).toHaveLength(2);
      });

      it('stores a registered batch with its records but keeps it unclaimable until the job is PROCESSING', async (ctx) => {
        requireFeature(ctx, typeof store.registerBatch === 'function', 'registerBatch');
        const { jobId, batches } = await prepareJob(store, 2, 3, {
          status: JobStatus.CREATED,
          useRegisterBatch: true,
        });
        expect((await store.claimBatch(jobId, 'w')).claimed).toBe(false);
        expect((await store.getBatchRecords(jobId, batches[1]!.id)).map((r) => r.index)).toEqual([
          3, 4, 5,
        ]);
        await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, batches, 6));
        const r = await claimOrFail(store, jobId, 'w');
        expect(r).toMatchObject({ batchIndex: 0, recordStartIndex: 0, recordEndIndex: 2 });
        expect((await store.getJobState(jobId))?.batches).toHaveLength(2);
      });
    });

    describe('status, progress and finalisation', () => {
      async function finish(jobId: string, status: BatchStatus, processed: number, failed: number) {
        const r = await claimOrFail(store, jobId, 'w');
        await store.updateBatchState(jobId, r.batchId, {
          batchId: r.batchId,
          status,
          processedCount: processed,
          failedCount: failed,
        });
        return r;
      }

      it('counts batches by status', async () => {
        const { jobId } = await prepareJob(store, 4, 1);
        await finish(jobId, BatchStatus.COMPLETED, 1, 0);
        await finish(jobId, BatchStatus.FAILED, 0, 1);
        await claimOrFail(store, jobId, 'w');
        expect(await store.getDistributedStatus(jobId)).toEqual({
          jobId,
          totalBatches: 4,
          pendingBatches: 1,
          processingBatches: 1,
          completedBatches: 1,
          failedBatches: 1,
          isComplete: false,
        });
      });

      it('answers zeros for status and progress of an unknown job, as the published stores', async () => {
        expect(await store.getDistributedStatus('no-such-job')).toStrictEqual({
          jobId: 'no-such-job',
          totalBatches: 0,
          pendingBatches: 0,
          processingBatches: 0,
          completedBatches: 0,
          failedBatches: 0,
          isComplete: false,
        });
        const zeros = {
          totalRecords: 0,
          processedRecords: 0,
          failedRecords: 0,
          pendingRecords: 0,
          percentage: 0,
          currentBatch: 0,
          totalBatches: 0,
          elapsedMs: 0,
        };
        expect(await store.getProgress('no-such-job')).toStrictEqual(zeros);
        expect(await readJobProgress(store, 'no-such-job')).toStrictEqual(zeros);
      });

      it('ignores a state update of an unknown job or batch, as the published stores', async () => {
        const { jobId } = await prepareJob(store, 1, 1);
        const state = {
          batchId: 'no-such-batch',
          status: BatchStatus.COMPLETED,
          processedCount: 1,
          failedCount: 0,
        };
        await expect(store.updateBatchState('no-such-job', 'b0', state)).resolves.toBeUndefined();
        await expect(
          store.updateBatchState(jobId, 'no-such-batch', state),
        ).resolves.toBeUndefined();
        expect(await store.getJobState('no-such-job')).toBeNull();
        expect(await store.getDistributedStatus(jobId)).toMatchObject({
          totalBatches: 1,
          pendingBatches: 1,
          completedBatches: 0,
        });
      });

      it('reports record-level progress from batch counters (getJobProgress)', async () => {
        const { jobId } = await prepareJob(store, 3, 10);
        await finish(jobId, BatchStatus.COMPLETED, 8, 2);
        await finish(jobId, BatchStatus.COMPLETED, 10, 0);
        const p = await readJobProgress(store, jobId);
        expect(p).toMatchObject({
          totalRecords: 30,
          processedRecords: 18,
          failedRecords: 2,
          pendingRecords: 10,
          currentBatch: 2,
          totalBatches: 3,
        });
        expect(p.percentage).toBeCloseTo((20 / 30) * 100, 5);
        expect(p.elapsedMs).toBeGreaterThanOrEqual(0);
      });

      it('does not finalise while batches are pending or processing', async () => {
        const { jobId } = await prepareJob(store, 2, 1);
        expect(await store.tryFinalizeJob(jobId)).toBe(false);
        await finish(jobId, BatchStatus.COMPLETED, 1, 0);
        await claimOrFail(store, jobId, 'w');
        expect(await store.tryFinalizeJob(jobId)).toBe(false);
        expect((await store.getJobState(jobId))?.status).toBe(JobStatus.PROCESSING);
        expect(await store.tryFinalizeJob('no-such-job')).toBe(false);
      });

      it('finalises exactly once under many concurrent finalisers, as COMPLETED', async () => {
        const { jobId } = await prepareJob(store, 2, 1);
        await finish(jobId, BatchStatus.COMPLETED, 1, 0);
        await finish(jobId, BatchStatus.COMPLETED, 1, 0);
        const wins = await Promise.all(
          Array.from({ length: concurrency }, () => store.tryFinalizeJob(jobId)),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
        expect(await store.tryFinalizeJob(jobId)).toBe(false);
        const job = await store.getJobState(jobId);
        expect(job?.status).toBe(JobStatus.COMPLETED);
        expect(typeof job?.completedAt).toBe('number');
        expect((await store.getDistributedStatus(jobId)).isComplete).toBe(true);
      });

      it('finalises as FAILED when a batch failed', async () => {
        const { jobId } = await prepareJob(store, 2, 1);
        await finish(jobId, BatchStatus.COMPLETED, 1, 0);
        await finish(jobId, BatchStatus.FAILED, 0, 1);
        expect(await store.tryFinalizeJob(jobId)).toBe(true);
        expect((await store.getJobState(jobId))?.status).toBe(JobStatus.FAILED);
      });

      it('finalises a job that has no batches', async () => {
        const { jobId } = await prepareJob(store, 0, 1);
        expect((await store.getDistributedStatus(jobId)).isComplete).toBe(true);
        expect(await store.tryFinalizeJob(jobId)).toBe(true);
        expect((await store.getJobState(jobId))?.status).toBe(JobStatus.COMPLETED);
      });
    });

    describe('control plane', () => {
      const controlPlane = () =>
        typeof store.updateJobStatus === 'function' && typeof store.getJobStatus === 'function';

      it('moves a job between statuses only from the statuses given', async (ctx) => {
        requireFeature(ctx, controlPlane(), 'control plane (updateJobStatus, getJobStatus)');
        const { jobId } = await prepareJob(store, 2, 1);
        expect(await store.getJobStatus!(jobId)).toBe(JobStatus.PROCESSING);
        expect(await store.getJobStatus!('no-such-job')).toBeNull();
        expect(await store.updateJobStatus!(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING)).toBe(
          false,
        );
        expect(await store.updateJobStatus!(jobId, [JobStatus.PROCESSING], JobStatus.PAUSED)).toBe(
          true,
        );
        expect(await store.getJobStatus!(jobId)).toBe(JobStatus.PAUSED);
        expect(await store.claimBatch(jobId, 'w')).toEqual({
          claimed: false,
          reason: 'JOB_NOT_PROCESSING',
        });
        expect(await store.updateJobStatus!(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING)).toBe(
          true,
        );
        expect((await store.claimBatch(jobId, 'w')).claimed).toBe(true);
        expect(
          await store.updateJobStatus!('no-such-job', [JobStatus.PROCESSING], JobStatus.ABORTED),
        ).toBe(false);
      });

      it('gives exactly one of many concurrent callers the transition', async (ctx) => {
        requireFeature(ctx, controlPlane(), 'control plane (updateJobStatus, getJobStatus)');
        const { jobId } = await prepareJob(store, 1, 1);
        const wins = await Promise.all(
          Array.from({ length: concurrency }, () =>
            store.updateJobStatus!(jobId, [JobStatus.PROCESSING], JobStatus.ABORTED),
          ),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
        const job = await store.getJobState(jobId);
        expect(job?.status).toBe(JobStatus.ABORTED);
        expect(typeof job?.completedAt).toBe('number');
        expect(await store.tryFinalizeJob(jobId)).toBe(false);
      });

      it('never finalises a job that is not PROCESSING', async (ctx) => {
        requireFeature(ctx, controlPlane(), 'control plane (updateJobStatus, getJobStatus)');
        const { jobId } = await prepareJob(store, 1, 1);
        const r = await claimOrFail(store, jobId, 'w');
        await store.updateBatchState(jobId, r.batchId, {
          batchId: r.batchId,
          status: BatchStatus.COMPLETED,
          processedCount: 1,
          failedCount: 0,
        });
        await store.updateJobStatus!(jobId, [JobStatus.PROCESSING], JobStatus.PAUSED);
        expect(await store.tryFinalizeJob(jobId)).toBe(false);
        await store.updateJobStatus!(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING);
        expect(await store.tryFinalizeJob(jobId)).toBe(true);
      });

      it('hands each unique value to the first record that claims it, per job and field', async (ctx) => {
        requireFeature(ctx, typeof store.claimUniqueValues === 'function', 'claimUniqueValues');
        const a = await prepareJob(store, 1, 1);
        const b = await prepareJob(store, 1, 1);
        const first = await store.claimUniqueValues!(a.jobId, [
          { field: 'email', value: 'x@y.z', recordIndex: 4 },
          { field: 'email', value: 'other@y.z', recordIndex: 5 },
          { field: 'code', value: 'x@y.z', recordIndex: 6 },
        ]);
        expect(first).toEqual([4, 5, 6]);
        const later = await store.claimUniqueValues!(a.jobId, [
          { field: 'email', value: 'x@y.z', recordIndex: 9 },
          { field: 'email', value: 'x@y.z', recordIndex: 4 },
          { field: 'email', value: 'new@y.z', recordIndex: 9 },
        ]);
        expect(later).toEqual([4, 4, 9]);
        expect(
          await store.claimUniqueValues!(b.jobId, [
            { field: 'email', value: 'x@y.z', recordIndex: 0 },
          ]),
        ).toEqual([0]);
      });

      it('compares unique values byte for byte: trailing spaces, case and Unicode forms are distinct', async (ctx) => {
        requireFeature(ctx, typeof store.claimUniqueValues === 'function', 'claimUniqueValues');
        const { jobId } = await prepareJob(store, 1, 1);
        const long = 'x'.repeat(200);
        const values = [
          'ann@example.com',
          'ann@example.com ',
          'ann@example.com  ',
          ' ann@example.com',
          'ann@example.com\t',
          'Ann@example.com',
          'ANN@EXAMPLE.COM',
          'caf\u00e9', // NFC
          'cafe\u0301', // NFD of the same text
          '\u212b', // ANGSTROM SIGN, NFC-normalises to U+00C5
          '\u00c5',
          '#ann',
          long,
          `${long} `,
          '',
          ' ',
        ];
        const claims = values.map((value, i) => ({ field: 'email', value, recordIndex: i }));
        // Every value is new: each record holds its own.
        expect(await store.claimUniqueValues!(jobId, claims)).toEqual(values.map((_, i) => i));
        // Claimed again by later records: each value still has its first holder, none other.
        expect(
          await store.claimUniqueValues!(
            jobId,
            claims.map((c) => ({ ...c, recordIndex: c.recordIndex + 100 })),
          ),
        ).toEqual(values.map((_, i) => i));
        // Field names compare exactly too.
        expect(
          await store.claimUniqueValues!(jobId, [
            { field: 'email ', value: 'ann@example.com', recordIndex: 200 },
            { field: 'Email', value: 'ann@example.com', recordIndex: 201 },
            { field: 'email', value: 'ann@example.com', recordIndex: 202 },
          ]),
        ).toEqual([200, 201, 0]);
      });

      it('keeps unique values and field names holding NUL characters apart from look-alikes', async (ctx) => {
        requireFeature(ctx, typeof store.claimUniqueValues === 'function', 'claimUniqueValues');
        const { jobId } = await prepareJob(store, 1, 1);
        // PostgreSQL text cannot hold NUL: a store must neither fail nor fold it into U+FFFD.
        const values = ['a\u0000b', 'a\uFFFDb', 'ab', 'a\u0000', 'a'];
        const claims = values.map((value, i) => ({ field: 'code', value, recordIndex: i }));
        expect(await store.claimUniqueValues!(jobId, claims)).toEqual(values.map((_, i) => i));
        expect(
          await store.claimUniqueValues!(
            jobId,
            claims.map((c) => ({ ...c, recordIndex: c.recordIndex + 100 })),
          ),
        ).toEqual(values.map((_, i) => i));
        expect(
          await store.claimUniqueValues!(jobId, [
            { field: 'co\u0000de', value: 'ab', recordIndex: 200 },
            { field: 'co\uFFFDde', value: 'ab', recordIndex: 201 },
            { field: 'co\u0000de', value: 'ab', recordIndex: 202 },
          ]),
        ).toEqual([200, 201, 200]);
      });

      it('gives a contested unique value to exactly one of many concurrent claimants', async (ctx) => {
        requireFeature(ctx, typeof store.claimUniqueValues === 'function', 'claimUniqueValues');
        const { jobId } = await prepareJob(store, 1, 1);
        const holders = await Promise.all(
          Array.from({ length: concurrency }, (_, i) =>
            store.claimUniqueValues!(jobId, [
              { field: 'email', value: 'same@y.z', recordIndex: i },
              { field: 'email', value: `own${i}@y.z`, recordIndex: i },
            ]),
          ),
        );
        const winners = new Set(holders.map((h) => h[0]));
        expect(winners.size).toBe(1);
        expect(holders.map((h) => h[1])).toEqual(Array.from({ length: concurrency }, (_, i) => i));
      });

      it('deletes a job with its batches and records', async (ctx) => {
        requireFeature(ctx, typeof store.deleteJob === 'function', 'deleteJob');
        const a = await prepareJob(store, 2, 2);
        const b = await prepareJob(store, 1, 2);
        expect(await store.deleteJob!(a.jobId)).toBe(true);
        expect(await store.deleteJob!(a.jobId)).toBe(false);
        expect(await store.getJobState(a.jobId)).toBeNull();
        expect(await store.getBatchRecords(a.jobId, a.batches[0]!.id)).toEqual([]);
        expect(await store.claimBatch(a.jobId, 'w')).toEqual({
          claimed: false,
          reason: 'JOB_NOT_FOUND',
        });
        expect((await store.getBatchRecords(b.jobId, b.batches[0]!.id)).length).toBe(2);
      });
    });

    describe('fenced writes', () => {
      it('writes a batch and its records in one call while the lease holds', async (ctx) => {
        requireFeature(ctx, fencing(), 'fenced writes (completeBatch, heartbeatBatch)');
        const { jobId, batches } = await prepareJob(store, 2, 3);
        const r = await claimOrFail(store, jobId, 'w1');
        const records = (await store.getBatchRecords(jobId, r.batchId)).map(
          (rec, i): ProcessedRecord =>
            i === 1
              ? { ...rec, status: 'failed', processingError: 'nope', retryCount: 1 }
              : { ...rec, status: 'processed', parsed: { ...rec.parsed, extra: i } },
        );
        await store.completeBatch!(lease(r), records, {
          status: BatchStatus.COMPLETED,
          processedCount: 2,
          failedCount: 1,
        });
        expect(await store.getBatchRecords(jobId, batches[0]!.id)).toEqual(records);
        const job = await store.getJobState(jobId);
        expect(job?.batches[0]).toMatchObject({
          status: BatchStatus.COMPLETED,
          processedCount: 2,
          failedCount: 1,
        });
        const p = await store.getProgress(jobId);
        expect([p.processedRecords, p.failedRecords]).toEqual([2, 1]);
        expect((await store.getFailedRecords(jobId)).map((x) => x.index)).toEqual([1]);
      });

      it('also writes records the batch did not hold yet, and keeps the others', async (ctx) => {
        requireFeature(ctx, fencing(), 'fenced writes (completeBatch, heartbeatBatch)');
        const { jobId } = await prepareJob(store, 1, 2);
        const r = await claimOrFail(store, jobId, 'w1');
        const stored = await store.getBatchRecords(jobId, r.batchId);
        const added: ProcessedRecord = {
          index: 2,
          raw: { name: 'added' },
          parsed: { name: 'ADDED' },
          status: 'failed',
          errors: [
            { field: 'name', message: 'late', code: 'CUSTOM_VALIDATION', severity: 'error' },
          ],
          processingError: 'late record',
        };
        const records = [
          ...stored.map((rec): ProcessedRecord => ({ ...rec, status: 'processed' })),
          added,
        ];
        await store.completeBatch!(lease(r), records, {
          status: BatchStatus.COMPLETED,
          processedCount: 2,
          failedCount: 1,
        });
        expect(await store.getProcessedRecords(jobId)).toEqual(records.slice(0, 2));
        expect(await store.getFailedRecords(jobId)).toEqual([added]);
        const p = await store.getProgress(jobId);
        expect([p.processedRecords, p.failedRecords]).toEqual([2, 1]);
      });

      it('rejects a stale lease with LeaseLostError and writes nothing', async (ctx) => {
        requireFeature(ctx, fencing(), 'fenced writes (completeBatch, heartbeatBatch)');
        const { jobId } = await prepareJob(store, 1, 2);
        const old = await claimOrFail(store, jobId, 'slow');
        await sleep(5);
        expect(await store.reclaimStaleBatches(jobId, 0)).toBe(1);
        const fresh = await claimOrFail(store, jobId, 'fast');
        const original = await store.getBatchRecords(jobId, old.batchId);
        const bogus = original.map((rec): ProcessedRecord => ({ ...rec, status: 'processed' }));
        await expect(
          store.completeBatch!(lease(old), bogus, {
            status: BatchStatus.COMPLETED,
            processedCount: 2,
            failedCount: 0,
          }),
        ).rejects.toBeInstanceOf(LeaseLostError);
        await expect(store.heartbeatBatch!(lease(old))).rejects.toBeInstanceOf(LeaseLostError);
        expect(await store.getBatchRecords(jobId, old.batchId)).toEqual(original);
        const job = await store.getJobState(jobId);
        expect(job?.batches[0]).toMatchObject({ status: BatchStatus.PROCESSING, workerId: 'fast' });
        await store.completeBatch!(lease(fresh), bogus, {
          status: BatchStatus.COMPLETED,
          processedCount: 2,
          failedCount: 0,
        });
        expect((await store.getProcessedRecords(jobId)).length).toBe(2);
      });

      it('fences by attempt: an earlier claim of the same worker id writes nothing', async (ctx) => {
        requireFeature(ctx, fencing(), 'fenced writes (completeBatch, heartbeatBatch)');
        const { jobId } = await prepareJob(store, 1, 2);
        const old = await claimOrFail(store, jobId, 'same-id');
        await sleep(5);
        expect(await store.reclaimStaleBatches(jobId, 0)).toBe(1);
        const fresh = await claimOrFail(store, jobId, 'same-id');
        expect(fresh.attempt).toBe((old.attempt ?? 0) + 1);
        const original = await store.getBatchRecords(jobId, old.batchId);
        const late = original.map((rec): ProcessedRecord => ({ ...rec, status: 'processed' }));
        const outcome = { status: BatchStatus.COMPLETED, processedCount: 2, failedCount: 0 };
        await expect(store.completeBatch!(lease(old), late, outcome)).rejects.toBeInstanceOf(
          LeaseLostError,
        );
        await expect(store.heartbeatBatch!(lease(old))).rejects.toBeInstanceOf(LeaseLostError);
        await store.releaseBatch(jobId, old.batchId, 'same-id', old.attempt);
        expect(await store.getBatchRecords(jobId, old.batchId)).toEqual(original);
        expect((await store.getJobState(jobId))?.batches[0]).toMatchObject({
          status: BatchStatus.PROCESSING,
          workerId: 'same-id',
        });
        await store.completeBatch!(lease(fresh), late, outcome);
        expect((await store.getProcessedRecords(jobId)).length).toBe(2);
      });

      it('releases a batch at the attempt given, and at any attempt without one', async (ctx) => {
        requireFeature(ctx, fencing(), 'fenced writes (completeBatch, heartbeatBatch)');
        const { jobId } = await prepareJob(store, 1, 1);
        const first = await claimOrFail(store, jobId, 'w');
        await store.releaseBatch(jobId, first.batchId, 'w', first.attempt);
        expect((await store.getDistributedStatus(jobId)).pendingBatches).toBe(1);
        const second = await claimOrFail(store, jobId, 'w');
        await store.releaseBatch(jobId, second.batchId, 'w');
        expect((await store.getDistributedStatus(jobId)).pendingBatches).toBe(1);
      });

      it('rejects a write after the batch was released or finished', async (ctx) => {
        requireFeature(ctx, fencing(), 'fenced writes (completeBatch, heartbeatBatch)');
        const { jobId } = await prepareJob(store, 1, 1);
        const r = await claimOrFail(store, jobId, 'w1');
        await store.releaseBatch(jobId, r.batchId, 'w1');
        await expect(
          store.completeBatch!(lease(r), [], {
            status: BatchStatus.COMPLETED,
            processedCount: 0,
            failedCount: 0,
          }),
        ).rejects.toBeInstanceOf(LeaseLostError);
      });

      it('keeps a heartbeating batch from being reclaimed', async (ctx) => {
        requireFeature(ctx, fencing(), 'fenced writes (completeBatch, heartbeatBatch)');
        const { jobId } = await prepareJob(store, 1, 1);
        const r = await claimOrFail(store, jobId, 'w1');
        await sleep(300);
        await store.heartbeatBatch!(lease(r));
        expect(await store.reclaimStaleBatches(jobId, 250)).toBe(0);
        await sleep(300);
        expect(await store.reclaimStaleBatches(jobId, 250)).toBe(1);
      });
    });
  });
}
