import type { JobLimitsState, RateLimit } from '@batchactions/core';
import { InvalidArgumentError } from 'commander';

/**
 * What `--rate none` and `--max-batches none` parse to: the limit is removed. (Not `null`:
 * commander stores an empty string for an option whose parser returns null.)
 */
export const NONE = 'none';

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

/**
 * `--rate`: `N/unit` or `N/<k><unit>` (`100/s`, `6000/min`, `50/500ms`, `10/2s`), or `none` to
 * remove the rate limit. Units: ms, s, m or min, h.
 */
export function parseRate(value: string): RateLimit | typeof NONE {
  const text = value.trim().toLowerCase();
  if (text === NONE) return NONE;
  const match = /^(\d+)\s*\/\s*(\d*)\s*(ms|s|min|m|h)$/.exec(text);
  const records = match ? Number(match[1]) : Number.NaN;
  const times = match?.[2] ? Number(match[2]) : 1;
  const unit = match?.[3] === undefined ? undefined : UNITS[match[3]];
  if (!Number.isSafeInteger(records) || records < 1 || unit === undefined || times < 1) {
    throw new InvalidArgumentError(
      `Expected N/unit (100/s, 6000/min, 50/500ms; units ms, s, min, h) or none, got "${value}".`,
    );
  }
  return { records, perMs: times * unit };
}

/** `--max-batches`: an integer >= 1, or `none` to remove the cap. */
export function parseMaxBatches(value: string): number | typeof NONE {
  const text = value.trim().toLowerCase();
  if (text === NONE) return NONE;
  const parsed = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`Expected an integer >= 1 or none, got "${value}".`);
  }
  return parsed;
}

/** A rate as people write it: `100/s`, `40/500ms`. */
export function formatRate(rate: RateLimit, records = rate.records): string {
  const shown = Number.isInteger(records) ? String(records) : records.toFixed(1);
  if (rate.perMs === 1000) return `${shown}/s`;
  if (rate.perMs === 60_000) return `${shown}/min`;
  if (rate.perMs % 1000 === 0) return `${shown}/${String(rate.perMs / 1000)}s`;
  return `${shown}/${String(rate.perMs)}ms`;
}

/** The `limits` line of `status` and `limit`: rate (and the effective one), cap. */
export function limitsLine(limits: JobLimitsState, now: number = Date.now()): string {
  const parts: string[] = [];
  const rate = limits.rateLimit;
  if (rate) {
    let text = `rate ${formatRate(rate)}`;
    const effective = limits.effectiveRecords;
    if (effective !== undefined && effective < rate.records) {
      text += ` (throttled: ${formatRate(rate, effective)} now`;
      if (limits.throttledUntil !== undefined && limits.throttledUntil > now) {
        text += `, paused ${String(Math.ceil((limits.throttledUntil - now) / 1000))}s more`;
      }
      text += ')';
    }
    parts.push(text);
  } else {
    parts.push('no rate limit');
  }
  parts.push(
    limits.maxConcurrentBatches === undefined
      ? 'no cap on batches'
      : `at most ${String(limits.maxConcurrentBatches)} batches at once`,
  );
  return parts.join(', ');
}
