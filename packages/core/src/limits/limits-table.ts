import type { JobLimits, JobLimitsChange, JobLimitsState, TokenLease } from './job-limits';
import { applyLimitsChange, hasLimits } from './check-limits';
import {
  FRESH_BUCKET,
  leaseTokens,
  limitsState,
  returnTokens,
  throttleBucket,
  type RateBucket,
} from './rate-bucket';

interface StoredLimits {
  limits: JobLimits;
  bucket: RateBucket;
}

/**
 * Job-wide limits held in memory: what `InMemoryDistributedStateStore` keeps per job, with the
 * bucket arithmetic of `rate-bucket.ts`. Every method is synchronous, so the store's calls stay
 * atomic.
 */
export class InMemoryLimitsTable {
  private readonly byJob = new Map<string, StoredLimits>();

  set(jobId: string, change: JobLimitsChange): void {
    const stored = this.byJob.get(jobId) ?? { limits: {}, bucket: FRESH_BUCKET };
    stored.limits = applyLimitsChange(stored.limits, change);
    if (hasLimits(stored.limits) || stored.bucket.throttledAt > 0) this.byJob.set(jobId, stored);
    else this.byJob.delete(jobId);
  }

  get(jobId: string, now: number): JobLimitsState {
    const stored = this.byJob.get(jobId);
    if (!stored) return {};
    return limitsState(stored.limits, stored.bucket, now);
  }

  /** The job's `maxConcurrentBatches`, if it has one. */
  cap(jobId: string): number | undefined {
    return this.byJob.get(jobId)?.limits.maxConcurrentBatches;
  }

  rateLimited(jobId: string): boolean {
    return this.byJob.get(jobId)?.limits.rateLimit !== undefined;
  }

  lease(jobId: string, wanted: number, now: number): TokenLease {
    const stored = this.byJob.get(jobId);
    const rate = stored?.limits.rateLimit;
    if (!stored || !rate) return { limited: false };
    const outcome = leaseTokens(stored.bucket, rate, wanted, now);
    stored.bucket = outcome.bucket;
    return {
      limited: true,
      granted: outcome.granted,
      waitMs: outcome.waitMs,
      intervalMs: outcome.intervalMs,
    };
  }

  giveBack(jobId: string, tokens: number, now: number): void {
    const stored = this.byJob.get(jobId);
    const rate = stored?.limits.rateLimit;
    if (stored && rate) stored.bucket = returnTokens(stored.bucket, rate, tokens, now);
  }

  throttle(jobId: string, ms: number, now: number): void {
    const stored = this.byJob.get(jobId) ?? { limits: {}, bucket: FRESH_BUCKET };
    stored.bucket = throttleBucket(stored.bucket, stored.limits.rateLimit, ms, now);
    this.byJob.set(jobId, stored);
  }

  delete(jobId: string): void {
    this.byJob.delete(jobId);
  }
}
