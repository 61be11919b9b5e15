import { describe, expect, it } from 'vitest';
import { JobNotPreparingError } from '../errors/job-errors';
import { BatchStatus } from '../model/batch';
import { JobStatus } from '../model/job';
import type { DistributedStateStore } from '../ports/distributed-state-store';
import { prepareJob } from './fixtures';
import {
  batchOf,
  cancelAndExpectPrepareRefused,
  startPreparing,
  storeWith,
  type StoreWith,
} from './prepare-fixtures';

const EARLY_OPEN = [
  'registerBatch',
  'heartbeatPrepare',
  'finishPrepare',
  'openEarly',
  'getJobDetails',
  'updateJobStatus',
] as const;

type EarlyOpenStore = StoreWith<(typeof EARLY_OPEN)[number]>;

async function claimOrFail(store: DistributedStateStore, jobId: string, workerId: string) {
  const result = await store.claimBatch(jobId, workerId);
  if (!result.claimed) throw new Error(`expected a claim, got ${result.reason}`);
  return result.reservation;
}

/** Claims every pending batch of the job and marks it COMPLETED; returns how many. */
async function completeAll(store: DistributedStateStore, jobId: string): Promise<number> {
  let done = 0;
  for (;;) {
    const claim = await store.claimBatch(jobId, 'w');
    if (!claim.claimed) return done;
    const { batchId, recordStartIndex, recordEndIndex } = claim.reservation;
    await store.updateBatchState(jobId, batchId, {
      batchId,
      status: BatchStatus.COMPLETED,
      processedCount: recordEndIndex - recordStartIndex + 1,
      failedCount: 0,
    });
    done += 1;
  }
}

/** A job being prepared with `batches` batches of 3 records registered, then opened early. */
async function openedEarly(store: EarlyOpenStore, batches: number, startedAt: number) {
  const jobId = await startPreparing(store);
  for (let i = 0; i < batches; i += 1) await store.registerBatch(jobId, batchOf(jobId, i, 3));
  expect(await store.openEarly(jobId, startedAt)).toBe(JobStatus.PROCESSING);
  return jobId;
}

/**
 * The early-open part of the conformance suite (`openEarly`), registered inside
 * `describeDistributedStateStore` with the store of the running test. Each test is reported
 * skipped when the store lacks an optional method it needs.
 */
export function describeEarlyOpen(currentStore: () => DistributedStateStore): void {
  describe('early open (optional)', () => {
    it('hands out batches registered after openEarly at once, with totalRecords the running count', async (context) => {
      const store = storeWith(currentStore(), context, EARLY_OPEN);
      const startedAt = Date.now() - 1000;
      const jobId = await openedEarly(store, 1, startedAt);
      expect(await store.getJobDetails(jobId)).toMatchObject({
        status: JobStatus.PROCESSING,
        totalRecords: 3,
        startedAt,
        openEarly: true,
      });
      expect((await claimOrFail(store, jobId, 'w1')).batchIndex).toBe(0);
      expect(await store.claimBatch(jobId, 'w2')).toEqual({
        claimed: false,
        reason: 'NO_PENDING_BATCHES',
      });
      expect(await store.heartbeatPrepare(jobId)).toBe(true);
      await store.registerBatch(jobId, batchOf(jobId, 1, 3));
      expect((await claimOrFail(store, jobId, 'w2')).batchIndex).toBe(1);
      await store.registerBatch(jobId, batchOf(jobId, 2, 3));
      expect((await store.getJobDetails(jobId))?.totalRecords).toBe(9);

      // Opening again changes nothing (startedAt stays).
      expect(await store.openEarly(jobId, startedAt + 500)).toBe(JobStatus.PROCESSING);
      expect((await store.getJobDetails(jobId))?.startedAt).toBe(startedAt);

      expect(await store.finishPrepare(jobId, 9, startedAt + 2000)).toBe(JobStatus.PROCESSING);
      const finished = await store.getJobDetails(jobId);
      expect(finished).toMatchObject({ status: JobStatus.PROCESSING, totalRecords: 9, startedAt });
      expect(finished?.openEarly).toBeUndefined();
      expect(finished?.prepareHeartbeatAgeMs).toBeUndefined();
      expect(await store.heartbeatPrepare(jobId)).toBe(false);
      await expect(store.registerBatch(jobId, batchOf(jobId, 3, 3))).rejects.toBeInstanceOf(
        JobNotPreparingError,
      );
      expect((await claimOrFail(store, jobId, 'w3')).batchIndex).toBe(2);
    });

    it('never finalises while open early, even with every stored batch finished; finalises after finishPrepare', async (context) => {
      const store = storeWith(currentStore(), context, EARLY_OPEN);
      const jobId = await openedEarly(store, 2, Date.now());
      expect(await completeAll(store, jobId)).toBe(2);
      expect(await store.tryFinalizeJob(jobId)).toBe(false);
      const running = await store.getDistributedStatus(jobId);
      expect(running).toMatchObject({ totalBatches: 2, completedBatches: 2, isComplete: false });
      expect((await store.getJobDetails(jobId))?.status).toBe(JobStatus.PROCESSING);

      expect(await store.finishPrepare(jobId, 6, Date.now())).toBe(JobStatus.PROCESSING);
      expect((await store.getDistributedStatus(jobId)).isComplete).toBe(true);
      expect(await store.tryFinalizeJob(jobId)).toBe(true);
      expect(await store.tryFinalizeJob(jobId)).toBe(false);
      const done = await store.getJobDetails(jobId);
      expect(done).toMatchObject({ status: JobStatus.COMPLETED, totalRecords: 6 });
      expect(done?.openEarly).toBeUndefined();
    });

    it('pauses and resumes a job open early, and keeps a pause through finishPrepare', async (context) => {
      const store = storeWith(currentStore(), context, EARLY_OPEN);
      const jobId = await openedEarly(store, 1, Date.now());
      expect(await store.updateJobStatus(jobId, [JobStatus.PROCESSING], JobStatus.PAUSED)).toBe(
        true,
      );
      expect(await store.claimBatch(jobId, 'w')).toEqual({
        claimed: false,
        reason: 'JOB_NOT_PROCESSING',
      });
      expect(await store.heartbeatPrepare(jobId)).toBe(true);
      await store.registerBatch(jobId, batchOf(jobId, 1, 3));
      expect(await store.updateJobStatus(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING)).toBe(
        true,
      );
      expect(await store.getJobDetails(jobId)).toMatchObject({
        status: JobStatus.PROCESSING,
        openEarly: true,
        totalRecords: 6,
      });
      expect((await claimOrFail(store, jobId, 'w')).batchIndex).toBe(0);

      expect(await store.updateJobStatus(jobId, [JobStatus.PROCESSING], JobStatus.PAUSED)).toBe(
        true,
      );
      expect(await store.finishPrepare(jobId, 6, Date.now())).toBe(JobStatus.PAUSED);
      expect((await store.getJobDetails(jobId))?.openEarly).toBeUndefined();
      expect(await store.updateJobStatus(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING)).toBe(
        true,
      );
      expect((await claimOrFail(store, jobId, 'w')).batchIndex).toBe(1);
    });

    it('opens a paused job early without resuming it', async (context) => {
      const store = storeWith(currentStore(), context, EARLY_OPEN);
      const jobId = await startPreparing(store);
      expect(await store.updateJobStatus(jobId, [JobStatus.CREATED], JobStatus.PAUSED)).toBe(true);
      await store.registerBatch(jobId, batchOf(jobId, 0, 2));
      const startedAt = Date.now();
      expect(await store.openEarly(jobId, startedAt)).toBe(JobStatus.PAUSED);
      expect(await store.getJobDetails(jobId)).toMatchObject({
        status: JobStatus.PAUSED,
        startedAt,
        openEarly: true,
      });
      expect((await store.claimBatch(jobId, 'w')).claimed).toBe(false);
      expect(await store.updateJobStatus(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING)).toBe(
        true,
      );
      expect((await claimOrFail(store, jobId, 'w')).batchIndex).toBe(0);
    });

    it('stops the prepare of a job cancelled while open early', async (context) => {
      const store = storeWith(currentStore(), context, EARLY_OPEN);
      const jobId = await openedEarly(store, 1, Date.now());
      await claimOrFail(store, jobId, 'w');
      await cancelAndExpectPrepareRefused(store, jobId, 1, 3);
      expect(await store.openEarly(jobId, Date.now())).toBe(JobStatus.ABORTED);
      expect(await store.finishPrepare(jobId, 6, Date.now())).toBe(JobStatus.ABORTED);
      expect(await store.tryFinalizeJob(jobId)).toBe(false);
      const details = await store.getJobDetails(jobId);
      expect(details).toMatchObject({ status: JobStatus.ABORTED, totalRecords: 3 });
      expect(details?.openEarly).toBeUndefined();
      expect(details?.prepareHeartbeatAgeMs).toBeUndefined();
      expect((await store.getJobState(jobId))?.batches).toHaveLength(1);
    });

    it('leaves a job that is not being prepared untouched', async (context) => {
      const store = storeWith(currentStore(), context, EARLY_OPEN);
      expect(await store.openEarly('no-such-job', Date.now())).toBeNull();

      const { jobId } = await prepareJob(store, 1, 2);
      const before = await store.getJobDetails(jobId);
      expect(await store.openEarly(jobId, 1)).toBe(JobStatus.PROCESSING);
      expect(await store.getJobDetails(jobId)).toEqual(before);
      expect(await completeAll(store, jobId)).toBe(1);
      expect(await store.tryFinalizeJob(jobId)).toBe(true);

      const finished = await startPreparing(store);
      await store.registerBatch(finished, batchOf(finished, 0, 2));
      const startedAt = Date.now();
      expect(await store.finishPrepare(finished, 2, startedAt)).toBe(JobStatus.PROCESSING);
      expect(await store.openEarly(finished, startedAt + 1)).toBe(JobStatus.PROCESSING);
      const details = await store.getJobDetails(finished);
      expect(details?.openEarly).toBeUndefined();
      expect(details?.startedAt).toBe(startedAt);
    });

    it('lists a job open early with its flag and running count', async (context) => {
      const store = storeWith(currentStore(), context, [...EARLY_OPEN, 'listJobs'] as const);
      const jobId = await openedEarly(store, 2, Date.now());
      const { jobId: plain } = await prepareJob(store, 1, 1);
      const listed = await store.listJobs();
      const entry = listed.find((e) => e.jobId === jobId);
      expect(entry).toMatchObject({
        status: JobStatus.PROCESSING,
        totalRecords: 6,
        totalBatches: 2,
        pendingBatches: 2,
        openEarly: true,
      });
      expect(entry?.prepareHeartbeatAgeMs).toBeGreaterThanOrEqual(0);
      expect(listed.find((e) => e.jobId === plain)?.openEarly).toBeUndefined();
      await store.finishPrepare(jobId, 6, Date.now());
      const after = (await store.listJobs()).find((e) => e.jobId === jobId);
      expect(after?.openEarly).toBeUndefined();
      expect(after?.prepareHeartbeatAgeMs).toBeUndefined();
    });
  });
}
