import { describe, expect, it, type TestContext } from 'vitest';
import { BatchStatus } from '../model/batch';
import type { DistributedStateStore } from '../ports/distributed-state-store';
import { prepareJob, sleep } from './fixtures';

type InFlightStore = DistributedStateStore &
  Required<Pick<DistributedStateStore, 'listBatchesInFlight'>>;

/** The store under test, or the test is reported skipped (never passed) without the method. */
function inFlightStore(store: DistributedStateStore, context: TestContext): InFlightStore {
  if (typeof store.listBatchesInFlight !== 'function') {
    context.skip('the store has no listBatchesInFlight');
  }
  return store as InFlightStore;
}

async function claim(store: DistributedStateStore, jobId: string, workerId: string) {
  const result = await store.claimBatch(jobId, workerId);
  if (!result.claimed) throw new Error(`expected a claim, got ${result.reason}`);
  return result.reservation;
}

/**
 * The `listBatchesInFlight` part of the conformance suite, registered inside
 * `describeDistributedStateStore` with the store of the running test.
 */
export function describeBatchesInFlight(currentStore: () => DistributedStateStore): void {
  describe('listBatchesInFlight (optional)', () => {
    it('lists nothing for an unknown job or a job nobody works on', async (context) => {
      const store = inFlightStore(currentStore(), context);
      expect(await store.listBatchesInFlight('no-such-job')).toEqual([]);
      const { jobId } = await prepareJob(store, 2, 2);
      expect(await store.listBatchesInFlight(jobId)).toEqual([]);
    });

    it('lists the held batches in index order with worker and attempt, and only those', async (context) => {
      const store = inFlightStore(currentStore(), context);
      const { jobId, batches } = await prepareJob(store, 4, 2);
      const other = await prepareJob(store, 1, 1);
      await claim(store, other.jobId, 'elsewhere');
      const first = await claim(store, jobId, 'w1');
      const second = await claim(store, jobId, 'w2');
      const third = await claim(store, jobId, 'w3');
      await store.updateBatchState(jobId, second.batchId, {
        batchId: second.batchId,
        status: BatchStatus.COMPLETED,
        processedCount: 2,
        failedCount: 0,
      });
      // Released and claimed again: the attempt counts both claims.
      await store.releaseBatch(jobId, first.batchId, 'w1');
      const again = await claim(store, jobId, 'w4');
      expect(again.batchId).toBe(first.batchId);

      const inFlight = await store.listBatchesInFlight(jobId);
      expect(
        inFlight.map(({ batchId, batchIndex, workerId, attempt }) => ({
          batchId,
          batchIndex,
          workerId,
          attempt,
        })),
      ).toEqual([
        { batchId: batches[0]!.id, batchIndex: 0, workerId: 'w4', attempt: again.attempt ?? 2 },
        { batchId: batches[2]!.id, batchIndex: 2, workerId: 'w3', attempt: third.attempt ?? 1 },
      ]);
      for (const batch of inFlight) {
        expect(Number.isFinite(batch.heartbeatAgeMs)).toBe(true);
        expect(batch.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
      }
      if (again.attempt !== undefined) expect(again.attempt).toBe(2);
    });

    it('reports the age of the claim, and a heartbeat renews it', async (context) => {
      const store = inFlightStore(currentStore(), context);
      const { jobId } = await prepareJob(store, 1, 1);
      const held = await claim(store, jobId, 'w1');
      await sleep(300);
      const [aged] = await store.listBatchesInFlight(jobId);
      // The store's clock: at least most of the 300 ms slept (a database clock may round).
      expect(aged?.heartbeatAgeMs).toBeGreaterThanOrEqual(250);
      const heartbeat = store.heartbeatBatch?.bind(store);
      if (heartbeat === undefined) {
        context.skip('the store has no heartbeatBatch: nothing renews a claim');
        return;
      }
      await heartbeat({
        jobId,
        batchId: held.batchId,
        workerId: 'w1',
        attempt: held.attempt ?? 0,
      });
      const [renewed] = await store.listBatchesInFlight(jobId);
      expect(renewed?.heartbeatAgeMs).toBeLessThan(aged!.heartbeatAgeMs);
    });
  });
}
