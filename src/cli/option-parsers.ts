import { accessSync, constants, statSync } from 'node:fs';
import { redactUrl } from '@batchactions/core';
import { InvalidArgumentError } from 'commander';

/** A commander argument parser for an integer of at least `min` (written in decimal digits). */
export function integerAtLeast(min: number): (value: string) => number {
  return (value: string): number => {
    const trimmed = value.trim();
    const parsed = /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`Expected an integer >= ${min}, got "${value}".`);
    }
    return parsed;
  };
}

function fsReason(error: unknown): string {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

/** A commander argument parser that accepts a path to a readable regular file. */
export function readableFile(value: string): string {
  try {
    accessSync(value, constants.R_OK);
  } catch (error) {
    throw new InvalidArgumentError(`Cannot read file "${value}": ${fsReason(error)}.`);
  }
  if (!statSync(value).isFile()) {
    throw new InvalidArgumentError(`Cannot read file "${value}": it is not a regular file.`);
  }
  return value;
}

/** A commander argument parser for a non-empty, trimmed string (job ids, worker ids). */
export function nonEmpty(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new InvalidArgumentError('Expected a non-empty value.');
  return trimmed;
}

/**
 * A commander argument parser for a data source: an `http://` or `https://` URL (read later
 * with `UrlSource`), else a readable regular file.
 */
export function readableFileOrUrl(value: string): string {
  if (/^https?:\/\//i.test(value.trim())) {
    const url = value.trim();
    if (!URL.canParse(url)) {
      throw new InvalidArgumentError(`"${redactUrl(url)}" is not a valid URL.`);
    }
    return url;
  }
  return readableFile(value);
}
