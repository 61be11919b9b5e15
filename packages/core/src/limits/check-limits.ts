import { InvalidOptionError } from '../errors/invalid-option-error';
import type { JobLimits, JobLimitsChange, RateLimit } from './job-limits';

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** Checks a `rateLimit` option. @throws InvalidOptionError naming `name` or its fields */
export function checkRateLimit(name: string, value: unknown): RateLimit {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidOptionError(name, value, 'an object { records, perMs }');
  }
  const { records, perMs } = value as Record<string, unknown>;
  if (!isPositiveInteger(records)) {
    throw new InvalidOptionError(`${name}.records`, records, 'an integer >= 1');
  }
  if (!isPositiveInteger(perMs)) {
    throw new InvalidOptionError(`${name}.perMs`, perMs, 'an integer >= 1 (milliseconds)');
  }
  return { records, perMs };
}

/** Checks a `maxConcurrentBatches` option. @throws InvalidOptionError naming `name` */
export function checkMaxConcurrentBatches(name: string, value: unknown): number {
  if (!isPositiveInteger(value)) throw new InvalidOptionError(name, value, 'an integer >= 1');
  return value;
}

/** The limits among `options` (`rateLimit`, `maxConcurrentBatches`), checked; absent: none. */
export function checkJobLimits(options: {
  readonly rateLimit?: unknown;
  readonly maxConcurrentBatches?: unknown;
}): JobLimits {
  return {
    ...(options.rateLimit === undefined
      ? {}
      : { rateLimit: checkRateLimit('rateLimit', options.rateLimit) }),
    ...(options.maxConcurrentBatches === undefined
      ? {}
      : {
          maxConcurrentBatches: checkMaxConcurrentBatches(
            'maxConcurrentBatches',
            options.maxConcurrentBatches,
          ),
        }),
  };
}

/** Checks a `setLimits` change: each field absent (kept), `null` (removed) or a valid limit. */
export function checkJobLimitsChange(change: unknown): JobLimitsChange {
  if (typeof change !== 'object' || change === null) {
    throw new InvalidOptionError(
      'limits',
      change,
      'an object { rateLimit?, maxConcurrentBatches? }',
    );
  }
  const { rateLimit, maxConcurrentBatches } = change as Record<string, unknown>;
  if (rateLimit === undefined && maxConcurrentBatches === undefined) {
    throw new InvalidOptionError(
      'limits',
      change,
      'at least one of rateLimit and maxConcurrentBatches (null removes a limit)',
    );
  }
  return {
    ...(rateLimit === undefined
      ? {}
      : { rateLimit: rateLimit === null ? null : checkRateLimit('rateLimit', rateLimit) }),
    ...(maxConcurrentBatches === undefined
      ? {}
      : {
          maxConcurrentBatches:
            maxConcurrentBatches === null
              ? null
              : checkMaxConcurrentBatches('maxConcurrentBatches', maxConcurrentBatches),
        }),
  };
}

/** True when `limits` sets any limit. */
export function hasLimits(limits: JobLimits): boolean {
  return limits.rateLimit !== undefined || limits.maxConcurrentBatches !== undefined;
}

/** `current` with `change` applied (absent keeps, `null` removes). */
export function applyLimitsChange(current: JobLimits, change: JobLimitsChange): JobLimits {
  const rateLimit = change.rateLimit === undefined ? current.rateLimit : change.rateLimit;
  const cap =
    change.maxConcurrentBatches === undefined
      ? current.maxConcurrentBatches
      : change.maxConcurrentBatches;
  return {
    ...(rateLimit ? { rateLimit } : {}),
    ...(cap === null || cap === undefined ? {} : { maxConcurrentBatches: cap }),
  };
}
