import { describe, expect, it, type TestContext } from 'vitest';
import { BatchStatus } from '../model/batch';
import { JobStatus } from '../model/job';
import {
  supportsJobLimits,
  type BatchReservation,
  type DistributedStateStore,
  type JobLimitMethods,
  type RateLeaseGrant,
} from '../ports/distributed-state-store';
import { leaseSizeOf } from '../limits/rate-bucket';
import { prepareJob } from './fixtures';

type LimitsStore = DistributedStateStore & JobLimitMethods;

/** The store under test, or the test is reported skipped (never passed) without limits. */
function limitsStore(store: DistributedStateStore, context: TestContext): LimitsStore {
  if (!supportsJobLimits(store)) context.skip('the store has no job-wide limits');
  return store;
}

async function complete(store: DistributedStateStore, jobId: string, batchId: string) {
  await store.updateBatchState(jobId, batchId, {
    batchId,
    status: BatchStatus.COMPLETED,
    processedCount: 1,
    failedCount: 0,
  });
}

/**
 * The job-wide limits part of the conformance suite (issue 27): `setJobLimits` and the methods
 * with it, the cap checked by `claimBatch`, the rate bucket's leases and throttle.
 */
export function describeJobLimits(currentStore: () => DistributedStateStore): void {
  describe('job-wide limits (optional)', () => {
    it('stores, changes and removes limits; unknown jobs are refused', async (context) => {
      const store = limitsStore(currentStore(), context);
      expect(await store.setJobLimits('no-such-job', { maxConcurrentBatches: 1 })).toBe(false);
      expect(await store.getJobLimits('no-such-job')).toBeNull();
      const { jobId } = await prepareJob(store, 2, 2);
      expect(await store.getJobLimits(jobId)).toEqual({});

      const rateLimit = { records: 100, perMs: 1000 };
      expect(await store.setJobLimits(jobId, { rateLimit, maxConcurrentBatches: 3 })).toBe(true);
      expect(await store.getJobLimits(jobId)).toMatchObject({
        rateLimit,
        maxConcurrentBatches: 3,
        effectiveRecords: 100,
        leaseSize: leaseSizeOf(rateLimit),
      });
      // Absent keeps, null removes.
      await store.setJobLimits(jobId, { maxConcurrentBatches: null });
      const kept = await store.getJobLimits(jobId);
      expect(kept?.rateLimit).toEqual(rateLimit);
      expect(kept?.maxConcurrentBatches).toBeUndefined();
      await store.setJobLimits(jobId, { rateLimit: null });
      expect(await store.getJobLimits(jobId)).toEqual({});
    });

    it('claims at most maxConcurrentBatches at once, then again when one ends', async (context) => {
      const store = limitsStore(currentStore(), context);
      const { jobId } = await prepareJob(store, 4, 1);
      await store.setJobLimits(jobId, { maxConcurrentBatches: 2 });
      const first = await store.claimBatch(jobId, 'w1');
      const second = await store.claimBatch(jobId, 'w2');
      expect(first.claimed && second.claimed).toBe(true);
      expect(await store.claimBatch(jobId, 'w3')).toEqual({
        claimed: false,
        reason: 'NO_PENDING_BATCHES',
        limitReached: true,
      });
      if (!first.claimed) throw new Error('unreachable');
      await complete(store, jobId, first.reservation.batchId);
      const third = await store.claimBatch(jobId, 'w3');
      expect(third.claimed).toBe(true);
      // A raised cap takes effect at the next claim.
      await store.setJobLimits(jobId, { maxConcurrentBatches: 3 });
      const fourth = await store.claimBatch(jobId, 'w4');
      expect(fourth.claimed).toBe(true);
      // At the cap with nothing pending: an ordinary empty claim.
      expect(await store.claimBatch(jobId, 'w5')).toEqual({
        claimed: false,
        reason: 'NO_PENDING_BATCHES',
      });
    });

    it('never passes the cap with many concurrent claimers', async (context) => {
      const store = limitsStore(currentStore(), context);
      const { jobId } = await prepareJob(store, 12, 1);
      await store.setJobLimits(jobId, { maxConcurrentBatches: 3 });
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.claimBatch(jobId, `w${String(i)}`)),
      );
      expect(claims.filter((c) => c.claimed)).toHaveLength(3);
      const status = await store.getDistributedStatus(jobId);
      expect(status.processingBatches).toBe(3);
    });

    describe('gives a slot back on every way out of PROCESSING (cap 1)', () => {
      /** A job of 3 one-record batches capped at 1, its first batch claimed, the second refused. */
      async function cappedAtOne(store: LimitsStore) {
        const { jobId } = await prepareJob(store, 3, 1);
        await store.setJobLimits(jobId, { maxConcurrentBatches: 1 });
        const first = await store.claimBatch(jobId, 'w1');
        if (!first.claimed) throw new Error('expected a claim');
        expect(await store.claimBatch(jobId, 'w2')).toMatchObject({ limitReached: true });
        return { jobId, held: first.reservation };
      }

      async function expectSlotFree(store: LimitsStore, jobId: string) {
        const next = await store.claimBatch(jobId, 'w3');
        expect(next.claimed).toBe(true);
        expect(await store.claimBatch(jobId, 'w4')).toMatchObject({ limitReached: true });
      }

      const lease = (held: BatchReservation) => ({
        jobId: held.jobId,
        batchId: held.batchId,
        workerId: held.workerId,
        attempt: held.attempt ?? 0,
      });

      for (const status of [BatchStatus.COMPLETED, BatchStatus.FAILED]) {
        it(`a batch finished ${status}`, async (context) => {
          const store = limitsStore(currentStore(), context);
          const { jobId, held } = await cappedAtOne(store);
          const counts = { processedCount: 1, failedCount: 0 };
          if (store.completeBatch) {
            await store.completeBatch(lease(held), [], { status, ...counts });
          } else {
            await store.updateBatchState(jobId, held.batchId, {
              batchId: held.batchId,
              status,
              ...counts,
            });
          }
          await expectSlotFree(store, jobId);
        });
      }

      it('a released batch', async (context) => {
        const store = limitsStore(currentStore(), context);
        const { jobId, held } = await cappedAtOne(store);
        await store.releaseBatch(jobId, held.batchId, held.workerId, held.attempt);
        await expectSlotFree(store, jobId);
      });

      it('a reclaimed batch, requeued or quarantined', async (context) => {
        const store = limitsStore(currentStore(), context);
        const { jobId } = await cappedAtOne(store);
        expect(await store.reclaimStaleBatches(jobId, 0)).toBe(1);
        await expectSlotFree(store, jobId);
        // The batch claimed now is at its second attempt or a first one: quarantined at 1.
        expect(await store.reclaimStaleBatches(jobId, 0, 1)).toBe(1);
        await expectSlotFree(store, jobId);
      });

      it('a paused job keeps its slot; a cancelled one has none in flight', async (context) => {
        const store = limitsStore(currentStore(), context);
        if (!store.updateJobStatus) context.skip('the store has no updateJobStatus');
        const { jobId, held } = await cappedAtOne(store);
        await store.updateJobStatus?.(jobId, [JobStatus.PROCESSING], JobStatus.PAUSED);
        await store.updateJobStatus?.(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING);
        expect(await store.claimBatch(jobId, 'w2')).toMatchObject({ limitReached: true });
        await store.releaseBatch(jobId, held.batchId, held.workerId, held.attempt);
        await expectSlotFree(store, jobId);
        await store.updateJobStatus?.(jobId, [JobStatus.PROCESSING], JobStatus.ABORTED);
        expect((await store.getDistributedStatus(jobId)).processingBatches).toBe(0);
      });
    });

    it('marks reservations of a rate-limited job, and only those', async (context) => {
      const store = limitsStore(currentStore(), context);
      const plain = await prepareJob(store, 1, 1);
      const limited = await prepareJob(store, 1, 1);
      await store.setJobLimits(limited.jobId, { rateLimit: { records: 10, perMs: 1000 } });
      const a = await store.claimBatch(plain.jobId, 'w');
      const b = await store.claimBatch(limited.jobId, 'w');
      expect(a.claimed && a.reservation.rateLimited).toBeFalsy();
      expect(b.claimed && b.reservation.rateLimited).toBe(true);
    });

    it('leases tokens a lease at a time, each later lease waiting its turn', async (context) => {
      const store = limitsStore(currentStore(), context);
      const { jobId } = await prepareJob(store, 1, 1);
      expect(await store.leaseRateTokens(jobId, 5)).toEqual({ limited: false });
      // 50 per 50 s: a lease of 10 tokens stands for 10 s (slow enough that the time a loaded
      // machine takes between the calls below does not blur the waits).
      const rateLimit = { records: 50, perMs: 50_000 };
      await store.setJobLimits(jobId, { rateLimit });
      const first = await store.leaseRateTokens(jobId, 1000);
      expect(first).toEqual({ limited: true, granted: 10, waitMs: 0, intervalMs: 1000 });
      const waits: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const lease = await store.leaseRateTokens(jobId, 4);
        if (!lease.limited) throw new Error('expected a lease');
        expect(lease.granted).toBe(4);
        waits.push(lease.waitMs);
      }
      // The first lease's slots end 10 s on; 4 tokens stand for 4 s: the waits grow by 4 s
      // each (less the time that passed).
      expect(waits[0]).toBeGreaterThan(0);
      expect((waits[2] ?? 0) - (waits[0] ?? 0)).toBeGreaterThan(6000);
      expect((waits[2] ?? 0) - (waits[0] ?? 0)).toBeLessThanOrEqual(8000);
      // Unspent tokens given back shorten the next wait.
      await store.returnRateTokens(jobId, 8);
      const after = await store.leaseRateTokens(jobId, 4);
      if (!after.limited) throw new Error('expected a lease');
      expect(after.waitMs).toBeLessThan(waits[2] ?? 0);
    });

    it("counts a claim's own lease (rateLease) in the bucket", async (context) => {
      const store = limitsStore(currentStore(), context);
      const { jobId } = await prepareJob(store, 3, 3);
      // 10 a minute: a lease of at most 2 tokens, 6 s apart.
      await store.setJobLimits(jobId, { rateLimit: { records: 10, perMs: 60_000 } });
      // A store may lease in a claim only once it knows the job is rate-limited: two claims.
      let own: RateLeaseGrant | undefined;
      for (let i = 0; i < 2 && own === undefined; i += 1) {
        const claim = await store.claimBatch(jobId, 'w');
        if (!claim.claimed) throw new Error('expected a claim');
        expect(claim.reservation.rateLimited).toBe(true);
        own = claim.reservation.rateLease;
      }
      if (own === undefined) context.skip('the store does not lease in the claim');
      expect(own).toEqual({ granted: 2, waitMs: 0, intervalMs: 6000 });
      // The claim's 2 tokens hold the next 12 s: a lease now waits for them.
      const next = await store.leaseRateTokens(jobId, 1);
      if (!next.limited) throw new Error('expected a lease');
      expect(next.waitMs).toBeGreaterThan(6000);
      expect(next.waitMs).toBeLessThanOrEqual(12_000);
      // A throttled job's lease runs at the rate the store reports in force.
      await store.throttleJob(jobId, 1);
      const slowed = await store.leaseRateTokens(jobId, 1);
      const limits = await store.getJobLimits(jobId);
      if (!slowed.limited || limits?.effectiveRecords === undefined) {
        throw new Error('expected a lease and a rate');
      }
      expect(slowed.intervalMs).toBeGreaterThan(11_000);
      expect(slowed.intervalMs).toBeLessThanOrEqual(12_000);
      expect(60_000 / limits.effectiveRecords).toBeLessThanOrEqual(slowed.intervalMs);
    });

    it('throttles: leases wait out the pause and the rate halves', async (context) => {
      const store = limitsStore(currentStore(), context);
      const { jobId } = await prepareJob(store, 1, 1);
      await store.setJobLimits(jobId, { rateLimit: { records: 100, perMs: 1000 } });
      await store.throttleJob(jobId, 60_000);
      const lease = await store.leaseRateTokens(jobId, 1);
      if (!lease.limited) throw new Error('expected a lease');
      expect(lease.waitMs).toBeGreaterThan(50_000);
      const limits = await store.getJobLimits(jobId);
      expect(limits?.effectiveRecords).toBeGreaterThanOrEqual(50);
      expect(limits?.effectiveRecords).toBeLessThan(60);
      expect(limits?.throttledUntil).toBeGreaterThan(Date.now() + 50_000);
    });

    it('purges limits with the job', async (context) => {
      const store = limitsStore(currentStore(), context);
      if (!store.deleteJob) context.skip('the store has no deleteJob');
      const { jobId } = await prepareJob(store, 1, 1);
      await store.setJobLimits(jobId, { maxConcurrentBatches: 1 });
      await store.deleteJob?.(jobId);
      expect(await store.getJobLimits(jobId)).toBeNull();
      expect(await store.setJobLimits(jobId, { maxConcurrentBatches: 1 })).toBe(false);
    });
  });
}
