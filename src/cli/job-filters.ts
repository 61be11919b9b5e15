import { JobStatus } from '@batchactions/core';
import { InvalidArgumentError } from 'commander';

const STATUSES: readonly JobStatus[] = Object.values(JobStatus);

/** A commander parser for `--status a,b`: job statuses, case-insensitive, comma-separated. */
export function jobStatusList(value: string): JobStatus[] {
  const names = value
    .split(',')
    .map((name) => name.trim().toUpperCase())
    .filter((name) => name !== '');
  if (names.length === 0) {
    throw new InvalidArgumentError(`Expected one or more of ${STATUSES.join(', ')}.`);
  }
  for (const name of names) {
    if (!STATUSES.includes(name as JobStatus)) {
      throw new InvalidArgumentError(
        `Unknown job status "${name}"; expected one or more of ${STATUSES.join(', ')}, comma-separated.`,
      );
    }
  }
  return [...new Set(names)] as JobStatus[];
}

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A commander parser for an age such as `90s`, `30m`, `12h`, `7d`, in milliseconds. */
export function age(value: string): number {
  const match = /^(\d+)\s*(s|m|min|h|d)$/i.exec(value.trim());
  const amount = match?.[1];
  const unit = match?.[2];
  if (amount === undefined || unit === undefined) {
    throw new InvalidArgumentError(
      `Expected a whole number with a unit: s, m (or min), h or d, such as 30m or 7d; got "${value}".`,
    );
  }
  return Number(amount) * (UNIT_MS[unit.toLowerCase()] ?? 0);
}
