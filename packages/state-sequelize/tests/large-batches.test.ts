import { afterEach, describe, expect, it } from 'vitest';
import {
  BatchStatus,
  JobStatus,
  createPendingRecord,
  markRecordProcessed,
  markRecordValid,
  type ProcessedRecord,
} from '@batchactions/core';
import { makeJobState } from '@batchactions/core/testing';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import type { Sequelize } from 'sequelize';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases';

/** A payload of `chars` characters with quotes, backslashes, non-ASCII and a nested value. */
function bigRaw(i: number, chars: number): Record<string, unknown> {
  const unit = `"q" \\ é ✓ ${i} `;
  return { id: String(i), text: unit.repeat(Math.ceil(chars / unit.length)), nested: { n: [i] } };
}

/**
 * Batches larger than one statement carries (the MySQL family splits records into JSON documents
 * of at most 4 million characters, SQLite into statements of the same size): every record is
 * stored and finished whole, in one write.
 */
describe.each(DIALECTS)(
  'SequelizeStateStore with batches larger than a statement (%s)',
  (dialect) => {
    let database: TestDatabase;
    let sequelize: Sequelize;
    afterEach(async () => {
      await sequelize.close();
      await database.drop();
    });

    it('stores, reads and completes records of 1.5 million characters each', async () => {
      database = await createTestDatabase(dialect, 'large batches');
      sequelize = database.connect();
      const store = new SequelizeStateStore(sequelize);
      const records = [0, 1, 2].map((i) => createPendingRecord(i, bigRaw(i, 1_500_000)));
      const jobId = 'job-large';
      const batch = {
        id: 'b0',
        index: 0,
        status: BatchStatus.PENDING,
        records: [],
        processedCount: 0,
        failedCount: 0,
        recordStartIndex: 0,
        recordEndIndex: 3,
      };
      await store.saveJobState(makeJobState(jobId, JobStatus.PROCESSING, [batch], 4));
      await store.saveBatchRecords(jobId, 'b0', records);
      expect(await store.getBatchRecords(jobId, 'b0')).toEqual(records);

      const claim = await store.claimBatch(jobId, 'w');
      if (!claim.claimed) throw new Error(`expected a claim, got ${claim.reason}`);
      // Parsed payloads differ from raw (so they are written), and record 3 was never stored:
      // the in-place update falls short and the completion upserts, still in one transaction.
      const finished: ProcessedRecord[] = [...records, createPendingRecord(3, { id: '3' })].map(
        (r) =>
          markRecordProcessed(
            markRecordValid(r, { ...r.raw, id: Number(r.raw.id), extra: 'x'.repeat(100) }),
            1,
          ),
      );
      const { attempt } = claim.reservation;
      if (attempt === undefined) throw new Error('expected the claim to carry its attempt');
      await store.completeBatch({ jobId, batchId: 'b0', workerId: 'w', attempt }, finished, {
        status: BatchStatus.COMPLETED,
        processedCount: 4,
        failedCount: 0,
      });
      expect(await store.getBatchRecords(jobId, 'b0')).toEqual(finished);
      expect(await store.getProcessedRecords(jobId)).toEqual(finished);
      expect(await store.tryFinalizeJob(jobId)).toBe(true);
    });
  },
);
