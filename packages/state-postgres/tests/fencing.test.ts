import {
  BatchStatus,
  LeaseLostError,
  markRecordFailed,
  markRecordProcessed,
  type BatchLease,
  type BatchReservation,
  type ProcessedRecord,
} from '@batchactions/core';
import { prepareJob } from '@batchactions/core/testing';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { dropSchema, testDatabaseUrl, uniqueSchemaName } from '../../../tests/support/postgres';
import { storePerTest } from '../../../tests/support/postgres-store-per-test';

let store: PostgresStateStore;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

storePerTest((made) => (store = made));

function leaseOf(r: BatchReservation): BatchLease {
  return { jobId: r.jobId, batchId: r.batchId, workerId: r.workerId, attempt: r.attempt ?? 0 };
}

async function claim(jobId: string, workerId: string): Promise<BatchReservation> {
  const result = await store.claimBatch(jobId, workerId);
  if (!result.claimed) throw new Error(`expected a claim, got ${result.reason}`);
  return result.reservation;
}

const done = (processed: number, failed = 0) => ({
  status: BatchStatus.COMPLETED,
  processedCount: processed,
  failedCount: failed,
});

describe('PostgresStateStore fencing', () => {
  it('rejects the results of a worker whose batch another worker reclaimed and finished', async () => {
    const { jobId } = await prepareJob(store, 1, 3);
    const slow = await claim(jobId, 'slow');
    expect(await store.reclaimStaleBatches(jobId, 0)).toBe(1);
    const fast = await claim(jobId, 'fast');
    expect(fast.attempt).toBe(2);

    const records = await store.getBatchRecords(jobId, fast.batchId);
    const fastResults = records.map((r) => markRecordProcessed(r));
    await store.completeBatch(leaseOf(fast), fastResults, done(3));

    const slowResults = records.map((r) => markRecordFailed(r, 'slow worker timed out'));
    const error = await store
      .completeBatch(leaseOf(slow), slowResults, { ...done(0, 3), status: BatchStatus.FAILED })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(error).toMatchObject({ jobId, batchId: slow.batchId, workerId: 'slow', attempt: 1 });

    expect(await store.getBatchRecords(jobId, fast.batchId)).toEqual(fastResults);
    const job = await store.getJobState(jobId);
    expect(job?.batches[0]).toMatchObject({
      status: BatchStatus.COMPLETED,
      workerId: 'fast',
      attempt: 2,
      processedCount: 3,
      failedCount: 0,
    });
    expect(await store.getProgress(jobId)).toMatchObject({ processedRecords: 3, failedRecords: 0 });
  });

  it('fences on the attempt, not only the worker: an old claim of the same worker is rejected', async () => {
    const { jobId } = await prepareJob(store, 1, 1);
    const first = await claim(jobId, 'w1');
    await store.releaseBatch(jobId, first.batchId, 'w1');
    const second = await claim(jobId, 'w1');
    expect(second.attempt).toBe(2);
    await expect(store.heartbeatBatch(leaseOf(first))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.completeBatch(leaseOf(first), [], done(1))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await store.heartbeatBatch(leaseOf(second));
    await store.completeBatch(leaseOf(second), [], done(1));
    await expect(store.completeBatch(leaseOf(second), [], done(1))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
  });

  it('rejects a lease on an unknown job or batch', async () => {
    const { jobId } = await prepareJob(store, 1, 1);
    const lease = { jobId, batchId: 'no-such-batch', workerId: 'w', attempt: 1 };
    await expect(store.completeBatch(lease, [], done(0))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.heartbeatBatch({ ...lease, jobId: 'no-such-job' })).rejects.toBeInstanceOf(
      LeaseLostError,
    );
  });

  it('rejects the results of a batch whose job was deleted meanwhile', async () => {
    const { jobId } = await prepareJob(store, 1, 2);
    const r = await claim(jobId, 'w1');
    const records = await store.getBatchRecords(jobId, r.batchId);
    expect(await store.deleteJob(jobId)).toBe(true);
    await expect(
      store.completeBatch(
        leaseOf(r),
        records.map((rec) => markRecordProcessed(rec)),
        done(2),
      ),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.getBatchRecords(jobId, r.batchId)).toEqual([]);
  });

  it('renews the claim time on a heartbeat, with the database clock', async () => {
    const { jobId } = await prepareJob(store, 1, 1);
    const r = await claim(jobId, 'w1');
    await sleep(25);
    await store.heartbeatBatch(leaseOf(r));
    const job = await store.getJobState(jobId);
    expect(job?.batches[0]?.claimedAt).toBeGreaterThan(r.claimedAt);
    expect(job?.batches[0]).toMatchObject({ status: BatchStatus.PROCESSING, workerId: 'w1' });
  });

  it('keeps every batch whole when completions race reclaims', async () => {
    const { jobId } = await prepareJob(store, 24, 4);
    const reservations: BatchReservation[] = [];
    for (let i = 0; i < 24; i += 1) reservations.push(await claim(jobId, `w${i}`));
    const results = new Map<string, ProcessedRecord[]>();
    for (const r of reservations) {
      const records = await store.getBatchRecords(jobId, r.batchId);
      results.set(
        r.batchId,
        records.map((rec) => markRecordProcessed(rec)),
      );
    }

    const outcomes = await Promise.all([
      ...reservations.map((r) =>
        store.completeBatch(leaseOf(r), results.get(r.batchId)!, done(4)).then(
          () => 'written' as const,
          (error: unknown) => {
            if (error instanceof LeaseLostError) return 'lost' as const;
            throw error;
          },
        ),
      ),
      store.reclaimStaleBatches(jobId, 0),
      store.reclaimStaleBatches(jobId, 0),
    ]);
    const reclaimed = (outcomes[24] as number) + (outcomes[25] as number);
    const lost = outcomes.filter((o) => o === 'lost').length;
    expect(lost).toBe(reclaimed);

    const job = await store.getJobState(jobId);
    for (const [i, r] of reservations.entries()) {
      const batch = job?.batches.find((b) => b.id === r.batchId);
      const records = await store.getBatchRecords(jobId, r.batchId);
      if (outcomes[i] === 'written') {
        expect(batch?.status).toBe(BatchStatus.COMPLETED);
        expect(records.every((rec) => rec.status === 'processed')).toBe(true);
      } else {
        expect(batch?.status).toBe(BatchStatus.PENDING);
        expect(records.every((rec) => rec.status === 'pending')).toBe(true);
      }
    }
  });

  describe('a completion and a reclaim of the same batch, in a forced order', () => {
    /** Waits until `count` statements on this test's schema wait for a row lock. */
    async function blockedOnLock(admin: pg.Client, count: number): Promise<void> {
      for (let i = 0; i < 500; i += 1) {
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(*)::integer AS n FROM pg_stat_activity
           WHERE wait_event_type = 'Lock' AND position($1 in query) > 0`,
          [store.schema],
        );
        if ((rows[0]?.n ?? 0) >= count) return;
        await sleep(10);
      }
      throw new Error(`expected ${count} statements waiting for a lock`);
    }

    /**
     * Holds the batch row in another session, queues `first` then `second` behind it (each seen
     * waiting before the next starts), then lets them run in that order.
     */
    async function inOrder<A, B>(
      batchId: string,
      jobId: string,
      first: () => Promise<A>,
      second: () => Promise<B>,
    ): Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]> {
      const admin = new pg.Client({ connectionString: testDatabaseUrl() });
      await admin.connect();
      try {
        await admin.query('BEGIN');
        await admin.query(
          `SELECT 1 FROM "${store.schema}".batches WHERE "jobId" = $1 AND id = $2 FOR UPDATE`,
          [jobId, batchId],
        );
        // Settled handlers are attached at once: the second may reject before the first
        // resolves (the reclaim still has its COMMIT to read when the completion is refused).
        const a = settle(first());
        const monitor = new pg.Client({ connectionString: testDatabaseUrl() });
        await monitor.connect();
        try {
          await blockedOnLock(monitor, 1);
          const b = settle(second());
          await blockedOnLock(monitor, 2);
          await admin.query('ROLLBACK');
          return [await a, await b];
        } finally {
          await monitor.end();
        }
      } finally {
        await admin.end();
      }
    }

    function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
      return promise.then(
        (value) => ({ status: 'fulfilled', value }),
        (reason: unknown) => ({ status: 'rejected', reason }),
      );
    }

    it('a completion that got the row first is kept; the reclaim then finds nothing', async () => {
      const { jobId } = await prepareJob(store, 1, 4);
      const r = await claim(jobId, 'w1');
      const results = (await store.getBatchRecords(jobId, r.batchId)).map((rec) =>
        markRecordProcessed(rec),
      );
      const [completion, reclaim] = await inOrder(
        r.batchId,
        jobId,
        () => store.completeBatch(leaseOf(r), results, done(4)),
        () => store.reclaimStaleBatches(jobId, 0),
      );
      expect(completion.status).toBe('fulfilled');
      expect(reclaim).toEqual({ status: 'fulfilled', value: 0 });
      expect((await store.getJobState(jobId))?.batches[0]?.status).toBe(BatchStatus.COMPLETED);
      expect(await store.getBatchRecords(jobId, r.batchId)).toEqual(results);
    });

    it('a reclaim that got the row first wins; the completion is rejected and writes nothing', async () => {
      const { jobId } = await prepareJob(store, 1, 4);
      const r = await claim(jobId, 'w1');
      const stored = await store.getBatchRecords(jobId, r.batchId);
      const results = stored.map((rec) => markRecordProcessed(rec));
      await sleep(2);
      const [reclaim, completion] = await inOrder(
        r.batchId,
        jobId,
        () => store.reclaimStaleBatches(jobId, 0),
        () => store.completeBatch(leaseOf(r), results, done(4)),
      );
      expect(reclaim).toEqual({ status: 'fulfilled', value: 1 });
      expect(completion.status).toBe('rejected');
      expect((completion as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
      expect((await store.getJobState(jobId))?.batches[0]?.status).toBe(BatchStatus.PENDING);
      expect(await store.getBatchRecords(jobId, r.batchId)).toEqual(stored);
    });
  });

  it('quarantines an exhausted batch but keeps the records it had processed', async () => {
    const { jobId } = await prepareJob(store, 1, 3);
    const r = await claim(jobId, 'w1');
    const [first] = await store.getBatchRecords(jobId, r.batchId);
    await store.saveProcessedRecord(jobId, r.batchId, markRecordProcessed(first!));
    expect(await store.reclaimStaleBatches(jobId, 0, 1)).toBe(1);

    const records = await store.getBatchRecords(jobId, r.batchId);
    expect(records.map((rec) => rec.status)).toEqual(['processed', 'failed', 'failed']);
    expect(records[1]?.processingError).toBe('Batch 0 abandoned after 1 attempts (last worker w1)');
    const job = await store.getJobState(jobId);
    expect(job?.batches[0]).toMatchObject({
      status: BatchStatus.FAILED,
      error: 'Batch 0 abandoned after 1 attempts (last worker w1)',
      processedCount: 0,
      failedCount: 3,
      workerId: 'w1',
    });
    await expect(store.completeBatch(leaseOf(r), [], done(3))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
  });

  it('requeues a stale batch below maxAttempts and rejects bad reclaim arguments', async () => {
    const { jobId } = await prepareJob(store, 1, 1);
    await claim(jobId, 'w1');
    expect(await store.reclaimStaleBatches(jobId, 0, 2)).toBe(1);
    expect((await store.getJobState(jobId))?.batches[0]?.status).toBe(BatchStatus.PENDING);
    await expect(store.reclaimStaleBatches(jobId, -1)).rejects.toThrow(/"timeoutMs"/);
    await expect(store.reclaimStaleBatches(jobId, Infinity)).rejects.toThrow(/"timeoutMs"/);
    await expect(store.reclaimStaleBatches(jobId, 0, 0)).rejects.toThrow(/"maxAttempts"/);
    expect(await store.reclaimStaleBatches('no-such-job', 0)).toBe(0);
  });

  it('finishes a prepared batch in one statement, and a lost lease still writes nothing', async () => {
    const pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
    const statements: string[] = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    (pool as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = (
      ...args: unknown[]
    ) => {
      statements.push(String(args[0]));
      return query(...args);
    };
    const schema = uniqueSchemaName('one statement');
    const counted = new PostgresStateStore({ pool, schema });
    try {
      await counted.initialize();
      const { jobId } = await prepareJob(counted, 1, 4);
      const reclaimed = await counted.claimBatch(jobId, 'slow');
      if (!reclaimed.claimed) throw new Error('expected a claim');
      await counted.reclaimStaleBatches(jobId, 0);
      const current = await counted.claimBatch(jobId, 'fast');
      if (!current.claimed) throw new Error('expected a claim');
      const records = await counted.getBatchRecords(jobId, current.reservation.batchId);
      const results = records.map((r) => markRecordProcessed(r));

      statements.length = 0;
      await counted.completeBatch(leaseOf(current.reservation), results, done(4));
      expect(statements).toHaveLength(1);
      expect(await counted.getBatchRecords(jobId, current.reservation.batchId)).toEqual(results);

      statements.length = 0;
      await expect(
        counted.completeBatch(leaseOf(reclaimed.reservation), results, done(4)),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect(statements).toHaveLength(2);
    } finally {
      await counted.close();
      await pool.end();
      await dropSchema(schema);
    }
  });
});
