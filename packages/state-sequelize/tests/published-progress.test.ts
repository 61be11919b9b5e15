import { afterEach, describe, expect, it } from 'vitest';
import {
  BatchStatus,
  createBatch,
  createPendingRecord,
  JobStatus,
  markRecordFailed,
  markRecordInvalid,
  markRecordValid,
  readJobProgress,
  type JobState,
  type ProcessedRecord,
} from '@batchactions/core';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import type { Sequelize } from 'sequelize';
import { createMigratedTestDatabase, DIALECTS, type TestDatabase } from './support/databases';

const processed = (i: number): ProcessedRecord => ({
  ...markRecordValid(createPendingRecord(i, { n: i }), { n: i }),
  status: 'processed',
});

// state-sequelize.md §4.2: getProgress counts the stored records by status; the consistent view
// (from the batches' counters, as getDistributedStatus and the summary) is getJobProgress.
describe.each(DIALECTS)('SequelizeStateStore getProgress, published formula (%s)', (dialect) => {
  let database: TestDatabase;
  let sequelize: Sequelize;

  afterEach(async () => {
    await sequelize.close();
    await database.drop();
  });

  it('counts stored records, not the batch list, and keeps getJobProgress on the counters', async () => {
    database = await createMigratedTestDatabase(dialect, 'published progress');
    sequelize = database.connect();
    const store = new SequelizeStateStore(sequelize);
    const startedAt = Date.now() - 60_000;
    const job: JobState = {
      id: 'job-p',
      config: { batchSize: 5 },
      status: JobStatus.PROCESSING,
      batches: [createBatch('b0', 0, []), createBatch('b1', 1, [])],
      totalRecords: 10,
      startedAt,
    };
    await store.saveJobState(job);
    // The batch list says 5 processed; the stored records say 2 processed, 1 failed, 1 invalid.
    await store.updateBatchState('job-p', 'b0', {
      batchId: 'b0',
      status: BatchStatus.COMPLETED,
      processedCount: 5,
      failedCount: 0,
    });
    await store.saveProcessedRecord('job-p', 'b0', processed(0));
    await store.saveProcessedRecord('job-p', 'b0', processed(1));
    await store.saveProcessedRecord(
      'job-p',
      'b0',
      markRecordFailed(createPendingRecord(2, {}), 'x'),
    );
    await store.saveProcessedRecord(
      'job-p',
      'b0',
      markRecordInvalid(createPendingRecord(3, {}), []),
    );
    await store.saveProcessedRecord('job-p', 'b0', createPendingRecord(4, {}));

    const published = await store.getProgress('job-p');
    expect(published).toMatchObject({
      totalRecords: 10,
      processedRecords: 2,
      failedRecords: 2,
      pendingRecords: 6,
      // (processed + failed) / total, rounded: the Sequelize store's own formula.
      percentage: 40,
      currentBatch: 1,
      totalBatches: 2,
    });
    expect(published.elapsedMs).toBeGreaterThanOrEqual(60_000);
    expect(published).not.toHaveProperty('estimatedRemainingMs');

    expect(await readJobProgress(store, 'job-p')).toMatchObject({
      totalRecords: 10,
      processedRecords: 5,
      failedRecords: 0,
      pendingRecords: 5,
      percentage: 50,
      currentBatch: 1,
      totalBatches: 2,
    });
  });

  it('clamps pendingRecords at 0 and gives totalRecords 0 without a job row', async () => {
    database = await createMigratedTestDatabase(dialect, 'published progress clamp');
    sequelize = database.connect();
    const store = new SequelizeStateStore(sequelize);
    await store.saveProcessedRecord('orphan', 'b0', processed(0));
    await store.saveProcessedRecord('orphan', 'b0', processed(1));
    expect(await store.getProgress('orphan')).toStrictEqual({
      totalRecords: 0,
      processedRecords: 2,
      failedRecords: 0,
      pendingRecords: 0,
      percentage: 0,
      currentBatch: 0,
      totalBatches: 0,
      elapsedMs: 0,
    });
  });
});
