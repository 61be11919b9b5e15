export type {
  JobLimits,
  JobLimitsChange,
  JobLimitsState,
  RateLimit,
  TokenLease,
} from './job-limits';
export {
  applyLimitsChange,
  checkJobLimits,
  checkJobLimitsChange,
  checkMaxConcurrentBatches,
  checkRateLimit,
  hasLimits,
} from './check-limits';
export {
  FRESH_BUCKET,
  MIN_THROTTLE_FACTOR,
  THROTTLE_RECOVERY_WINDOWS,
  effectiveRecords,
  factorAt,
  leaseSizeOf,
  leaseTokens,
  limitsState,
  returnTokens,
  throttleBucket,
  type LeaseOutcome,
  type RateBucket,
} from './rate-bucket';
export { InMemoryLimitsTable } from './limits-table';
