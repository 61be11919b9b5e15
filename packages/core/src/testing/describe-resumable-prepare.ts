import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../errors/invalid-option-error';
import { JobNotPreparingError, RecordAlreadyStoredError } from '../errors/job-errors';
import { JobStatus } from '../model/job';
import type { DistributedStateStore, PreparedBatch } from '../ports/distributed-state-store';
import { makeBatch, makeRecords, prepareJob, sleep } from './fixtures';
import type { ConformanceHarness } from './conformance-harness';
import { batchOf, FRESH, registered, startPreparing, storeWith } from './prepare-fixtures';

const RESUMABLE = [
  'registerBatch',
  'heartbeatPrepare',
  'finishPrepare',
  'takeOverPrepare',
  'stopPrepare',
  'listPreparedBatches',
  'getJobDetails',
  'updateJobStatus',
] as const;

/** Concurrent takers in the takeover races. */
const TAKERS = 8;

const HOUR = 3_600_000;

/**
 * The resumable-prepare part of the conformance suite (prepare runs owning a job's prepare,
 * `takeOverPrepare`, `stopPrepare`, `listPreparedBatches`), registered inside
 * `describeDistributedStateStore` with the store of the running test. Each test is reported
 * skipped when the store lacks an optional method it needs.
 */
export function describeResumablePrepare(
  currentStore: () => DistributedStateStore,
  harness: ConformanceHarness,
): void {
  describe('resumable prepare (optional)', () => {
    it('lets only the owning run register, heartbeat and finish; another run changes nothing', async (context) => {
      const store = storeWith(currentStore(), context, RESUMABLE);
      const jobId = await startPreparing(store);
      // Nobody owns it yet: a heartbeat does not acquire it, a takeover does.
      expect(await store.heartbeatPrepare(jobId, 'run-a')).toBe(false);
      expect(await store.takeOverPrepare(jobId, 'run-a', FRESH)).toEqual({ taken: true });
      expect(await store.heartbeatPrepare(jobId, 'run-a')).toBe(true);
      expect(await store.heartbeatPrepare(jobId, 'run-b')).toBe(false);
      expect(await store.heartbeatPrepare(jobId, 'run-a')).toBe(true);
      await store.registerBatch(jobId, batchOf(jobId, 0, 3), { prepareRun: 'run-a' });

      const refused = batchOf(jobId, 1, 3);
      const error: unknown = await store
        .registerBatch(jobId, refused, { prepareRun: 'run-b' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(JobNotPreparingError);
      expect((error as JobNotPreparingError).prepareRun).toBe('run-b');
      expect(await store.getBatchRecords(jobId, refused.id)).toEqual([]);
      expect(await store.listPreparedBatches(jobId)).toHaveLength(1);
      expect((await store.getJobDetails(jobId))?.totalRecords).toBe(3);

      // Without a run: no ownership check, as before resumable prepare.
      await store.registerBatch(jobId, refused);
      expect((await store.getJobDetails(jobId))?.totalRecords).toBe(6);

      expect(await store.finishPrepare(jobId, 6, Date.now(), 'run-b')).toBe(JobStatus.CREATED);
      const untouched = await store.getJobDetails(jobId);
      expect(untouched?.status).toBe(JobStatus.CREATED);
      expect(untouched?.prepareHeartbeatAgeMs).toBeGreaterThanOrEqual(0);
      expect((await store.claimBatch(jobId, 'w')).claimed).toBe(false);
      expect(await store.heartbeatPrepare(jobId, 'run-a')).toBe(true);

      expect(await store.finishPrepare(jobId, 6, Date.now(), 'run-a')).toBe(JobStatus.PROCESSING);
      expect((await store.claimBatch(jobId, 'w')).claimed).toBe(true);
    });

    it('reports a fresh owner as RUNNING with its heartbeat age, and takes the prepare once it is older than staleAfterMs', async (context) => {
      const store = storeWith(currentStore(), context, RESUMABLE);
      const jobId = await startPreparing(store, 'run-a');
      const running = await store.takeOverPrepare(jobId, 'run-b', FRESH);
      expect(running).toMatchObject({ taken: false, reason: 'RUNNING' });
      const age = running.taken ? -1 : (running.heartbeatAgeMs ?? -1);
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(FRESH);
      // The owner itself may take its prepare again (a retry).
      expect(await store.takeOverPrepare(jobId, 'run-a', FRESH)).toEqual({ taken: true });

      await sleep(20);
      expect(await store.takeOverPrepare(jobId, 'run-b', 0)).toEqual({ taken: true });
      expect(await store.heartbeatPrepare(jobId, 'run-a')).toBe(false);
      expect(
        await registered(store.registerBatch(jobId, batchOf(jobId, 0, 2), { prepareRun: 'run-a' })),
      ).toBe('JobNotPreparingError');
      await store.registerBatch(jobId, batchOf(jobId, 0, 2), { prepareRun: 'run-b' });
      expect(await store.takeOverPrepare(jobId, 'run-a', FRESH)).toMatchObject({
        taken: false,
        reason: 'RUNNING',
      });
      expect(await store.finishPrepare(jobId, 2, Date.now(), 'run-b')).toBe(JobStatus.PROCESSING);
    });

    it('gives a prepare nobody owns to exactly one of many concurrent takers', async (context) => {
      const store = storeWith(currentStore(), context, RESUMABLE);
      const jobId = await startPreparing(store);
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.takeOverPrepare(jobId, `run-${i}`, FRESH)),
      );
      expect(answers.filter((a) => a.taken)).toHaveLength(1);
      for (const answer of answers) {
        if (!answer.taken) expect(answer.reason).toBe('RUNNING');
      }
      const winner = `run-${answers.findIndex((a) => a.taken)}`;
      expect(await store.heartbeatPrepare(jobId, winner)).toBe(true);
    });

    it('gives a stale prepare to exactly one of many concurrent takers', async (context) => {
      const store = storeWith(currentStore(), context, RESUMABLE);
      const age = harness.agePrepareHeartbeat;
      if (age === undefined) return context.skip('the harness cannot age a prepare heartbeat');
      // Every connection the takers use is open before they start (a pool starts empty).
      await Promise.all(Array.from({ length: TAKERS }, () => store.getJobDetails('warm-up')));
      const jobId = await startPreparing(store, 'dead-run');
      // Stale by the store's own rows, not by waiting: two hours old, against a bound of one
      // hour that the winner's fresh heartbeat cannot reach while the takers run.
      await age(store, jobId, 2 * HOUR);
      expect((await store.getJobDetails(jobId))?.prepareHeartbeatAgeMs).toBeGreaterThan(HOUR);
      const answers = await Promise.all(
        Array.from({ length: TAKERS }, (_, i) => store.takeOverPrepare(jobId, `run-${i}`, HOUR)),
      );
      expect(answers.filter((a) => a.taken)).toHaveLength(1);
      for (const answer of answers) {
        if (!answer.taken) expect(answer).toMatchObject({ reason: 'RUNNING' });
      }
      const winner = `run-${answers.findIndex((a) => a.taken)}`;
      expect(await store.heartbeatPrepare(jobId, winner)).toBe(true);
      expect(await store.heartbeatPrepare(jobId, 'dead-run')).toBe(false);
      expect(
        await registered(
          store.registerBatch(jobId, batchOf(jobId, 0, 2), { prepareRun: 'dead-run' }),
        ),
      ).toBe('JobNotPreparingError');
    });

    it('stops a prepare cleanly: no owner, no heartbeat, prepareStopped, the job never opens; a takeover succeeds at once', async (context) => {
      const store = storeWith(currentStore(), context, RESUMABLE);
      const jobId = await startPreparing(store, 'run-a');
      await store.registerBatch(jobId, batchOf(jobId, 0, 3), { prepareRun: 'run-a' });
      expect(await store.stopPrepare(jobId, 'run-b')).toBe(false);
      expect(await store.stopPrepare(jobId, 'run-a')).toBe(true);
      expect(await store.stopPrepare(jobId, 'run-a')).toBe(false);
      const stopped = await store.getJobDetails(jobId);
      expect(stopped).toMatchObject({
        status: JobStatus.CREATED,
        totalRecords: 3,
        prepareStopped: true,
      });
      expect(stopped?.prepareHeartbeatAgeMs).toBeUndefined();
      expect(
        await registered(store.registerBatch(jobId, batchOf(jobId, 1, 3), { prepareRun: 'run-a' })),
      ).toBe('JobNotPreparingError');
      expect(await store.finishPrepare(jobId, 3, Date.now(), 'run-a')).toBe(JobStatus.CREATED);

      // A resume while the prepare is stopped does not open the job.
      expect(await store.updateJobStatus(jobId, [JobStatus.CREATED], JobStatus.PAUSED)).toBe(true);
      expect(await store.updateJobStatus(jobId, [JobStatus.PAUSED], JobStatus.PROCESSING)).toBe(
        true,
      );
      expect((await store.getJobDetails(jobId))?.status).toBe(JobStatus.CREATED);

      expect(await store.takeOverPrepare(jobId, 'run-c', FRESH)).toEqual({ taken: true });
      const resumed = await store.getJobDetails(jobId);
      expect(resumed?.prepareStopped).toBeUndefined();
      expect(resumed?.prepareHeartbeatAgeMs).toBeGreaterThanOrEqual(0);
      await store.registerBatch(jobId, batchOf(jobId, 1, 3), { prepareRun: 'run-c' });
      expect(await store.finishPrepare(jobId, 6, Date.now(), 'run-c')).toBe(JobStatus.PROCESSING);
      expect((await store.getJobDetails(jobId))?.totalRecords).toBe(6);
    });

    it('keeps a job open early open while its prepare is stopped, and unfinishable until a run finishes it', async (context) => {
      const store = storeWith(currentStore(), context, [...RESUMABLE, 'openEarly'] as const);
      const jobId = await startPreparing(store, 'run-a');
      await store.registerBatch(jobId, batchOf(jobId, 0, 2), { prepareRun: 'run-a' });
      expect(await store.openEarly(jobId, Date.now())).toBe(JobStatus.PROCESSING);
      expect(await store.stopPrepare(jobId, 'run-a')).toBe(true);
      expect(await store.getJobDetails(jobId)).toMatchObject({
        status: JobStatus.PROCESSING,
        openEarly: true,
        prepareStopped: true,
      });
      const claim = await store.claimBatch(jobId, 'w');
      if (!claim.claimed) throw new Error(`expected a claim, got ${claim.reason}`);
      await store.updateBatchState(jobId, claim.reservation.batchId, {
        batchId: claim.reservation.batchId,
        status: 'COMPLETED',
        processedCount: 2,
        failedCount: 0,
      });
      expect(await store.tryFinalizeJob(jobId)).toBe(false);

      expect(await store.takeOverPrepare(jobId, 'run-b', FRESH)).toEqual({ taken: true });
      await store.registerBatch(jobId, batchOf(jobId, 1, 2), { prepareRun: 'run-b' });
      expect(await store.finishPrepare(jobId, 4, Date.now(), 'run-b')).toBe(JobStatus.PROCESSING);
      expect(await store.tryFinalizeJob(jobId)).toBe(false);
      expect((await store.claimBatch(jobId, 'w')).claimed).toBe(true);
    });

    it('lists the stored batches in index order with their source cursors', async (context) => {
      const store = storeWith(currentStore(), context, RESUMABLE);
      expect(await store.listPreparedBatches('no-such-job')).toEqual([]);
      const jobId = await startPreparing(store, 'run-a');
      expect(await store.listPreparedBatches(jobId)).toEqual([]);
      const batches = [batchOf(jobId, 0, 3), batchOf(jobId, 1, 3), batchOf(jobId, 2, 3)];
      const cursors = ['offset:120', undefined, '{"line":9,"byte":"4096"}'];
      for (const i of [2, 0, 1]) {
        const cursor = cursors[i];
        await store.registerBatch(jobId, batches[i]!, {
          prepareRun: 'run-a',
          ...(cursor === undefined ? {} : { sourceCursor: cursor }),
        });
      }
      expect(await store.listPreparedBatches(jobId)).toEqual<PreparedBatch[]>([
        {
          batchId: batches[0]!.id,
          batchIndex: 0,
          recordStartIndex: 0,
          recordEndIndex: 2,
          sourceCursor: 'offset:120',
        },
        { batchId: batches[1]!.id, batchIndex: 1, recordStartIndex: 3, recordEndIndex: 5 },
        {
          batchId: batches[2]!.id,
          batchIndex: 2,
          recordStartIndex: 6,
          recordEndIndex: 8,
          sourceCursor: '{"line":9,"byte":"4096"}',
        },
      ]);
    });

    it('never stores a record index twice: a conflicting batch is refused whole', async (context) => {
      const store = storeWith(currentStore(), context, RESUMABLE);
      const jobId = await startPreparing(store, 'run-a');
      const first = makeBatch(`${jobId}-first`, 0, makeRecords(0, 3));
      await store.registerBatch(jobId, first, { prepareRun: 'run-a' });
      const overlapping = makeBatch(`${jobId}-again`, 1, makeRecords(2, 3));
      const error: unknown = await store
        .registerBatch(jobId, overlapping, { prepareRun: 'run-a' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(RecordAlreadyStoredError);
      expect((error as RecordAlreadyStoredError).batchId).toBe(overlapping.id);
      expect(await store.getBatchRecords(jobId, overlapping.id)).toEqual([]);
      expect((await store.getBatchRecords(jobId, first.id)).map((r) => r.index)).toEqual([0, 1, 2]);
      expect((await store.getPendingRecords(jobId)).map((r) => r.index)).toEqual([0, 1, 2]);
      expect((await store.listPreparedBatches(jobId)).map((b) => b.batchId)).toEqual([first.id]);
      expect((await store.getJobDetails(jobId))?.totalRecords).toBe(3);

      // The same batch registered again (a retry after a lost answer) is no conflict.
      await store.registerBatch(jobId, first, { prepareRun: 'run-a' });
      expect((await store.getJobDetails(jobId))?.totalRecords).toBe(3);
      expect((await store.getPendingRecords(jobId)).map((r) => r.index)).toEqual([0, 1, 2]);
    });

    it('names why a prepare cannot be taken: NOT_FOUND, FINISHED, NOT_PREPARING', async (context) => {
      const store = storeWith(currentStore(), context, RESUMABLE);
      expect(await store.takeOverPrepare('no-such-job', 'run-a', 0)).toEqual({
        taken: false,
        reason: 'NOT_FOUND',
      });

      const finished = await startPreparing(store, 'run-a');
      expect(await store.finishPrepare(finished, 0, Date.now(), 'run-a')).toBe(
        JobStatus.PROCESSING,
      );
      expect(await store.takeOverPrepare(finished, 'run-b', 0)).toEqual({
        taken: false,
        reason: 'FINISHED',
      });
      expect(await store.stopPrepare(finished, 'run-a')).toBe(false);

      // Opened by a prepare without liveness (the published sequence): nothing to take over.
      const { jobId: published } = await prepareJob(store, 1, 2);
      expect(await store.takeOverPrepare(published, 'run-b', 0)).toEqual({
        taken: false,
        reason: 'FINISHED',
      });

      const cancelled = await startPreparing(store, 'run-a');
      expect(await store.updateJobStatus(cancelled, [JobStatus.CREATED], JobStatus.ABORTED)).toBe(
        true,
      );
      expect(await store.takeOverPrepare(cancelled, 'run-b', 0)).toEqual({
        taken: false,
        reason: 'NOT_PREPARING',
      });
      expect(await store.getJobDetails(cancelled)).toMatchObject({ status: JobStatus.ABORTED });
      expect(await store.stopPrepare(cancelled, 'run-a')).toBe(false);
    });

    it('takes over a paused prepare, which stays paused', async (context) => {
      const store = storeWith(currentStore(), context, RESUMABLE);
      const jobId = await startPreparing(store, 'run-a');
      expect(await store.updateJobStatus(jobId, [JobStatus.CREATED], JobStatus.PAUSED)).toBe(true);
      expect(await store.stopPrepare(jobId, 'run-a')).toBe(true);
      expect(await store.takeOverPrepare(jobId, 'run-b', FRESH)).toEqual({ taken: true });
      expect((await store.getJobDetails(jobId))?.status).toBe(JobStatus.PAUSED);
      expect(await store.finishPrepare(jobId, 0, Date.now(), 'run-b')).toBe(JobStatus.PAUSED);
    });

    it('rejects bad takeover arguments with an error naming them', async (context) => {
      const store = storeWith(currentStore(), context, RESUMABLE);
      const jobId = await startPreparing(store);
      const optionOf = (staleAfterMs: number) =>
        store.takeOverPrepare(jobId, 'run-a', staleAfterMs).then(
          () => 'accepted',
          (error: unknown) => (error instanceof InvalidOptionError ? error.option : error),
        );
      for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(await optionOf(bad)).toBe('staleAfterMs');
      }
      expect((await store.getJobDetails(jobId))?.prepareStopped).toBeUndefined();
    });

    it('lists a stopped prepare with its flag', async (context) => {
      const store = storeWith(currentStore(), context, [...RESUMABLE, 'listJobs'] as const);
      const jobId = await startPreparing(store, 'run-a');
      await store.registerBatch(jobId, batchOf(jobId, 0, 2), { prepareRun: 'run-a' });
      await store.stopPrepare(jobId, 'run-a');
      const entry = (await store.listJobs()).find((e) => e.jobId === jobId);
      expect(entry).toMatchObject({
        status: JobStatus.CREATED,
        totalRecords: 2,
        prepareStopped: true,
      });
      expect(entry?.prepareHeartbeatAgeMs).toBeUndefined();
      expect(entry?.openEarly).toBeUndefined();
      await store.takeOverPrepare(jobId, 'run-b', FRESH);
      const taken = (await store.listJobs()).find((e) => e.jobId === jobId);
      expect(taken?.prepareStopped).toBeUndefined();
      expect(taken?.prepareHeartbeatAgeMs).toBeGreaterThanOrEqual(0);
    });
  });
}
