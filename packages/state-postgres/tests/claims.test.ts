import { BatchStatus, createBatch, JobStatus, type BatchReservation } from '@batchactions/core';
import { makeJobState, makeRecords, prepareJob } from '@batchactions/core/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { testDatabaseUrl } from '../../../tests/support/postgres';
import { storePerTest } from '../../../tests/support/postgres-store-per-test';

let store: PostgresStateStore;
let others: PostgresStateStore[] = [];

storePerTest((made) => (store = made));
afterEach(async () => {
  for (const other of others) await other.close();
  others = [];
});

/** Stores on the same schema with one connection each: each claimer has its own session. */
function claimers(count: number): PostgresStateStore[] {
  const created = Array.from(
    { length: count },
    () =>
      new PostgresStateStore({
        connectionString: testDatabaseUrl(),
        schema: store.schema,
        poolSize: 1,
      }),
  );
  others.push(...created);
  return created;
}

describe('PostgresStateStore claims', () => {
  it('never hands a batch to two of 20 claimers on separate connections', async () => {
    const { jobId, batches } = await prepareJob(store, 60, 2, { useRegisterBatch: true });
    const taken: BatchReservation[] = [];
    await Promise.all(
      claimers(20).map(async (claimer, i) => {
        for (;;) {
          const result = await claimer.claimBatch(jobId, `worker-${i}`);
          if (!result.claimed) {
            expect(result.reason).toBe('NO_PENDING_BATCHES');
            return;
          }
          taken.push(result.reservation);
        }
      }),
    );
    // SKIP LOCKED can answer NO_PENDING_BATCHES while a batch is being claimed by someone else,
    // but every batch is claimed exactly once in the end.
    expect(taken.map((r) => r.batchIndex).sort((a, b) => a - b)).toEqual(
      batches.map((b) => b.index),
    );
    expect(taken.every((r) => r.attempt === 1)).toBe(true);
    const job = await store.getJobState(jobId);
    for (const batch of job?.batches ?? []) {
      const reservation = taken.find((r) => r.batchId === batch.id);
      expect(batch).toMatchObject({
        status: BatchStatus.PROCESSING,
        workerId: reservation?.workerId,
        attempt: 1,
      });
    }
  });

  it('keeps claims exclusive while batches are released and reclaimed concurrently', async () => {
    const { jobId, batches } = await prepareJob(store, 30, 1);
    const holders = new Map<string, string>();
    let doubleClaims = 0;
    let completed = 0;
    await Promise.all(
      claimers(10).map(async (claimer, i) => {
        const workerId = `worker-${i}`;
        for (let round = 0; ; round += 1) {
          const result = await claimer.claimBatch(jobId, workerId);
          if (!result.claimed) {
            const status = await claimer.getDistributedStatus(jobId);
            if (status.pendingBatches === 0) return;
            continue;
          }
          const { batchId, attempt } = result.reservation;
          if (holders.has(batchId)) doubleClaims += 1;
          holders.set(batchId, workerId);
          if (round % 2 === 0) {
            // Give every other batch back once: it must be claimable again, by anyone.
            holders.delete(batchId);
            await claimer.releaseBatch(jobId, batchId, workerId);
            continue;
          }
          await claimer.completeBatch({ jobId, batchId, workerId, attempt: attempt ?? 0 }, [], {
            status: BatchStatus.COMPLETED,
            processedCount: 1,
            failedCount: 0,
          });
          completed += 1;
        }
      }),
    );
    expect(doubleClaims).toBe(0);
    expect(completed).toBe(batches.length);
    expect(await store.tryFinalizeJob(jobId)).toBe(true);
  });

  it('passes over a batch row another session has locked instead of waiting for it', async () => {
    const { jobId, batches } = await prepareJob(store, 2, 1, { useRegisterBatch: true });
    const locker = new pg.Client({ connectionString: testDatabaseUrl() });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(
        `SELECT 1 FROM "${store.schema}".batches WHERE "jobId" = $1 AND id = $2 FOR UPDATE`,
        [jobId, batches[0]!.id],
      );
      // SKIP LOCKED hands out the next batch at once; a plain FOR UPDATE would queue behind
      // the lock until the transaction below ends, and this race would see 'waiting'.
      const claim = store.claimBatch(jobId, 'w');
      const outcome = await Promise.race([
        claim,
        new Promise<'waiting'>((resolve) =>
          setTimeout(() => {
            resolve('waiting');
          }, 5_000),
        ),
      ]);
      await locker.query('ROLLBACK');
      expect(outcome).not.toBe('waiting');
      const result = await claim;
      expect(result.claimed && result.reservation.batchIndex).toBe(1);
    } finally {
      await locker.end();
    }
  });

  it('takes the lowest index first, whatever order the batches were registered in', async () => {
    const { jobId, batches } = await prepareJob(store, 3, 1, { status: JobStatus.CREATED });
    await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, [...batches].reverse(), 3));
    const order: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const result = await store.claimBatch(jobId, 'w');
      if (result.claimed) order.push(result.reservation.batchIndex);
    }
    expect(order).toEqual([0, 1, 2]);
  });

  it('claims the batch of its own job only, when two jobs have batches with the same ids', async () => {
    // Batch ids are unique per job here (primary key "jobId", id), not across jobs.
    const batches = [
      createBatch('b0', 0, makeRecords(0, 2)),
      createBatch('b1', 1, makeRecords(2, 2)),
    ];
    await store.saveJobState(makeJobState('job-a', JobStatus.PROCESSING, batches, 4));
    await store.saveJobState(makeJobState('job-b', JobStatus.PROCESSING, batches, 4));
    const claim = await store.claimBatch('job-a', 'w');
    expect(claim.claimed && claim.reservation.batchId).toBe('b0');
    expect((await store.getJobState('job-b'))?.batches.map((b) => b.status)).toEqual([
      BatchStatus.PENDING,
      BatchStatus.PENDING,
    ]);
    expect((await store.claimBatch('job-b', 'v')).claimed).toBe(true);
    expect(await store.listBatchesInFlight('job-a')).toMatchObject([
      { batchId: 'b0', workerId: 'w' },
    ]);
  });

  it('hands out nothing while the job is paused, and resumes with the next batch', async () => {
    const { jobId, batches } = await prepareJob(store, 2, 1);
    expect((await store.claimBatch(jobId, 'w')).claimed).toBe(true);
    await store.saveJobState(makeJobState(jobId, JobStatus.PAUSED, batches, 2));
    expect(await store.claimBatch(jobId, 'w')).toEqual({
      claimed: false,
      reason: 'JOB_NOT_PROCESSING',
    });
    await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, batches, 2));
    const next = await store.claimBatch(jobId, 'w');
    expect(next.claimed && next.reservation.batchIndex).toBe(1);
  });

  it('counts a PAUSED batch as pending and never hands it out', async () => {
    const { jobId, batches } = await prepareJob(store, 2, 1);
    await store.updateBatchState(jobId, batches[0]!.id, {
      batchId: batches[0]!.id,
      status: BatchStatus.PAUSED,
      processedCount: 0,
      failedCount: 0,
    });
    const claim = await store.claimBatch(jobId, 'w');
    expect(claim.claimed && claim.reservation.batchIndex).toBe(1);
    expect(await store.getDistributedStatus(jobId)).toMatchObject({
      pendingBatches: 1,
      processingBatches: 1,
      isComplete: false,
    });
    expect(await store.tryFinalizeJob(jobId)).toBe(false);
  });

  it('reports claim times from the database clock as whole epoch milliseconds', async () => {
    const { jobId } = await prepareJob(store, 1, 1);
    const result = await store.claimBatch(jobId, 'w');
    if (!result.claimed) throw new Error('expected a claim');
    expect(Number.isInteger(result.reservation.claimedAt)).toBe(true);
    const job = await store.getJobState(jobId);
    expect(job?.batches[0]?.claimedAt).toBe(result.reservation.claimedAt);
  });
});
