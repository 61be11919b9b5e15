import { describe, expect, it } from 'vitest';
import { JobStatus } from '../model/job';
import type { DistributedStateStore, PreparedBatch } from '../ports/distributed-state-store';
import type { ConformanceHarness } from './conformance-harness';
import { batchOf, FRESH, outcome, startPreparing, storeWith } from './prepare-fixtures';

const OWNING = [
  'registerBatch',
  'heartbeatPrepare',
  'finishPrepare',
  'takeOverPrepare',
  'stopPrepare',
  'listPreparedBatches',
  'getJobDetails',
  'updateJobStatus',
] as const;

const HOUR = 3_600_000;

/**
 * One owner per prepare, under any interleaving: a heartbeat never acquires a prepare, only the
 * owner fails a job (`failPrepare`), a batch registration renews the heartbeat, and a takeover
 * waits for the previous owner's batch write in flight. Registered inside
 * `describeDistributedStateStore`; each test is reported skipped when the store (or the
 * harness) lacks what it needs.
 */
export function describePrepareOwnership(
  currentStore: () => DistributedStateStore,
  harness: ConformanceHarness,
): void {
  describe('prepare ownership (optional)', () => {
    it('never gives a prepare back through a heartbeat: not after a stop, not once another run stopped it', async (context) => {
      const store = storeWith(currentStore(), context, OWNING);
      const jobId = await startPreparing(store, 'old-run');
      await store.registerBatch(jobId, batchOf(jobId, 0, 2), { prepareRun: 'old-run' });
      expect(await store.stopPrepare(jobId, 'old-run')).toBe(true);
      // Nobody owns the prepare now; the run that gave it up does not get it back by beating.
      expect(await store.heartbeatPrepare(jobId, 'old-run')).toBe(false);

      // A new run takes it, stores a batch and stops cleanly; the old run wakes up again.
      expect(await store.takeOverPrepare(jobId, 'new-run', FRESH)).toEqual({ taken: true });
      await store.registerBatch(jobId, batchOf(jobId, 1, 2), { prepareRun: 'new-run' });
      expect(await store.stopPrepare(jobId, 'new-run')).toBe(true);
      expect(await store.heartbeatPrepare(jobId, 'old-run')).toBe(false);
      expect(
        await outcome(store.registerBatch(jobId, batchOf(jobId, 2, 2), { prepareRun: 'old-run' })),
      ).toBe('JobNotPreparingError');
      expect(await store.finishPrepare(jobId, 6, Date.now(), 'old-run')).toBe(JobStatus.CREATED);

      const details = await store.getJobDetails(jobId);
      expect(details).toMatchObject({ status: JobStatus.CREATED, prepareStopped: true });
      expect(details?.prepareHeartbeatAgeMs).toBeUndefined();
      expect((await store.listPreparedBatches(jobId)).map((b) => b.batchIndex)).toEqual([0, 1]);
      // The prepare is still there for a resume.
      expect(await store.takeOverPrepare(jobId, 'third-run', FRESH)).toEqual({ taken: true });
    });

    it('fails a job only for the run that owns its prepare (failPrepare)', async (context) => {
      const store = storeWith(currentStore(), context, [...OWNING, 'failPrepare', 'openEarly']);
      expect(await store.failPrepare('no-such-job', 'run-a')).toBe(false);

      const jobId = await startPreparing(store, 'run-a');
      await store.registerBatch(jobId, batchOf(jobId, 0, 2), { prepareRun: 'run-a' });
      expect(await store.stopPrepare(jobId, 'run-a')).toBe(true);
      expect(await store.takeOverPrepare(jobId, 'run-b', FRESH)).toEqual({ taken: true });
      // The run that lost the prepare cannot fail the job: nothing changes.
      expect(await store.failPrepare(jobId, 'run-a')).toBe(false);
      const untouched = await store.getJobDetails(jobId);
      expect(untouched?.status).toBe(JobStatus.CREATED);
      expect(untouched?.completedAt).toBeUndefined();
      expect(untouched?.prepareHeartbeatAgeMs).toBeGreaterThanOrEqual(0);
      expect(await store.heartbeatPrepare(jobId, 'run-b')).toBe(true);

      // The owner can.
      expect(await store.failPrepare(jobId, 'run-b')).toBe(true);
      const failed = await store.getJobDetails(jobId);
      expect(failed).toMatchObject({ status: JobStatus.FAILED, totalRecords: 2 });
      expect(failed?.completedAt).toBeGreaterThan(0);
      expect(failed?.prepareHeartbeatAgeMs).toBeUndefined();
      expect(failed?.prepareStopped).toBeUndefined();
      expect(await store.failPrepare(jobId, 'run-b')).toBe(false);
      expect(await store.heartbeatPrepare(jobId, 'run-b')).toBe(false);
      expect(await store.takeOverPrepare(jobId, 'run-c', 0)).toMatchObject({
        taken: false,
        reason: 'NOT_PREPARING',
      });

      // Opened early: the job leaves PROCESSING and hands out nothing more.
      const early = await startPreparing(store, 'run-e');
      await store.registerBatch(early, batchOf(early, 0, 2), { prepareRun: 'run-e' });
      expect(await store.openEarly(early, Date.now())).toBe(JobStatus.PROCESSING);
      expect(await store.failPrepare(early, 'run-e')).toBe(true);
      expect((await store.getJobDetails(early))?.status).toBe(JobStatus.FAILED);
      expect(await store.claimBatch(early, 'w')).toEqual({
        claimed: false,
        reason: 'JOB_NOT_PROCESSING',
      });

      // A prepare that finished, or a job cancelled meanwhile, is not the run's to fail.
      const finished = await startPreparing(store, 'run-f');
      expect(await store.finishPrepare(finished, 0, Date.now(), 'run-f')).toBe(
        JobStatus.PROCESSING,
      );
      expect(await store.failPrepare(finished, 'run-f')).toBe(false);
      expect((await store.getJobDetails(finished))?.status).toBe(JobStatus.PROCESSING);
      const cancelled = await startPreparing(store, 'run-g');
      expect(await store.updateJobStatus(cancelled, [JobStatus.CREATED], JobStatus.ABORTED)).toBe(
        true,
      );
      expect(await store.failPrepare(cancelled, 'run-g')).toBe(false);
      expect((await store.getJobDetails(cancelled))?.status).toBe(JobStatus.ABORTED);
    });

    it('renews the prepare heartbeat with each registered batch', async (context) => {
      const store = storeWith(currentStore(), context, OWNING);
      const age = harness.agePrepareHeartbeat;
      if (age === undefined) return context.skip('the harness cannot age a prepare heartbeat');
      const owned = await startPreparing(store, 'run-a');
      await age(store, owned, 2 * HOUR);
      expect((await store.getJobDetails(owned))?.prepareHeartbeatAgeMs).toBeGreaterThan(HOUR);
      await store.registerBatch(owned, batchOf(owned, 0, 2), { prepareRun: 'run-a' });
      expect((await store.getJobDetails(owned))?.prepareHeartbeatAgeMs).toBeLessThan(HOUR);
      // The run proved alive: not taken as dead.
      expect(await store.takeOverPrepare(owned, 'run-b', HOUR)).toMatchObject({
        taken: false,
        reason: 'RUNNING',
      });

      // Without a run (no ownership), the same.
      const unowned = await startPreparing(store);
      await age(store, unowned, 2 * HOUR);
      await store.registerBatch(unowned, batchOf(unowned, 0, 2));
      expect((await store.getJobDetails(unowned))?.prepareHeartbeatAgeMs).toBeLessThan(HOUR);
    });

    it("waits, when taking a prepare over, for the previous owner's batch write in flight", async (context) => {
      const store = storeWith(currentStore(), context, OWNING);
      const { agePrepareHeartbeat: age, holdBatchWrites } = harness;
      if (age === undefined || holdBatchWrites === undefined) {
        return context.skip('the harness cannot hold a batch write in flight');
      }
      const jobId = await startPreparing(store, 'old-run');
      // Stale for a taker that takes anything older than 0 ms, and younger than the second
      // after which a registration would renew it (it would then hold the row for that too).
      await age(store, jobId, 100);
      const gate = await holdBatchWrites(store);
      const batch = batchOf(jobId, 0, 3);
      const write = outcome(store.registerBatch(jobId, batch, { prepareRun: 'old-run' }));
      let seenByTaker: readonly PreparedBatch[] | undefined;
      try {
        await gate.writeHeld();
        const takeover = store.takeOverPrepare(jobId, 'new-run', 0).then(async (answer) => {
          seenByTaker = await store.listPreparedBatches(jobId);
          return answer;
        });
        // Either the takeover answers while the write is held (the defect), or it queues
        // behind the write's lock on the job row.
        await Promise.race([takeover, gate.lockWaited()]);
        await gate.release();
        expect(await write).toBeUndefined();
        const answer = await takeover;
        // When the taker got its answer, the write it waited for was stored.
        expect(seenByTaker?.map((b) => b.batchId)).toEqual([batch.id]);
        if (answer.taken) {
          expect(
            await outcome(
              store.registerBatch(jobId, batchOf(jobId, 1, 3), { prepareRun: 'old-run' }),
            ),
          ).toBe('JobNotPreparingError');
          await store.registerBatch(jobId, batchOf(jobId, 1, 3), { prepareRun: 'new-run' });
          expect(await store.finishPrepare(jobId, 6, Date.now(), 'new-run')).toBe(
            JobStatus.PROCESSING,
          );
        }
      } finally {
        await gate.release();
        await write;
      }
    });
  });
}
