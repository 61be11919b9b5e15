import { describe, expect, it } from 'vitest';
import {
  InMemoryDistributedStateStore,
  JobStatus,
  UnsupportedByStoreError,
  type DistributedStateStore,
} from '@batchactions/core';
import { cancelJob, pauseJob, purgeJob, resumeJob } from '../../src/control/job-control';
import { publishedPortOnly } from '../support/stores';

async function storeWithJob(status: JobStatus): Promise<InMemoryDistributedStateStore> {
  const store = new InMemoryDistributedStateStore();
  await store.saveJobState({
    id: 'job',
    config: { schema: { fields: [] }, batchSize: 1, continueOnError: true },
    status,
    batches: [],
    totalRecords: 0,
    distributed: true,
  });
  return store;
}

const statusOf = async (store: DistributedStateStore) => (await store.getJobState('job'))?.status;

describe('job control', () => {
  it.each([
    [JobStatus.PROCESSING, true],
    [JobStatus.PAUSED, false],
    [JobStatus.COMPLETED, false],
    [JobStatus.ABORTED, false],
  ])('pause from %s: %s', async (from, changed) => {
    const store = await storeWithJob(from);
    expect(await pauseJob(store, 'job')).toBe(changed);
    expect(await statusOf(store)).toBe(changed ? JobStatus.PAUSED : from);
  });

  it.each([
    [JobStatus.PAUSED, true],
    [JobStatus.PROCESSING, false],
    [JobStatus.CREATED, false],
    [JobStatus.FAILED, false],
  ])('resume from %s: %s', async (from, changed) => {
    const store = await storeWithJob(from);
    expect(await resumeJob(store, 'job')).toBe(changed);
    expect(await statusOf(store)).toBe(changed ? JobStatus.PROCESSING : from);
  });

  it.each([
    [JobStatus.CREATED, true],
    [JobStatus.PROCESSING, true],
    [JobStatus.PAUSED, true],
    [JobStatus.COMPLETED, false],
    [JobStatus.FAILED, false],
    [JobStatus.ABORTED, false],
  ])('cancel from %s: %s', async (from, changed) => {
    const store = await storeWithJob(from);
    expect(await cancelJob(store, 'job')).toBe(changed);
    expect(await statusOf(store)).toBe(changed ? JobStatus.ABORTED : from);
  });

  it('purge deletes the job once', async () => {
    const store = await storeWithJob(JobStatus.COMPLETED);
    expect(await purgeJob(store, 'job')).toBe(true);
    expect(await store.getJobState('job')).toBeNull();
    expect(await purgeJob(store, 'job')).toBe(false);
  });

  it.each([
    ['pause', pauseJob, 'updateJobStatus'],
    ['resume', resumeJob, 'updateJobStatus'],
    ['cancel', cancelJob, 'updateJobStatus'],
    ['purge', purgeJob, 'deleteJob'],
  ] as const)('%s on a store without %s names both', async (operation, control, method) => {
    const store = publishedPortOnly(await storeWithJob(JobStatus.PROCESSING));
    const error = await control(store, 'job').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedByStoreError);
    expect((error as Error).message).toBe(
      `${operation} needs a state store with the optional method "${method}"; this store does not implement it`,
    );
  });
});
