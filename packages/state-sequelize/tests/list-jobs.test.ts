import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, JobStatus, type JobStatus as Status } from '@batchactions/core';
import { prepareJob } from '@batchactions/core/testing';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import type { Sequelize } from 'sequelize';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases';

describe.each(DIALECTS)('SequelizeStateStore.listJobs (%s)', (dialect) => {
  let database: TestDatabase;
  let sequelize: Sequelize;
  afterEach(async () => {
    await sequelize.close();
    await database.drop();
  });

  it('lists every job newest first with its batch counts, filtered and limited', async () => {
    database = await createTestDatabase(dialect, 'list jobs');
    sequelize = database.connect();
    const store = new SequelizeStateStore(sequelize);
    const save = (id: string, status: Status, startedAt?: number) =>
      store.saveJobState({
        id,
        config: { batchSize: 1 },
        status,
        batches: [],
        totalRecords: 0,
        ...(startedAt === undefined ? {} : { startedAt }),
      });
    await save('old', JobStatus.COMPLETED, 1_000);
    await save('never-started', JobStatus.CREATED);
    const { jobId } = await prepareJob(store, 3, 2);
    const claim = await store.claimBatch(jobId, 'w');
    if (!claim.claimed) throw new Error('expected a claim');
    await store.updateBatchState(jobId, claim.reservation.batchId, {
      batchId: claim.reservation.batchId,
      status: 'COMPLETED',
      processedCount: 1,
      failedCount: 1,
    });
    await store.claimBatch(jobId, 'w');

    const all = await store.listJobs();
    expect(all.map((j) => j.jobId)).toEqual([jobId, 'old', 'never-started']);
    expect(all[0]).toMatchObject({
      status: JobStatus.PROCESSING,
      totalRecords: 6,
      processedRecords: 1,
      failedRecords: 1,
      totalBatches: 3,
      pendingBatches: 1,
      processingBatches: 1,
      completedBatches: 1,
      failedBatches: 0,
    });
    expect(all[1]).toEqual({
      jobId: 'old',
      status: JobStatus.COMPLETED,
      totalRecords: 0,
      processedRecords: 0,
      failedRecords: 0,
      totalBatches: 0,
      pendingBatches: 0,
      processingBatches: 0,
      completedBatches: 0,
      failedBatches: 0,
      startedAt: 1_000,
      // When the job was first saved (the store's clock), not its startedAt.
      createdAt: expect.any(Number) as number,
    });
    expect(all[1]?.createdAt).toBeGreaterThan(1_000);
    const finished = await store.listJobs({ statuses: [JobStatus.COMPLETED, JobStatus.CREATED] });
    expect(finished.map((j) => j.jobId)).toEqual(['old', 'never-started']);
    expect((await store.listJobs({ limit: 1 })).map((j) => j.jobId)).toEqual([jobId]);
    await expect(store.listJobs({ limit: 0 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(store.listJobs({ statuses: ['NOPE' as Status] })).rejects.toBeInstanceOf(
      InvalidOptionError,
    );
  });
});
