import { randomUUID } from 'node:crypto';
import { BatchStatus, type Batch } from '../model/batch';
import { JobStatus, type JobState } from '../model/job';
import { createPendingRecord, type ProcessedRecord } from '../model/record';
import type { DistributedStateStore } from '../ports/distributed-state-store';

/** A job as the conformance suite prepares it: id and its batches with their records. */
export interface PreparedFixture {
  readonly jobId: string;
  readonly batches: readonly Batch[];
}

/** Records `start..start+count-1` with a small raw payload. */
export function makeRecords(start: number, count: number): ProcessedRecord[] {
  return Array.from({ length: count }, (_, i) =>
    createPendingRecord(start + i, { email: `user${start + i}@example.com`, n: String(start + i) }),
  );
}

/** A PENDING batch of `records`, its bounds inclusive as published (5 records at 0 → 0..4). */
export function makeBatch(id: string, index: number, records: readonly ProcessedRecord[]): Batch {
  return {
    id,
    index,
    status: BatchStatus.PENDING,
    records,
    processedCount: 0,
    failedCount: 0,
    recordStartIndex: records[0]?.index ?? 0,
    recordEndIndex: records.at(-1)?.index ?? -1,
  };
}

/** A job state with the given status and batches. */
export function makeJobState(
  jobId: string,
  status: JobStatus,
  batches: readonly Batch[],
  totalRecords: number,
): JobState {
  return {
    id: jobId,
    config: { batchSize: batches[0]?.records.length ?? 1, continueOnError: true },
    status,
    batches: batches.map((b) => ({ ...b, records: [] })),
    totalRecords,
    startedAt: Date.now(),
    distributed: true,
  };
}

/**
 * Prepares a job the way `DistributedImport.prepare` does with a store that has only the
 * published port: job CREATED, records per batch, then the job PROCESSING with every batch listed.
 */
export async function prepareJob(
  store: DistributedStateStore,
  batchCount: number,
  batchSize: number,
  options: { status?: JobStatus; useRegisterBatch?: boolean } = {},
): Promise<PreparedFixture> {
  const jobId = `job-${randomUUID()}`;
  const batches: Batch[] = [];
  for (let i = 0; i < batchCount; i += 1) {
    batches.push(makeBatch(`batch-${i}-${randomUUID()}`, i, makeRecords(i * batchSize, batchSize)));
  }
  const total = batchCount * batchSize;
  await store.saveJobState(makeJobState(jobId, JobStatus.CREATED, [], total));
  for (const batch of batches) {
    if (options.useRegisterBatch && store.registerBatch) {
      await store.registerBatch(jobId, batch);
    } else {
      await store.saveBatchRecords(jobId, batch.id, batch.records);
    }
  }
  await store.saveJobState(
    makeJobState(jobId, options.status ?? JobStatus.PROCESSING, batches, total),
  );
  return { jobId, batches };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
