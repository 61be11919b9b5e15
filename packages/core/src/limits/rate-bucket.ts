import type { JobLimits, JobLimitsState, RateLimit } from './job-limits';

/**
 * The stored state of a job's rate bucket, in the store's clock (epoch ms). The bucket is a
 * schedule of time slots, one per token, `1 / rate` apart (a GCRA without burst): `readyAt` is
 * the end of the last slot handed out. A lease takes the next `granted` slots, from
 * `max(readyAt, now)`; the worker spends each token in its slot. A reservation is of time, not
 * of a stock of tokens: the slots of tokens a dead worker never spent are simply over once
 * their time has passed (nothing is lost beyond them), and a bucket left alone gives no burst.
 */
export interface RateBucket {
  /** Epoch ms; see above. */
  readonly readyAt: number;
  /** The throttle factor (0 < factor <= 1) set by the last `ctx.throttle`. */
  readonly factor: number;
  /** Epoch ms of the last `ctx.throttle` (0: never). The factor grows back from then. */
  readonly throttledAt: number;
  /** Epoch ms until which no lease may be spent (a `ctx.throttle`'s Retry-After). */
  readonly throttledUntil: number;
}

/** A bucket with nothing handed out: its first lease is granted at once. */
export const FRESH_BUCKET: RateBucket = {
  readyAt: 0,
  factor: 1,
  throttledAt: 0,
  throttledUntil: 0,
};

/**
 * How many windows (`perMs`) a throttled rate takes to grow back from nothing to the full rate:
 * the "additive increase" of an AIMD limiter (the decrease halves the factor).
 */
export const THROTTLE_RECOVERY_WINDOWS = 10;

/** The lowest throttle factor: a storm of 429s slows the job to 1/64 of its rate, not to zero. */
export const MIN_THROTTLE_FACTOR = 1 / 64;

/**
 * The lease size of a rate: a fifth of a window's allowance, at least 1. Workers ask the store
 * about five times per window in all (never once per record), and the slack a worker's late
 * spending adds to any window (its slots shifted into the next one) stays within one lease.
 */
export function leaseSizeOf(rate: RateLimit): number {
  return Math.max(1, Math.ceil(rate.records / 5));
}

/** The throttle factor at `now`: halved by each throttle, growing back linearly to 1. */
export function factorAt(bucket: RateBucket, rate: RateLimit, now: number): number {
  if (bucket.factor >= 1) return 1;
  const recovered = (now - bucket.throttledAt) / (THROTTLE_RECOVERY_WINDOWS * rate.perMs);
  return Math.min(1, bucket.factor + Math.max(0, recovered));
}

/** The effective rate at `now`, in records per `rate.perMs`. */
export function effectiveRecords(bucket: RateBucket, rate: RateLimit, now: number): number {
  return rate.records * factorAt(bucket, rate, now);
}

/**
 * What a reader of job limits sees at `now` (`getJobLimits`, `status`): the limits, and with a
 * rate its effective value and lease size, and the end of a throttle still running.
 */
export function limitsState(limits: JobLimits, bucket: RateBucket, now: number): JobLimitsState {
  const rate = limits.rateLimit;
  return {
    ...limits,
    ...(rate
      ? { effectiveRecords: effectiveRecords(bucket, rate, now), leaseSize: leaseSizeOf(rate) }
      : {}),
    ...(bucket.throttledUntil > now ? { throttledUntil: bucket.throttledUntil } : {}),
  };
}

/** Outcome of {@link leaseTokens}. */
export interface LeaseOutcome {
  readonly bucket: RateBucket;
  readonly granted: number;
  readonly waitMs: number;
  /** Milliseconds between two tokens of the lease, at the effective rate. */
  readonly intervalMs: number;
}

/**
 * Hands out up to `wanted` tokens (at most one lease, at least 1) at `now`: the first may be
 * spent after `waitMs`, each next one `intervalMs` later: the lease is a run of the job's time
 * slots, one token each. Waiters queue in the order they asked.
 */
export function leaseTokens(
  bucket: RateBucket,
  rate: RateLimit,
  wanted: number,
  now: number,
): LeaseOutcome {
  const granted = Math.max(1, Math.min(Math.floor(wanted), leaseSizeOf(rate)));
  const msPerToken = rate.perMs / effectiveRecords(bucket, rate, now);
  const start = Math.max(bucket.readyAt, now, bucket.throttledUntil);
  return {
    bucket: { ...bucket, readyAt: start + granted * msPerToken },
    granted,
    waitMs: Math.max(0, Math.ceil(start - now)),
    intervalMs: msPerToken,
  };
}

/** Gives back `tokens` a worker leased and did not spend (its batch ended first). */
export function returnTokens(
  bucket: RateBucket,
  rate: RateLimit,
  tokens: number,
  now: number,
): RateBucket {
  if (tokens <= 0) return bucket;
  const msPerToken = rate.perMs / effectiveRecords(bucket, rate, now);
  // Never below now: a bucket cannot hold more than its burst.
  return { ...bucket, readyAt: Math.max(now, bucket.readyAt - tokens * msPerToken) };
}

/**
 * A `ctx.throttle(ms)` at `now` (the target said "slow down", e.g. a 429 with Retry-After): no
 * lease is spent before `now + ms`, and the rate is halved (once per pause), then grows back over
 * {@link THROTTLE_RECOVERY_WINDOWS} windows.
 */
export function throttleBucket(
  bucket: RateBucket,
  rate: RateLimit | undefined,
  ms: number,
  now: number,
): RateBucket {
  const factor = rate === undefined ? 1 : factorAt(bucket, rate, now);
  // One decrease per pause: the 429s of one storm, answered to many workers at once while the
  // job is already paused, extend the pause but do not halve the rate again and again.
  const decreased = now < bucket.throttledUntil ? factor : factor / 2;
  return {
    readyAt: bucket.readyAt,
    factor: Math.max(MIN_THROTTLE_FACTOR, decreased),
    throttledAt: now,
    throttledUntil: Math.max(bucket.throttledUntil, now + ms),
  };
}
