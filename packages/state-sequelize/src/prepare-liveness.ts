import {
  JobNotFoundError,
  JobNotPreparingError,
  jobSummaryFromCounts,
  type JobDetails,
  type JobStatus,
  type JobSummary,
} from '@batchactions/core';
import type { Db } from './db';
import { optionalNumber } from './job-rows';
import type { Statements } from './statements';

type Count = number | string | bigint | null;

interface DetailsRow {
  readonly status: JobStatus;
  readonly totalRecords: Count;
  readonly startedAt: Count;
  readonly completedAt: Count;
  readonly prepareHeartbeatAt: Count;
  readonly summary: string | null;
  readonly now: Count;
}

interface SummaryCountsRow {
  readonly totalRecords: Count;
  readonly startedAt: Count;
  readonly completedAt: Count;
  readonly processed: Count;
  readonly failed: Count;
}

/** Why a batch was refused: the job is gone (purged), or no longer being prepared. */
export async function refusedBatchError(
  db: Db,
  sql: Statements,
  jobId: string,
): Promise<JobNotFoundError | JobNotPreparingError> {
  const rows = await db.select<{ status: JobStatus }>(sql.selectJobStatus(), [jobId]);
  const status = rows[0]?.status;
  return status === undefined
    ? new JobNotFoundError(jobId)
    : new JobNotPreparingError(jobId, status);
}

/** Renews the prepare heartbeat of a job being prepared; false when it is not (any more). */
export async function heartbeatPrepare(db: Db, sql: Statements, jobId: string): Promise<boolean> {
  return (await db.run(sql.heartbeatPrepare(), [jobId])) > 0;
}

/** Ends the prepare of a job (see the port), returning its status afterwards. */
export function finishPrepare(
  db: Db,
  sql: Statements,
  jobId: string,
  totalRecords: number,
  startedAt: number,
): Promise<JobStatus | null> {
  return db.transaction(async (transaction) => {
    await db.run(sql.finishPrepare(), [jobId, totalRecords, startedAt], transaction);
    const rows = await db.select<{ status: JobStatus }>(
      sql.selectJobStatus(),
      [jobId],
      transaction,
    );
    return rows[0]?.status ?? null;
  });
}

/** The job's row without batches, with its prepare heartbeat's age and stored summary. */
export async function jobDetails(
  db: Db,
  sql: Statements,
  jobId: string,
): Promise<JobDetails | null> {
  const row = (await db.select<DetailsRow>(sql.selectJobDetails(), [jobId]))[0];
  if (row === undefined) return null;
  const startedAt = optionalNumber(row.startedAt);
  const completedAt = optionalNumber(row.completedAt);
  const heartbeatAt = optionalNumber(row.prepareHeartbeatAt);
  return {
    jobId,
    status: row.status,
    totalRecords: Number(row.totalRecords),
    ...(startedAt == null ? {} : { startedAt }),
    ...(completedAt == null ? {} : { completedAt }),
    ...(heartbeatAt == null
      ? {}
      : { prepareHeartbeatAgeMs: Math.max(0, Number(row.now) - heartbeatAt) }),
    ...(row.summary == null ? {} : { summary: JSON.parse(row.summary) as JobSummary }),
  };
}

/** Stores the summary of a job its finalisation just changed (same transaction). */
export async function storeSummary(
  db: Db,
  sql: Statements,
  jobId: string,
  transaction: Parameters<Db['run']>[2],
): Promise<void> {
  const row = (
    await db.select<SummaryCountsRow>(sql.selectSummaryCounts(), [jobId], transaction)
  )[0];
  if (row === undefined) return;
  const summary = jobSummaryFromCounts({
    totalRecords: Number(row.totalRecords),
    processed: Number(row.processed),
    failed: Number(row.failed),
    startedAt: optionalNumber(row.startedAt),
    completedAt: Number(row.completedAt),
  });
  await db.run(sql.storeSummary(), [jobId, JSON.stringify(summary)], transaction);
}

/**
 * Gives the job's completion to `claimant` unless another claimant has it, and returns the
 * stored summary to the claimant that has it (again, for a retry), `null` to anyone else.
 */
export async function claimJobCompletion(
  db: Db,
  sql: Statements,
  jobId: string,
  claimant: string,
): Promise<JobSummary | null> {
  const read = async (transaction?: Parameters<Db['run']>[2]) => {
    const row = (
      await db.select<{ claimant: string | null; summary: string | null }>(
        sql.selectCompletion(),
        [jobId],
        transaction,
      )
    )[0];
    if (row?.summary == null) return 'nothing' as const;
    if (row.claimant === null) return 'unclaimed' as const;
    return row.claimant === claimant ? (JSON.parse(row.summary) as JobSummary) : null;
  };
  // A read first: most calls (every worker that finds the job finished) need no write lock.
  const seen = await read();
  if (seen === 'nothing') return null;
  if (seen !== 'unclaimed') return seen;
  return db.transaction(async (transaction) => {
    await db.run(sql.claimCompletion(), [jobId, claimant], transaction);
    const after = await read(transaction);
    return after === 'nothing' || after === 'unclaimed' ? null : after;
  });
}
