import { describe, expect, it } from 'vitest';
import {
  BatchStatus,
  InMemoryDistributedStateStore,
  type BatchListPage,
  type DistributedStateStore,
} from '@batchactions/core';
import { prepareJob } from '@batchactions/core/testing';
import { BatchGridReader } from '../../src/dashboard/batch-grid';

/** The store, with the pages `listBatchStatuses` was asked for. */
function watched(store: InMemoryDistributedStateStore) {
  const pages: (BatchListPage | undefined)[] = [];
  const listBatchStatuses = store.listBatchStatuses.bind(store);
  store.listBatchStatuses = (jobId, page) => {
    pages.push(page);
    return listBatchStatuses(jobId, page);
  };
  return { store: store as DistributedStateStore, pages };
}

async function finish(store: DistributedStateStore, jobId: string, worker: string, failed = 0) {
  const claim = await store.claimBatch(jobId, worker);
  if (!claim.claimed) throw new Error('nothing to claim');
  await store.updateBatchState(jobId, claim.reservation.batchId, {
    batchId: claim.reservation.batchId,
    status: BatchStatus.COMPLETED,
    processedCount: 2 - failed,
    failedCount: failed,
  });
}

describe('BatchGridReader', () => {
  it('reads only the batches after the finished ones it has seen', async () => {
    const { store, pages } = watched(new InMemoryDistributedStateStore());
    const { jobId } = await prepareJob(store, 5, 2);
    const grids = new BatchGridReader();
    expect(await grids.read(store, jobId, jobId, 30_000)).toBe('.....');
    await finish(store, jobId, 'w1');
    await finish(store, jobId, 'w1', 1);
    await store.claimBatch(jobId, 'w2');
    expect(await grids.read(store, jobId, jobId, 30_000)).toBe('CWR..');
    expect(await grids.read(store, jobId, jobId, 30_000)).toBe('CWR..');
    expect(pages.map((page) => page?.afterIndex)).toEqual([-1, -1, 1]);
    // Another incarnation of the job (purged, prepared again) starts afresh.
    expect(await grids.read(store, jobId, `${jobId}-again`, 30_000)).toBe('CWR..');
    expect(pages.at(-1)?.afterIndex).toBe(-1);
  });

  it('marks a batch held past the stale threshold', async () => {
    let now = 1_000;
    const store = new InMemoryDistributedStateStore({ now: () => now });
    const { jobId } = await prepareJob(store, 2, 1);
    await store.claimBatch(jobId, 'w1');
    now += 60_000;
    expect(await new BatchGridReader().read(store, jobId, jobId, 30_000)).toBe('S.');
  });

  it('uses listBatches without listBatchStatuses, and gives no grid without either', async () => {
    const store = new InMemoryDistributedStateStore();
    const { jobId } = await prepareJob(store, 2, 1);
    const full = Object.assign(Object.create(store) as DistributedStateStore, {
      listBatchStatuses: undefined,
    });
    expect(await new BatchGridReader().read(full, jobId, jobId, 30_000)).toBe('..');
    const bare = Object.assign(Object.create(full) as DistributedStateStore, {
      listBatches: undefined,
    });
    expect(await new BatchGridReader().read(bare, jobId, jobId, 30_000)).toBeUndefined();
  });
});
