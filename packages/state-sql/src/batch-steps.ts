import {
  JobNotFoundError,
  JobNotPreparingError,
  JobStatus,
  LeaseLostError,
  type BatchLease,
  type BatchOutcome,
} from '@batchactions/core';
import type { Db, Transaction } from './db';
import type { Statements } from './statements';

type Count = number | string | bigint | null;

interface RegisterTargetRow {
  readonly status: JobStatus;
  readonly openEarly: Count;
  readonly owner: string | null;
}

/**
 * The first step of a batch registration (rows or payload layout), in its transaction: the job
 * row share-locked, refused unless it is being prepared (CREATED, PAUSED, or PROCESSING while
 * opened early) and, with `prepareRun`, owned by that run.
 */
export async function lockJobForRegistration(
  db: Db,
  sql: Statements,
  jobId: string,
  prepareRun: string | undefined,
  transaction: Transaction,
): Promise<void> {
  const job = (await db.select<RegisterTargetRow>(sql.lockJob('share'), [jobId], transaction))[0];
  if (job === undefined) throw new JobNotFoundError(jobId);
  const open = job.status === JobStatus.PROCESSING && Number(job.openEarly) === 1;
  if (job.status !== JobStatus.CREATED && job.status !== JobStatus.PAUSED && !open) {
    throw new JobNotPreparingError(jobId, job.status);
  }
  if (prepareRun !== undefined && job.owner !== prepareRun) {
    throw new JobNotPreparingError(jobId, job.status, prepareRun);
  }
}

/**
 * The fence of a batch completion (rows or payload layout), in its transaction: writes the
 * outcome's status and counters only while `lease` holds the batch, else `LeaseLostError`.
 */
export async function fenceBatchInTransaction(
  db: Db,
  s: Statements,
  lease: BatchLease,
  outcome: BatchOutcome,
  transaction: Transaction,
): Promise<void> {
  const held = await db.run(
    s.fenceBatch(),
    [
      lease.jobId,
      lease.batchId,
      lease.workerId,
      lease.attempt,
      outcome.status,
      outcome.processedCount,
      outcome.failedCount,
      outcome.error ?? null,
    ],
    transaction,
  );
  if (held === 0) {
    throw new LeaseLostError(lease.jobId, lease.batchId, lease.workerId, lease.attempt);
  }
}
