import { describe, expect, it } from 'vitest';
import { JobNotFoundError, LeaseLostError } from '../errors/job-errors';
import { BatchStatus } from '../model/batch';
import { JobStatus } from '../model/job';
import type { DistributedStateStore } from '../ports/distributed-state-store';
import { prepareJob, sleep } from './fixtures';
import {
  batchOf,
  cancelAndExpectPrepareRefused,
  claimRegisteredBatch,
  startPreparing,
  storeWith,
} from './prepare-fixtures';

const PREPARING = [
  'registerBatch',
  'heartbeatPrepare',
  'finishPrepare',
  'getJobDetails',
  'updateJobStatus',
] as const;

const HOUR = 3_600_000;

/**
 * The prepare-liveness, cancel and completion parts of the conformance suite, registered inside
 * `describeDistributedStateStore` with the store of the running test. Each test is reported
 * skipped when the store lacks an optional method it needs.
 */
export function describePrepareAndCompletion(currentStore: () => DistributedStateStore): void {
  describe('prepare liveness (optional)', () => {
    it('keeps every record of concurrent per-record writes to one registered batch', async (context) => {
      // A store keeping a batch as one value (batch payloads) merges each published write into
      // it: twenty at once must not write over each other.
      const store = storeWith(currentStore(), context, ['registerBatch', 'heartbeatPrepare']);
      const jobId = await startPreparing(store);
      const batch = batchOf(jobId, 0, 20);
      await store.registerBatch(jobId, batch);
      await Promise.all(
        batch.records.map((record) =>
          store.saveProcessedRecord(jobId, batch.id, { ...record, status: 'processed' }),
        ),
      );
      const processed = await store.getProcessedRecords(jobId);
      expect(processed.map((record) => record.index).sort((a, b) => a - b)).toEqual(
        batch.records.map((record) => record.index),
      );
      expect((await store.getBatchRecords(jobId, batch.id)).map((r) => r.status)).toEqual(
        batch.records.map(() => 'processed'),
      );
    });

    it('marks a job being prepared, counts its registered records, and opens it once with finishPrepare', async (context) => {
      const store = storeWith(currentStore(), context, PREPARING);
      const jobId = await startPreparing(store);
      const details = await store.getJobDetails(jobId);
      expect(details).toMatchObject({ jobId, status: JobStatus.CREATED, totalRecords: 0 });
      expect(details?.prepareHeartbeatAgeMs).toBeGreaterThanOrEqual(0);
      await store.registerBatch(jobId, batchOf(jobId, 0, 3));
      await store.registerBatch(jobId, batchOf(jobId, 1, 3));
      expect((await store.getJobDetails(jobId))?.totalRecords).toBe(6);
      // The job's state counts them too while its prepare runs, as its details do.
      expect((await store.getJobState(jobId))?.totalRecords).toBe(6);
      expect(await store.claimBatch(jobId, 'w')).toEqual({
        claimed: false,
        reason: 'JOB_NOT_PROCESSING',
      });

      const startedAt = Date.now();
      expect(await store.finishPrepare(jobId, 6, startedAt)).toBe(JobStatus.PROCESSING);
      const opened = await store.getJobDetails(jobId);
      expect(opened).toMatchObject({ status: JobStatus.PROCESSING, totalRecords: 6, startedAt });
      expect(opened?.prepareHeartbeatAgeMs).toBeUndefined();
      expect(await store.heartbeatPrepare(jobId)).toBe(false);
      // A second finishPrepare changes nothing.
      expect(await store.finishPrepare(jobId, 99, startedAt + 1)).toBe(JobStatus.PROCESSING);
      expect((await store.getJobDetails(jobId))?.totalRecords).toBe(6);
      expect((await store.claimBatch(jobId, 'w')).claimed).toBe(true);
    });

    it('never opens a job being prepared: a resume leaves it CREATED, a pause lasts past finishPrepare', async (context) => {
      const store = storeWith(currentStore(), context, PREPARING);
      const jobId = await startPreparing(store);
      expect(await store.updateJobStatus(jobId, [JobStatus.CREATED], JobStatus.PAUSED)).toBe(true);
      await store.registerBatch(jobId, batchOf(jobId, 0, 2));
      expect(await store.heartbeatPrepare(jobId)).toBe(true);
      expect(await store.updateJobStatus(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING)).toBe(
        true,
      );
      expect((await store.getJobDetails(jobId))?.status).toBe(JobStatus.CREATED);
      expect((await store.claimBatch(jobId, 'w')).claimed).toBe(false);

      expect(await store.updateJobStatus(jobId, [JobStatus.CREATED], JobStatus.PAUSED)).toBe(true);
      expect(await store.finishPrepare(jobId, 2, Date.now())).toBe(JobStatus.PAUSED);
      expect((await store.claimBatch(jobId, 'w')).claimed).toBe(false);
      expect(await store.updateJobStatus(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING)).toBe(
        true,
      );
      expect((await store.getJobDetails(jobId))?.status).toBe(JobStatus.PROCESSING);
      expect((await store.claimBatch(jobId, 'w')).claimed).toBe(true);
    });

    it('refuses batches for a cancelled job, writing nothing, and finishPrepare leaves it ABORTED', async (context) => {
      const store = storeWith(currentStore(), context, PREPARING);
      const jobId = await startPreparing(store);
      await store.registerBatch(jobId, batchOf(jobId, 0, 2));
      await cancelAndExpectPrepareRefused(store, jobId, 1, 2);
      expect(await store.finishPrepare(jobId, 4, Date.now())).toBe(JobStatus.ABORTED);
      const details = await store.getJobDetails(jobId);
      expect(details).toMatchObject({ status: JobStatus.ABORTED, totalRecords: 2 });
      expect(details?.prepareHeartbeatAgeMs).toBeUndefined();
      expect((await store.getJobState(jobId))?.batches).toHaveLength(1);
    });

    it('refuses batches for a purged job, writing nothing, and finishPrepare finds no job', async (context) => {
      const store = storeWith(currentStore(), context, [...PREPARING, 'deleteJob'] as const);
      const jobId = await startPreparing(store);
      const first = batchOf(jobId, 0, 2);
      await store.registerBatch(jobId, first);
      expect(await store.deleteJob(jobId)).toBe(true);
      const late = batchOf(jobId, 1, 2);
      await expect(store.registerBatch(jobId, late)).rejects.toBeInstanceOf(JobNotFoundError);
      expect(await store.getBatchRecords(jobId, first.id)).toEqual([]);
      expect(await store.getBatchRecords(jobId, late.id)).toEqual([]);
      expect(await store.heartbeatPrepare(jobId)).toBe(false);
      expect(await store.finishPrepare(jobId, 4, Date.now())).toBeNull();
      expect(await store.getJobDetails(jobId)).toBeNull();
      expect(await store.getJobState(jobId)).toBeNull();
    });

    it('leaves no record behind when a purge races batch registrations', async (context) => {
      const store = storeWith(currentStore(), context, [...PREPARING, 'deleteJob'] as const);
      const jobId = await startPreparing(store);
      const batches = Array.from({ length: 12 }, (_, i) => batchOf(jobId, i, 5));
      const registrations = batches.map((batch) =>
        store.registerBatch(jobId, batch).then(
          () => 'stored',
          (error: unknown) => {
            if (error instanceof JobNotFoundError) return 'refused';
            throw error;
          },
        ),
      );
      const purge = store.deleteJob(jobId);
      await Promise.all(registrations);
      expect(await purge).toBe(true);
      for (const batch of batches) {
        expect(await store.getBatchRecords(jobId, batch.id)).toEqual([]);
      }
      expect(await store.getJobState(jobId)).toBeNull();
    });
  });

  describe('cancel (optional)', () => {
    it('gives batches in flight back when the job is cancelled, refusing their holders', async (context) => {
      const store = storeWith(currentStore(), context, ['updateJobStatus'] as const);
      const { jobId, batches } = await prepareJob(store, 2, 3);
      const claim = await store.claimBatch(jobId, 'w');
      if (!claim.claimed) throw new Error('expected a claim');
      expect(
        await store.updateJobStatus(
          jobId,
          [JobStatus.PROCESSING, JobStatus.PAUSED],
          JobStatus.ABORTED,
        ),
      ).toBe(true);
      const job = await store.getJobState(jobId);
      expect(job?.status).toBe(JobStatus.ABORTED);
      expect(job?.batches.map((b) => b.status)).toEqual([BatchStatus.PENDING, BatchStatus.PENDING]);
      if (typeof store.completeBatch === 'function' && claim.reservation.attempt !== undefined) {
        const lease = {
          jobId,
          batchId: claim.reservation.batchId,
          workerId: 'w',
          attempt: claim.reservation.attempt,
        };
        await expect(
          store.completeBatch(lease, batches[0]!.records, {
            status: BatchStatus.COMPLETED,
            processedCount: 3,
            failedCount: 0,
          }),
        ).rejects.toBeInstanceOf(LeaseLostError);
        expect((await store.getJobState(jobId))?.batches[0]?.processedCount).toBe(0);
      }
    });
  });

  describe('completion (optional)', () => {
    it("keeps each record's retry count through a fenced completion of a registered batch", async (context) => {
      // A store keeping a batch as one value writes a completion's records compactly (runs of
      // processed records): their retry counts, as the facade gives them, must read back.
      const store = storeWith(currentStore(), context, [
        'registerBatch',
        'heartbeatPrepare',
        'finishPrepare',
        'completeBatch',
      ]);
      const { lease, records } = await claimRegisteredBatch(store, 6, 'w1');
      const retries = [0, 0, 1, 1, undefined, 0];
      const done = records.map((record, k) => ({
        ...record,
        status: 'processed' as const,
        ...(retries[k] === undefined ? {} : { retryCount: retries[k] }),
      }));
      await store.completeBatch(lease, done, {
        status: BatchStatus.COMPLETED,
        processedCount: 6,
        failedCount: 0,
      });
      const read = await store.getBatchRecords(lease.jobId, lease.batchId);
      expect(read.map((record) => [record.index, record.status, record.retryCount])).toEqual(
        done.map((record, k) => [record.index, 'processed', retries[k]]),
      );
      const processed = await store.getProcessedRecords(lease.jobId);
      expect(processed.map((record) => record.retryCount)).toEqual(retries);
    });

    async function finishAll(store: DistributedStateStore, jobId: string, failedInLast: number) {
      for (;;) {
        const claim = await store.claimBatch(jobId, 'w');
        if (!claim.claimed) return;
        const { batchId, recordStartIndex, recordEndIndex } = claim.reservation;
        const size = recordEndIndex - recordStartIndex + 1;
        const failed = recordStartIndex === 3 ? failedInLast : 0;
        await store.updateBatchState(jobId, batchId, {
          batchId,
          status: BatchStatus.COMPLETED,
          processedCount: size - failed,
          failedCount: failed,
        });
      }
    }

    it('stores the summary with the finalisation and gives its report to one claimant', async (context) => {
      const store = storeWith(currentStore(), context, ['claimJobCompletion'] as const);
      const { jobId } = await prepareJob(store, 2, 3);
      expect(await store.claimJobCompletion(jobId, 'early')).toBeNull();
      await finishAll(store, jobId, 1);
      expect(await store.tryFinalizeJob(jobId)).toBe(true);
      const summary = await store.claimJobCompletion(jobId, 'first');
      expect(summary).toMatchObject({ total: 6, processed: 5, failed: 1, skipped: 0 });
      expect(summary?.elapsedMs).toBeGreaterThanOrEqual(0);
      // The same claimant again (its answer was lost): granted again; anyone else: refused.
      expect(await store.claimJobCompletion(jobId, 'first')).toEqual(summary);
      expect(await store.claimJobCompletion(jobId, 'second')).toBeNull();
      expect(await store.claimJobCompletion('no-such-job', 'first')).toBeNull();
      if (typeof store.getJobDetails === 'function') {
        expect((await store.getJobDetails(jobId))?.summary).toEqual(summary);
      }
    });

    it('gives the report to exactly one of many concurrent claimants', async (context) => {
      const store = storeWith(currentStore(), context, ['claimJobCompletion'] as const);
      const { jobId } = await prepareJob(store, 2, 3);
      await finishAll(store, jobId, 0);
      expect(await store.tryFinalizeJob(jobId)).toBe(true);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.claimJobCompletion(jobId, `c${i}`)),
      );
      const granted = answers.filter((a) => a !== null);
      expect(granted).toHaveLength(1);
      expect(granted[0]).toMatchObject({ total: 6, processed: 6, failed: 0, skipped: 0 });
    });

    it('gives an unacknowledged report to a later claimant after takeOverAfterMs, never an acknowledged one', async (context) => {
      const store = storeWith(currentStore(), context, [
        'claimJobCompletion',
        'acknowledgeJobCompletion',
      ] as const);
      const { jobId } = await prepareJob(store, 2, 3);
      await finishAll(store, jobId, 0);
      expect(await store.tryFinalizeJob(jobId)).toBe(true);
      const summary = await store.claimJobCompletion(jobId, 'dead', { takeOverAfterMs: HOUR });
      expect(summary).toMatchObject({ total: 6, processed: 6 });
      // Younger than the limit: refused; without the option: refused as before.
      expect(await store.claimJobCompletion(jobId, 'other', { takeOverAfterMs: HOUR })).toBeNull();
      expect(await store.claimJobCompletion(jobId, 'other')).toBeNull();
      // Never acknowledged and old enough (0 ms): taken over, and the claim is the new one's.
      expect(await store.claimJobCompletion(jobId, 'rescuer', { takeOverAfterMs: 0 })).toEqual(
        summary,
      );
      expect(await store.acknowledgeJobCompletion(jobId, 'dead')).toBe(false);
      expect(await store.acknowledgeJobCompletion(jobId, 'rescuer')).toBe(true);
      expect(await store.acknowledgeJobCompletion(jobId, 'rescuer')).toBe(true);
      // Acknowledged: nobody takes it over any more; its claimant still gets its answer again.
      expect(await store.claimJobCompletion(jobId, 'late', { takeOverAfterMs: 0 })).toBeNull();
      expect(await store.claimJobCompletion(jobId, 'rescuer', { takeOverAfterMs: 0 })).toEqual(
        summary,
      );
      expect(await store.acknowledgeJobCompletion('no-such-job', 'rescuer')).toBe(false);
    });

    it('renews the claim of a claimant that claims again: a takeover waits takeOverAfterMs from then', async (context) => {
      const store = storeWith(currentStore(), context, [
        'claimJobCompletion',
        'acknowledgeJobCompletion',
      ] as const);
      const { jobId } = await prepareJob(store, 1, 2);
      await finishAll(store, jobId, 0);
      expect(await store.tryFinalizeJob(jobId)).toBe(true);
      const limit = 400;
      const summary = await store.claimJobCompletion(jobId, 'first');
      await sleep(limit + 100);
      // Its answer was lost: it asks again, and gets it again.
      expect(await store.claimJobCompletion(jobId, 'first')).toEqual(summary);
      // Old enough counted from the first claim, but younger than the limit from the renewal.
      expect(
        await store.claimJobCompletion(jobId, 'rescuer', { takeOverAfterMs: limit }),
      ).toBeNull();
      await sleep(limit + 100);
      expect(await store.claimJobCompletion(jobId, 'rescuer', { takeOverAfterMs: limit })).toEqual(
        summary,
      );
      expect(await store.acknowledgeJobCompletion(jobId, 'first')).toBe(false);
    });

    it('has nothing to report for a job that was not finalised', async (context) => {
      const store = storeWith(currentStore(), context, ['claimJobCompletion'] as const);
      const { jobId } = await prepareJob(store, 1, 2);
      expect(await store.claimJobCompletion(jobId, 'w')).toBeNull();
      if (typeof store.updateJobStatus === 'function') {
        await store.updateJobStatus(jobId, [JobStatus.PROCESSING], JobStatus.ABORTED);
        expect(await store.claimJobCompletion(jobId, 'w')).toBeNull();
      }
    });
  });
}
