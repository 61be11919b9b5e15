import {
  applyLimitsChange,
  checkJobLimitsChange,
  leaseTokens,
  limitsState,
  returnTokens,
  throttleBucket,
  type JobLimits,
  type JobLimitsChange,
  type JobLimitsState,
  type RateBucket,
  type RateLeaseGrant,
  type RateLimit,
  type TokenLease,
} from '@batchactions/core';
import { forFamily, type Db, type SqlFamily, type Transaction } from './db';
import {
  claimRefusalSqliteSql,
  countBatchesForCapSql,
  deleteLimitsSql,
  leaseRateTokensPostgresSql,
  selectJobClockSql,
  selectLimitsSql,
  updateBucketSql,
  upsertLimitsSql,
} from './sql/limit-sql';
import type { QuotedTables } from './sql/tables';

type Num = number | string | bigint | null;

export interface LimitsRow {
  readonly rateRecords: Num;
  readonly ratePerMs: Num;
  readonly maxBatches: Num;
  readonly readyAt: Num;
  readonly factor: Num;
  readonly throttledAt: Num;
  readonly throttledUntil: Num;
  readonly now: Num;
}

/** The statements of job-wide limits for one family, built once. */
export class LimitStatements {
  readonly selectLimits: string;
  readonly selectLimitsLocked: string;
  readonly selectJobClock: string;
  readonly upsertLimits: string;
  readonly updateBucket: string;
  readonly countBatchesForCap: string;
  readonly deleteLimits: string;
  readonly claimRefusalSqlite: string;
  /** PostgreSQL: `leaseRateTokens` as one statement. */
  readonly leaseRateTokens: string | undefined;

  constructor(
    readonly family: SqlFamily,
    t: QuotedTables,
  ) {
    const q = (sql: string) => forFamily(family, sql);
    this.selectLimits = q(selectLimitsSql(t, family, false));
    this.selectLimitsLocked = q(selectLimitsSql(t, family, family !== 'sqlite'));
    this.selectJobClock = q(selectJobClockSql(t, family));
    this.upsertLimits = q(upsertLimitsSql(t, family));
    this.updateBucket = q(updateBucketSql(t));
    this.countBatchesForCap = q(countBatchesForCapSql(t));
    this.deleteLimits = q(deleteLimitsSql(t));
    this.claimRefusalSqlite = q(claimRefusalSqliteSql(t));
    this.leaseRateTokens = family === 'postgres' ? leaseRateTokensPostgresSql(t) : undefined;
  }
}

function optional(value: Num): number | undefined {
  return value === null ? undefined : Number(value);
}

function limitsOf(row: LimitsRow | undefined): JobLimits {
  if (!row) return {};
  const records = optional(row.rateRecords);
  const perMs = optional(row.ratePerMs);
  const cap = optional(row.maxBatches);
  return {
    ...(records !== undefined && perMs !== undefined ? { rateLimit: { records, perMs } } : {}),
    ...(cap === undefined ? {} : { maxConcurrentBatches: cap }),
  };
}

function bucketOf(row: LimitsRow | undefined): RateBucket {
  return {
    readyAt: Number(row?.readyAt ?? 0),
    factor: Number(row?.factor ?? 1),
    throttledAt: Number(row?.throttledAt ?? 0),
    throttledUntil: Number(row?.throttledUntil ?? 0),
  };
}

function rowValues(jobId: string, limits: JobLimits, bucket: RateBucket): unknown[] {
  return [
    jobId,
    limits.rateLimit?.records ?? null,
    limits.rateLimit?.perMs ?? null,
    limits.maxConcurrentBatches ?? null,
    bucket.readyAt,
    bucket.factor,
    bucket.throttledAt,
    bucket.throttledUntil,
  ];
}

function bucketValues(jobId: string, bucket: RateBucket): unknown[] {
  return [jobId, bucket.readyAt, bucket.factor, bucket.throttledAt, bucket.throttledUntil];
}

/** `setJobLimits`: one transaction; false for an unknown job. */
export function setJobLimits(
  db: Db,
  s: LimitStatements,
  jobId: string,
  change: JobLimitsChange,
): Promise<boolean> {
  const checked = checkJobLimitsChange(change);
  return db.transaction(
    async (t) => {
      const job = await db.select<{ now: Num }>(s.selectJobClock, [jobId], t);
      if (job.length === 0) return false;
      const row = (await db.select<LimitsRow>(s.selectLimitsLocked, [jobId], t))[0];
      const limits = applyLimitsChange(limitsOf(row), checked);
      await db.run(s.upsertLimits, rowValues(jobId, limits, bucketOf(row)), t);
      return true;
    },
    { lockingReads: true },
  );
}

/** `getJobLimits`: `{}` for a job without limits, `null` for an unknown job. */
export async function getJobLimits(
  db: Db,
  s: LimitStatements,
  jobId: string,
): Promise<JobLimitsState | null> {
  const row = (await db.select<LimitsRow>(s.selectLimits, [jobId]))[0];
  if (!row) {
    const job = await db.select<{ now: Num }>(s.selectJobClock, [jobId]);
    return job.length === 0 ? null : {};
  }
  return limitsState(limitsOf(row), bucketOf(row), Number(row.now));
}

/**
 * Runs `step` on job `jobId`'s locked limits row and writes the bucket it returns: the one
 * transaction of a lease, a return or a throttle.
 */
function withBucket<T>(
  db: Db,
  s: LimitStatements,
  jobId: string,
  step: (
    row: LimitsRow,
    rate: RateLimit | undefined,
    now: number,
  ) => { readonly bucket?: RateBucket; readonly result: T },
  absent: T,
): Promise<T> {
  return db.transaction(
    async (t) => {
      const row = (await db.select<LimitsRow>(s.selectLimitsLocked, [jobId], t))[0];
      if (!row) return absent;
      const outcome = step(row, limitsOf(row).rateLimit, Number(row.now));
      if (outcome.bucket) await db.run(s.updateBucket, bucketValues(jobId, outcome.bucket), t);
      return outcome.result;
    },
    { lockingReads: true },
  );
}

/**
 * `leaseRateTokens`: one statement on PostgreSQL (`leaseRateTokensPostgresSql`), else one
 * transaction on the job's limits row.
 */
export async function leaseRateTokens(
  db: Db,
  s: LimitStatements,
  jobId: string,
  wanted: number,
): Promise<TokenLease> {
  if (s.leaseRateTokens !== undefined) {
    const row = (
      await db.select<{ leaseGranted: Num; leaseWaitMs: Num; leaseIntervalMs: Num }>(
        s.leaseRateTokens,
        [jobId, wanted],
      )
    )[0];
    if (!row) return { limited: false };
    return {
      limited: true,
      granted: Number(row.leaseGranted),
      waitMs: Number(row.leaseWaitMs),
      intervalMs: Number(row.leaseIntervalMs),
    };
  }
  return withBucket<TokenLease>(
    db,
    s,
    jobId,
    (row, rate, now) => {
      if (!rate) return { result: { limited: false } };
      const outcome = leaseTokens(bucketOf(row), rate, wanted, now);
      return {
        bucket: outcome.bucket,
        result: {
          limited: true,
          granted: outcome.granted,
          waitMs: outcome.waitMs,
          intervalMs: outcome.intervalMs,
        },
      };
    },
    { limited: false },
  );
}

/**
 * A lease of job `jobId`'s rate bucket inside the caller's transaction `t` (a claim's: its
 * batch's first lease): `row` is the job's limits row the transaction already holds locked, or
 * it is read here (locked). Undefined when the job has no rate limit.
 */
export async function leaseInTransaction(
  db: Db,
  s: LimitStatements,
  jobId: string,
  wanted: number,
  t: Transaction,
  row?: LimitsRow,
): Promise<RateLeaseGrant | undefined> {
  const held = row ?? (await db.select<LimitsRow>(s.selectLimitsLocked, [jobId], t))[0];
  const rate = limitsOf(held).rateLimit;
  if (!held || !rate) return undefined;
  const outcome = leaseTokens(bucketOf(held), rate, Math.max(1, wanted), Number(held.now));
  await db.run(s.updateBucket, bucketValues(jobId, outcome.bucket), t);
  return { granted: outcome.granted, waitMs: outcome.waitMs, intervalMs: outcome.intervalMs };
}

/** `returnRateTokens`: one transaction on the job's limits row. */
export function returnRateTokens(
  db: Db,
  s: LimitStatements,
  jobId: string,
  tokens: number,
): Promise<void> {
  return withBucket<undefined>(
    db,
    s,
    jobId,
    (row, rate, now) =>
      rate
        ? { bucket: returnTokens(bucketOf(row), rate, tokens, now), result: undefined }
        : {
            result: undefined,
          },
    undefined,
  );
}

/** `throttleJob`: one transaction; a job without a limits row gets one (the pause alone). */
export function throttleJob(db: Db, s: LimitStatements, jobId: string, ms: number): Promise<void> {
  return db.transaction(
    async (t) => {
      const row = (await db.select<LimitsRow>(s.selectLimitsLocked, [jobId], t))[0];
      if (row) {
        const bucket = throttleBucket(bucketOf(row), limitsOf(row).rateLimit, ms, Number(row.now));
        await db.run(s.updateBucket, bucketValues(jobId, bucket), t);
        return;
      }
      const job = (await db.select<{ now: Num }>(s.selectJobClock, [jobId], t))[0];
      if (!job) return;
      const bucket = throttleBucket(bucketOf(undefined), undefined, ms, Number(job.now));
      await db.run(s.upsertLimits, rowValues(jobId, {}, bucket), t);
    },
    { lockingReads: true },
  );
}

/** Removes the job's limits row (in `deleteJob`'s transaction). */
export async function deleteJobLimits(
  db: Db,
  s: LimitStatements,
  jobId: string,
  t: Transaction,
): Promise<void> {
  await db.run(s.deleteLimits, [jobId], t);
}

/**
 * The cap check of a claim (PostgreSQL, MySQL family), inside the claim's transaction: locks the
 * job's limits row, so that capped claims of one job take turns, then counts its batches in a
 * later statement (which sees every claim committed by an earlier holder of the lock).
 * `'free'`: no cap, or room under it; `'full'`: the cap is reached and a batch is pending;
 * `'empty'`: the cap is reached and nothing is pending.
 */
export async function checkBatchCap(
  db: Db,
  s: LimitStatements,
  jobId: string,
  t: Transaction,
): Promise<{
  readonly state: 'free' | 'full' | 'empty';
  readonly rateLimited: boolean;
  readonly row: LimitsRow | undefined;
}> {
  const row = (await db.select<LimitsRow>(s.selectLimitsLocked, [jobId], t))[0];
  const limits = limitsOf(row);
  const rateLimited = limits.rateLimit !== undefined;
  const cap = limits.maxConcurrentBatches;
  if (cap === undefined) return { state: 'free', rateLimited, row };
  const counts = (
    await db.select<{ processing: Num; pending: Num }>(s.countBatchesForCap, [jobId], t)
  )[0];
  if (Number(counts?.processing ?? 0) < cap) return { state: 'free', rateLimited, row };
  return { state: Number(counts?.pending ?? 0) > 0 ? 'full' : 'empty', rateLimited, row };
}
