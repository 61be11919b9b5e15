import {
  BatchStatus,
  JobStatus,
  createPendingRecord,
  markRecordFailed,
  markRecordInvalid,
  markRecordProcessed,
  type DistributedStateStore,
  type ProcessedRecord,
  type StateStore,
} from '@batchactions/core';
import { expect } from 'vitest';
import { runToEnd } from './upgrade-jobs';

/**
 * The upgrade to the batch outcomes table (issue 28), the same for every SQL store: a job with
 * batch payloads, half processed by a version that kept each batch's outcome in its payload
 * row, keeps working after the migration that moves the outcomes into a table of their own.
 *
 * The old layout is made from the new one: the store (`batchPayloads: true`) prepares and half
 * processes the job, then `downgrade` puts each outcome back into its payload row (`outcome`
 * and `processedCount`, as the old version wrote them), drops the outcomes table and forgets
 * the migration's version row, which is exactly the state the old version left.
 */
export interface OutcomesUpgradeRig<S extends UpgradedStore> {
  /** A store with `batchPayloads: true` on the database (not initialised). */
  open(): S;
  /** Closes a store `open` gave. */
  close(store: S): Promise<void>;
  /** SQL statements run in order, outside any store. */
  exec(statements: readonly string[]): Promise<void> | void;
  /** A query's rows, outside any store. */
  rows(sql: string): Promise<Record<string, unknown>[]> | Record<string, unknown>[];
  /** Quoted names: the payloads and outcomes tables and the versions table. */
  readonly payloads: string;
  readonly outcomes: string;
  /** The statement that forgets the outcomes migration's version row. */
  readonly forgetVersion: string;
  /** A query of the applied versions (column `version`). */
  readonly versions: string;
  /** The version `initialize` applies again (the outcomes migration). */
  readonly version: number;
}

/** The port methods the scenario uses, which every SQL store implements. */
export type UpgradedStore = DistributedStateStore &
  StateStore &
  Required<
    Pick<
      DistributedStateStore,
      'createJobIfAbsent' | 'registerBatch' | 'finishPrepare' | 'completeBatch' | 'tryFinalizeJob'
    >
  > & { initialize(): Promise<unknown> };

const JOB = 'outcomes-upgrade';

function record(index: number): ProcessedRecord {
  const pending = createPendingRecord(index, { id: String(index), name: `n${String(index)}` });
  // Record 3 is invalid from the prepare; the others are valid.
  return index === 3
    ? markRecordInvalid(pending, [
        { field: 'name', message: 'bad name', code: 'CUSTOM_VALIDATION' },
      ])
    : { ...pending, status: 'valid' };
}

/** What a caller sees of the job: the figures the migration must keep. */
async function observe(store: UpgradedStore) {
  const status = await store.getDistributedStatus(JOB);
  const progress = await store.getProgress(JOB);
  return {
    progress: {
      totalRecords: progress.totalRecords,
      processedRecords: progress.processedRecords,
      failedRecords: progress.failedRecords,
      pendingRecords: progress.pendingRecords,
      currentBatch: progress.currentBatch,
      totalBatches: progress.totalBatches,
    },
    status: {
      completedBatches: status.completedBatches,
      processingBatches: status.processingBatches,
      pendingBatches: status.pendingBatches,
      failedBatches: status.failedBatches,
    },
    b0: await store.getBatchRecords(JOB, 'b0'),
    b1: await store.getBatchRecords(JOB, 'b1'),
    processed: (await store.getProcessedRecords(JOB)).map((r) => r.index),
    failed: (await store.getFailedRecords(JOB)).map((r) => [r.index, r.status]),
  };
}

/** The versions `initialize` applied. */
async function applied<S extends UpgradedStore>(
  rig: OutcomesUpgradeRig<S>,
  initialize: () => Promise<unknown>,
) {
  const versions = async () =>
    new Set((await rig.rows(rig.versions)).map((row) => Number(row['version'])));
  const before = await versions();
  await initialize();
  return [...(await versions())].filter((version) => !before.has(version));
}

/** Runs the scenario on `rig` (see {@link OutcomesUpgradeRig}). */
export async function checkOutcomesUpgrade<S extends UpgradedStore>(
  rig: OutcomesUpgradeRig<S>,
): Promise<void> {
  const store = rig.open();
  await store.initialize();
  await store.createJobIfAbsent({
    id: JOB,
    config: { batchSize: 5 },
    status: JobStatus.CREATED,
    batches: [],
    totalRecords: 0,
    distributed: true,
  });
  for (let b = 0; b < 4; b += 1) {
    await store.registerBatch(JOB, {
      id: `b${String(b)}`,
      index: b,
      status: BatchStatus.PENDING,
      records: Array.from({ length: 5 }, (_, i) => record(b * 5 + i)),
      processedCount: 0,
      failedCount: 0,
    });
  }
  expect(await store.finishPrepare(JOB, 20, Date.now())).toBe(JobStatus.PROCESSING);
  // Batch 0 completed (record 1 failed, 3 stays invalid); batch 1 claimed by a worker that has
  // written one record with the published per-record method, then stopped; 2 and 3 pending.
  const first = await store.claimBatch(JOB, 'w0');
  if (!first.claimed) throw new Error('batch 0 not claimed');
  const done = (await store.getBatchRecords(JOB, 'b0')).map((r) =>
    r.status === 'invalid'
      ? r
      : r.index === 1
        ? markRecordFailed(r, 'boom')
        : markRecordProcessed(r),
  );
  await store.completeBatch({ jobId: JOB, batchId: 'b0', workerId: 'w0', attempt: 1 }, done, {
    status: BatchStatus.COMPLETED,
    processedCount: 3,
    failedCount: 2,
  });
  const second = await store.claimBatch(JOB, 'w1');
  if (!second.claimed) throw new Error('batch 1 not claimed');
  const [five] = await store.getBatchRecords(JOB, 'b1');
  await store.saveProcessedRecord(JOB, 'b1', markRecordProcessed(five as ProcessedRecord));
  const before = await observe(store);
  expect(before.processed).toEqual([0, 2, 4, 5]);
  await rig.close(store);

  // The layout of the version before: outcomes in the payload rows, no outcomes table.
  await rig.exec([
    `UPDATE ${rig.payloads} SET
       "outcome" = (SELECT o."outcome" FROM ${rig.outcomes} o
                    WHERE o."jobId" = ${rig.payloads}."jobId" AND o."batchId" = ${rig.payloads}."batchId"),
       "processedCount" = coalesce(
         (SELECT o."processedCount" FROM ${rig.outcomes} o
          WHERE o."jobId" = ${rig.payloads}."jobId" AND o."batchId" = ${rig.payloads}."batchId"),
         "processedCount")`,
    `DROP TABLE ${rig.outcomes}`,
    rig.forgetVersion,
  ]);
  const old = await rig.rows(
    `SELECT "batchId", "outcome" FROM ${rig.payloads} WHERE "outcome" IS NOT NULL ORDER BY "batchId"`,
  );
  expect(old.map((row) => row['batchId'])).toEqual(['b0', 'b1']);

  const upgraded = rig.open();
  try {
    expect(await applied(rig, () => upgraded.initialize())).toEqual([rig.version]);
    // The outcomes left the payload rows for the new table.
    const moved = await rig.rows(
      `SELECT "batchId", "processedCount" FROM ${rig.outcomes} ORDER BY "batchId"`,
    );
    expect(moved.map((row) => [row['batchId'], Number(row['processedCount'])])).toEqual([
      ['b0', 3],
      ['b1', 1],
    ]);
    const left = await rig.rows(
      `SELECT "batchId" FROM ${rig.payloads} WHERE "outcome" IS NOT NULL`,
    );
    expect(left).toEqual([]);
    expect(await observe(upgraded)).toEqual(before);

    // The dead worker's batch comes back; everything runs to the end; record 7 fails.
    expect(await upgraded.reclaimStaleBatches(JOB, 0)).toBe(1);
    await runToEnd(upgraded, [JOB], 'w2', (r) =>
      r.status === 'invalid' || r.status === 'processed'
        ? r
        : r.index === 7
          ? markRecordFailed(r, 'boom')
          : markRecordProcessed(r),
    );
    const end = await observe(upgraded);
    expect(end.progress).toMatchObject({ processedRecords: 17, failedRecords: 3 });
    expect(end.processed).toEqual(
      Array.from({ length: 20 }, (_, i) => i).filter((i) => ![1, 3, 7].includes(i)),
    );
    expect(end.failed).toEqual([
      [1, 'failed'],
      [3, 'invalid'],
      [7, 'failed'],
    ]);
    expect((await upgraded.getJobState(JOB))?.status).toBe(JobStatus.COMPLETED);
  } finally {
    await rig.close(upgraded);
  }
}
