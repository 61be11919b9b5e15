/**
 * A job-wide rate: at most `records` processor calls every `perMs` milliseconds, counted across
 * every worker of the job (issue 27).
 */
export interface RateLimit {
  /** Processor calls allowed per window: an integer >= 1. */
  readonly records: number;
  /** The window in milliseconds: an integer >= 1 (1000 for "per second"). */
  readonly perMs: number;
}

/**
 * The limits of one job, as `prepare` sets them and `setLimits` changes them. Every limit is off
 * by default; a job without limits costs no extra store call.
 */
export interface JobLimits {
  /**
   * Job-wide rate of processor calls (bulk mode: of records handed to `processBatch`).
   * Default: none (no rate limit).
   */
  readonly rateLimit?: RateLimit;
  /**
   * At most this many batches PROCESSING at once across every worker of the job, checked
   * atomically when a batch is claimed: an integer >= 1. Default: none (no cap).
   */
  readonly maxConcurrentBatches?: number;
}

/**
 * A change of limits (`setLimits`): a field left out keeps its limit, `null` removes it.
 */
export interface JobLimitsChange {
  /** The new rate; `null` removes the rate limit; absent keeps it. */
  readonly rateLimit?: RateLimit | null;
  /** The new cap; `null` removes it; absent keeps it. */
  readonly maxConcurrentBatches?: number | null;
}

/** A job's limits as stored, with where its adaptive slowdown (`ctx.throttle`) stands. */
export interface JobLimitsState extends JobLimits {
  /**
   * The rate in force now, in records per `rateLimit.perMs`: `rateLimit.records` scaled down by
   * a recent `ctx.throttle` and growing back to it. Absent without a rate limit.
   */
  readonly effectiveRecords?: number;
  /** Epoch ms (store clock) until which a `ctx.throttle` holds every lease back. */
  readonly throttledUntil?: number;
  /** The most tokens one lease hands out (also the bucket's burst). Absent without a rate. */
  readonly leaseSize?: number;
}

/**
 * What `leaseRateTokens` answers: `granted` tokens, the first usable after `waitMs` and each
 * next one `intervalMs` later (the lease's time slots: spending them so keeps the job's requests
 * spread at its rate, not bunched); or `limited: false` when the job has no rate limit (any
 * more): the worker stops asking for the rest of its batch.
 */
export type TokenLease =
  | {
      readonly limited: true;
      readonly granted: number;
      readonly waitMs: number;
      readonly intervalMs: number;
    }
  | { readonly limited: false };
