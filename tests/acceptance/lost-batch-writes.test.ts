import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  type Batch,
  type DistributedStateStore,
  type RegisterBatchOptions,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import {
  DistributedImport,
  PreparedBatchesMissingError,
  PrepareResumableError,
  runWorker,
} from '../../src/index';
import { interceptStore } from '../support/store-wrapper';
import { fullPortStores, useTestStore } from '../support/stores';
import { usersCsv, usersSchema } from '../support/workers';

// A batch registration acknowledged and then lost (a PostgreSQL store with `asynchronousCommit`
// loses the last writes before a server crash; a prepare that outlives the restart goes on with
// its next batches). The prepare must not open the job with a hole in it: its end-of-prepare
// check finds the batch missing and stops the prepare resumable, and the resume stores it.
// tests/faults/server-crash.test.ts forces the same loss with a real crash.

/** `store`, except that the first registration of batch `lostIndex` is acknowledged unwritten. */
function losingRegistration(
  store: DistributedStateStore,
  lostIndex: number,
): DistributedStateStore {
  let lost = false;
  return interceptStore(store, {
    registerBatch: (real, jobId, batch: Batch, options?: RegisterBatchOptions) => {
      if (!lost && batch.index === lostIndex) {
        lost = true;
        return Promise.resolve();
      }
      return real(jobId, batch, options);
    },
  });
}

const CSV = usersCsv(100);

/**
 * Prepares 100 users in batches of 20 through `store`, losing batch `lostIndex`; returns the
 * `PrepareResumableError` the prepare must end with.
 */
async function prepareLosing(
  store: DistributedStateStore,
  lostIndex: number,
  options: { openEarly?: boolean } = {},
): Promise<PrepareResumableError> {
  const lossy = new DistributedImport({
    schema: usersSchema,
    batchSize: 20,
    stateStore: losingRegistration(store, lostIndex),
  });
  const error: unknown = await lossy.prepare(new BufferSource(CSV), new CsvParser(), options).then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(PrepareResumableError);
  return error as PrepareResumableError;
}

describe.each(fullPortStores)(
  'a batch write lost after it was acknowledged, on $name',
  (factory) => {
    const t = useTestStore(factory);

    it('stops the prepare resumable naming the batch; the resume stores it; every record once', async () => {
      const { jobId, cause } = await prepareLosing(t.store, 2);
      expect(cause).toBeInstanceOf(PreparedBatchesMissingError);
      expect((cause as PreparedBatchesMissingError).missingBatches).toEqual([2]);
      expect((cause as PreparedBatchesMissingError).message).toBe(
        `prepare of job ${jobId} wrote 5 batches, but the store holds none numbered 2: their ` +
          'writes were lost after they were acknowledged',
      );

      // The job was not opened: its prepare is stopped, for a resume.
      const di = new DistributedImport({ schema: usersSchema, batchSize: 20, stateStore: t.store });
      const stopped = await di.getStatus(jobId);
      expect(stopped.status).toBe('CREATED');
      expect(stopped.prepare).toEqual({ state: 'stopped', openEarly: false });

      const resumed = await di.resumePrepare(jobId, new BufferSource(CSV), new CsvParser());
      expect(resumed).toMatchObject({ jobId, totalRecords: 100, totalBatches: 5 });
      const batches = await t.store.listPreparedBatches!(jobId);
      expect(batches.map((b) => [b.batchIndex, b.recordStartIndex, b.recordEndIndex])).toEqual(
        Array.from({ length: 5 }, (_, i) => [i, i * 20, i * 20 + 19]),
      );

      const ids: number[] = [];
      const result = await runWorker(di, jobId, (record) => void ids.push(Number(record.id)), {
        waitForOthers: false,
      });
      expect(result.jobComplete).toBe(true);
      expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });

    it('opened early: workers take the batches it holds, and the job completes only once the resume stored the lost one', async () => {
      const { jobId, cause } = await prepareLosing(t.store, 3, { openEarly: true });
      expect((cause as PreparedBatchesMissingError).missingBatches).toEqual([3]);
      const di = new DistributedImport({
        schema: usersSchema,
        batchSize: 20,
        stateStore: t.store,
      });
      const ids: number[] = [];
      const processor = (record: Record<string, unknown>) => void ids.push(Number(record.id));
      // The four batches held are processed; the job cannot complete with its prepare stopped.
      const early = await runWorker(di, jobId, processor, { waitForOthers: false });
      expect(early.jobComplete).toBe(false);
      expect(early.processed).toBe(80);
      expect((await di.getStatus(jobId)).status).toBe('PROCESSING');

      await di.resumePrepare(jobId, new BufferSource(CSV), new CsvParser());
      const rest = await runWorker(di, jobId, processor, { waitForOthers: false });
      expect(rest.jobComplete).toBe(true);
      expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });
  },
);
