import { describe, expect, it, type TestContext } from 'vitest';
import { LeaseLostError } from '../errors/job-errors';
import { BatchStatus } from '../model/batch';
import { JobStatus } from '../model/job';
import type { ProcessedRecord } from '../model/record';
import type {
  BatchReservation,
  ClaimBatchResult,
  DistributedStateStore,
} from '../ports/distributed-state-store';
import type { ConformanceHarness } from './conformance-harness';
import { prepareJob } from './fixtures';

const NEEDED = ['updateJobStatus', 'getJobStatus', 'completeBatch', 'listBatchesInFlight'] as const;

function requireMethods(store: DistributedStateStore, context: TestContext): void {
  const missing = NEEDED.filter((name) => typeof store[name] !== 'function');
  if (missing.length > 0) context.skip(`the store has no ${missing.join(', ')}`);
}

/**
 * Tries the fenced write of a claimed batch with every record processed, as a worker whose
 * processor ran would; returns whether the store accepted it.
 */
async function writeClaimed(
  store: DistributedStateStore,
  reservation: BatchReservation,
): Promise<boolean> {
  const records = (await store.getBatchRecords(reservation.jobId, reservation.batchId)).map(
    (record): ProcessedRecord => ({ ...record, status: 'processed' }),
  );
  try {
    await store.completeBatch!(
      {
        jobId: reservation.jobId,
        batchId: reservation.batchId,
        workerId: reservation.workerId,
        attempt: reservation.attempt ?? 0,
      },
      records,
      { status: BatchStatus.COMPLETED, processedCount: records.length, failedCount: 0 },
    );
    return true;
  } catch (error) {
    if (error instanceof LeaseLostError) return false;
    throw error;
  }
}

/** What must hold once a cancel returned true, whatever claims overlapped it. */
async function expectCancelFinal(
  store: DistributedStateStore,
  jobId: string,
  claims: readonly ClaimBatchResult[],
): Promise<void> {
  expect(await store.getJobStatus!(jobId)).toBe(JobStatus.ABORTED);
  // No batch stays in flight in the ABORTED job ...
  expect(await store.listBatchesInFlight!(jobId)).toEqual([]);
  // ... and no claim that overlapped the cancel can write its batch.
  for (const claim of claims) {
    if (claim.claimed) expect(await writeClaimed(store, claim.reservation)).toBe(false);
  }
  const progress = await store.getProgress(jobId);
  expect([progress.processedRecords, progress.failedRecords]).toEqual([0, 0]);
}

/**
 * Cancel is final for claims in flight: a claim that overlaps `updateJobStatus(…, ABORTED)`
 * either takes nothing or has its batch released unwritten; no batch stays PROCESSING in an
 * ABORTED job, and no record is written after the cancel returned. Registered inside
 * `describeDistributedStateStore`; the held-claim test needs the harness's `holdClaims`.
 */
export function describeCancelClaims(
  currentStore: () => DistributedStateStore,
  harness: ConformanceHarness,
): void {
  describe('cancel and claims in flight (optional)', () => {
    it('releases, unwritten, a claim held mid-statement while the cancel runs', async (context) => {
      const store = currentStore();
      requireMethods(store, context);
      if (harness.holdClaims === undefined) {
        context.skip('the harness has no holdClaims (claims run in one synchronous step)');
      }
      const { jobId } = await prepareJob(store, 3, 2);
      const gate = await harness.holdClaims!(store);
      try {
        // The claim has read the job (PROCESSING) and is held before it takes its batch.
        const claim = store.claimBatch(jobId, 'w-held');
        await gate.writeHeld();
        const cancel = store.updateJobStatus!(jobId, [JobStatus.PROCESSING], JobStatus.ABORTED);
        // Either the cancel returns while the claim is held (the defect: the claim then takes
        // its batch in the ABORTED job), or it waits for a lock the held claim holds.
        await Promise.race([cancel, gate.lockWaited()]);
        await gate.release();
        const [claimed, cancelled] = await Promise.all([claim, cancel]);
        expect(cancelled).toBe(true);
        await expectCancelFinal(store, jobId, [claimed]);
        expect(await store.claimBatch(jobId, 'w-late')).toEqual({
          claimed: false,
          reason: 'JOB_NOT_PROCESSING',
        });
      } finally {
        await gate.release();
      }
    });

    it('leaves no batch in flight when claims and a cancel run at once', async (context) => {
      const store = currentStore();
      requireMethods(store, context);
      const { jobId } = await prepareJob(store, 8, 2);
      const first = await store.claimBatch(jobId, 'w-before');
      expect(first.claimed).toBe(true);
      const claims = Array.from({ length: 6 }, (_, i) => store.claimBatch(jobId, `w-${i}`));
      const cancel = store.updateJobStatus!(jobId, [JobStatus.PROCESSING], JobStatus.ABORTED);
      const settled = await Promise.all(claims);
      expect(await cancel).toBe(true);
      await expectCancelFinal(store, jobId, [first, ...settled]);
    });
  });
}
