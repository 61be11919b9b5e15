import {
  JobNotFoundError,
  JobNotPreparingError,
  jobSummaryFromCounts,
  prepareMarks,
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
  readonly createdAt: Count;
  readonly startedAt: Count;
  readonly completedAt: Count;
  readonly prepareHeartbeatAt: Count;
  readonly summary: string | null;
  readonly openedEarlyAt: Count;
  readonly prepareStoppedAt: Count;
  readonly now: Count;
}

interface SummaryCountsRow {
  readonly totalRecords: Count;
  readonly startedAt: Count;
  readonly completedAt: Count;
  readonly processed: Count;
  readonly failed: Count;
}

/**
 * Why a batch was refused: the job is gone (purged), no longer being prepared, or (with
 * `prepareRun`) prepared by another run.
 */
export async function refusedBatchError(
  db: Db,
  sql: Statements,
  jobId: string,
  prepareRun: string | undefined,
): Promise<JobNotFoundError | JobNotPreparingError> {
  const rows = await db.select<{ status: JobStatus; owner: string | null }>(
    sql.selectRegisterRefusal(),
    [jobId],
  );
  const row = rows[0];
  if (row === undefined) return new JobNotFoundError(jobId);
  return prepareRun !== undefined && row.owner !== prepareRun
    ? new JobNotPreparingError(jobId, row.status, prepareRun)
    : new JobNotPreparingError(jobId, row.status);
}

/**
 * Renews the prepare heartbeat of a job being prepared; false when it is not (any more) or,
 * with `prepareRun`, when another run owns its prepare.
 */
export async function heartbeatPrepare(
  db: Db,
  sql: Statements,
  jobId: string,
  prepareRun: string | undefined,
): Promise<boolean> {
  const changed = await db.run(sql.heartbeatPrepare(), [
    jobId,
    prepareRun ?? '',
    prepareRun === undefined ? 0 : 1,
  ]);
  return changed > 0;
}

/**
 * Ends the prepare of a job (see the port; with `prepareRun`, only the owning run ends it),
 * returning its status afterwards.
 */
export function finishPrepare(
  db: Db,
  sql: Statements,
  jobId: string,
  totals: { readonly totalRecords: number; readonly startedAt: number },
  prepareRun: string | undefined,
): Promise<JobStatus | null> {
  return db.transaction(async (transaction) => {
    await db.run(
      sql.finishPrepare(),
      [
        jobId,
        totals.totalRecords,
        totals.startedAt,
        prepareRun ?? '',
        prepareRun === undefined ? 0 : 1,
      ],
      transaction,
    );
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
  const createdAt = optionalNumber(row.createdAt);
  return {
    jobId,
    status: row.status,
    totalRecords: Number(row.totalRecords),
    ...(createdAt == null ? {} : { createdAt }),
    ...(startedAt == null ? {} : { startedAt }),
    ...(completedAt == null ? {} : { completedAt }),
    ...(heartbeatAt == null
      ? {}
      : { prepareHeartbeatAgeMs: Math.max(0, Number(row.now) - heartbeatAt) }),
    ...(row.summary == null ? {} : { summary: JSON.parse(row.summary) as JobSummary }),
    ...prepareMarks(row.openedEarlyAt != null, row.prepareStoppedAt != null),
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
 * Gives the job's completion to `claimant` unless another claimant has it (or, with
 * `takeOverAfterMs`, holds it unacknowledged for at least that long), and returns the stored
 * summary to the claimant that has it (again, for a retry, renewing its claim time), `null` to
 * anyone else.
 */
export async function claimJobCompletion(
  db: Db,
  sql: Statements,
  jobId: string,
  claimant: string,
  takeOverAfterMs: number | undefined,
): Promise<JobSummary | null> {
  const read = async (transaction?: Parameters<Db['run']>[2]) => {
    const row = (
      await db.select<{
        claimant: string | null;
        summary: string | null;
        claimedAt: unknown;
        acknowledgedAt: unknown;
      }>(sql.selectCompletion(), [jobId], transaction)
    )[0];
    if (row?.summary == null) return 'nothing' as const;
    if (row.claimant === claimant) return JSON.parse(row.summary) as JobSummary;
    if (row.claimant === null) return 'unclaimed' as const;
    const takeable =
      takeOverAfterMs !== undefined && row.acknowledgedAt === null && row.claimedAt !== null;
    return takeable ? ('unclaimed' as const) : null;
  };
  // A read first: most calls (every worker that finds the job finished) need no write lock.
  // The claimant that holds the completion goes on to renew its claim time (as it would on
  // taking it), so that nobody takes over from a claimant that is asking again.
  const seen = await read();
  if (seen === 'nothing' || seen === null) return null;
  return db.transaction(async (transaction) => {
    await db.run(
      sql.claimCompletion(),
      [jobId, claimant, takeOverAfterMs === undefined ? 0 : 1, takeOverAfterMs ?? 0],
      transaction,
    );
    const after = await read(transaction);
    return after === 'nothing' || after === 'unclaimed' ? null : after;
  });
}

/** Records that `claimant` emitted the job's completion; false when it does not hold it. */
export async function acknowledgeJobCompletion(
  db: Db,
  sql: Statements,
  jobId: string,
  claimant: string,
): Promise<boolean> {
  if ((await db.run(sql.acknowledgeCompletion(), [jobId, claimant])) > 0) return true;
  const row = (await db.select<{ claimant: string | null }>(sql.selectCompletion(), [jobId]))[0];
  return row?.claimant === claimant;
}
