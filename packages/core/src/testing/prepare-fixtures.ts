import { expect, type TestContext } from 'vitest';
import { JobNotPreparingError } from '../errors/job-errors';
import { JobStatus } from '../model/job';
import type { ProcessedRecord } from '../model/record';
import type { BatchLease, DistributedStateStore } from '../ports/distributed-state-store';
import { makeBatch, makeJobState, makeRecords } from './fixtures';

type Method = keyof DistributedStateStore;

/** The store with the optional methods `M` known to be present. */
export type StoreWith<M extends Method> = DistributedStateStore &
  Required<Pick<DistributedStateStore, M>>;

/**
 * The store under test, or the test is reported skipped (never passed) when the store lacks one
 * of the optional methods it needs.
 */
export function storeWith<M extends Method>(
  store: DistributedStateStore,
  context: TestContext,
  methods: readonly M[],
): StoreWith<M> {
  const missing = methods.filter((m) => typeof store[m] !== 'function');
  if (missing.length > 0) context.skip(`the store has no ${missing.join(', ')}`);
  return store as StoreWith<M>;
}

let sequence = 0;

/** A minute: a heartbeat renewed during a test is never that old. */
export const FRESH = 60_000;

/**
 * A job saved as `prepare` saves it first: CREATED, no batch, no start time, marked preparing
 * by a heartbeat. With `prepareRun`, that run then acquires the prepare as `prepare` does, by
 * taking the ownerless prepare over (a heartbeat never acquires one), and owns it.
 */
export async function startPreparing(
  store: StoreWith<'heartbeatPrepare'>,
  prepareRun?: string,
): Promise<string> {
  sequence += 1;
  const jobId = `preparing-${Date.now()}-${sequence}`;
  const { startedAt: _none, ...created } = makeJobState(jobId, JobStatus.CREATED, [], 0);
  await store.saveJobState(created);
  expect(await store.heartbeatPrepare(jobId)).toBe(true);
  if (prepareRun !== undefined) {
    if (!store.takeOverPrepare) throw new Error('a prepare run needs takeOverPrepare');
    expect(await store.takeOverPrepare(jobId, prepareRun, FRESH)).toEqual({ taken: true });
  }
  return jobId;
}

/** Batch `index` of a job being prepared: `size` records from `index * size`. */
export function batchOf(jobId: string, index: number, size: number) {
  return makeBatch(`${jobId}-b${index}`, index, makeRecords(index * size, size));
}

/**
 * A job prepared as `prepare` does with one registered batch of `size` records, opened, and
 * that batch claimed by `workerId`: the lease (as the fenced writes take it) and the records the
 * claim hands out. With batch payloads the batch is stored as one value.
 */
export async function claimRegisteredBatch(
  store: StoreWith<'heartbeatPrepare' | 'registerBatch' | 'finishPrepare'>,
  size: number,
  workerId: string,
): Promise<{ lease: BatchLease; records: readonly ProcessedRecord[] }> {
  const jobId = await startPreparing(store);
  await store.registerBatch(jobId, batchOf(jobId, 0, size));
  await store.finishPrepare(jobId, size, Date.now());
  const claim = await store.claimBatch(jobId, workerId);
  if (!claim.claimed) throw new Error(`expected a claim, got ${claim.reason}`);
  const { batchId, attempt } = claim.reservation;
  return {
    lease: { jobId, batchId, workerId, attempt: attempt ?? 1 },
    records: await store.getBatchRecords(jobId, batchId),
  };
}

/**
 * Cancels a job being prepared and checks that its prepare can write nothing more: the next
 * batch (`index`, `size` records) is refused with `JobNotPreparingError` and leaves no record,
 * and the prepare heartbeat says the job is no longer being prepared.
 */
export async function cancelAndExpectPrepareRefused(
  store: StoreWith<'registerBatch' | 'heartbeatPrepare' | 'updateJobStatus'>,
  jobId: string,
  index: number,
  size: number,
): Promise<void> {
  expect(
    await store.updateJobStatus(
      jobId,
      [JobStatus.CREATED, JobStatus.PROCESSING, JobStatus.PAUSED],
      JobStatus.ABORTED,
    ),
  ).toBe(true);
  const refused = batchOf(jobId, index, size);
  await expect(store.registerBatch(jobId, refused)).rejects.toBeInstanceOf(JobNotPreparingError);
  expect(await store.getBatchRecords(jobId, refused.id)).toEqual([]);
  expect(await store.heartbeatPrepare(jobId)).toBe(false);
}

/** What a call did: its value, or the class name of the error it threw. */
export function outcome<T>(call: Promise<T>): Promise<T | string> {
  return call.then(
    (value) => value,
    (error: unknown) => (error instanceof Error ? error.constructor.name : String(error)),
  );
}

/** What `registerBatch` did: 'stored', or the class name of the error it threw. */
export function registered(call: Promise<void>): Promise<string> {
  return outcome(call.then(() => 'stored'));
}
