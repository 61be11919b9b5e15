import { InvalidOptionError } from '@batchactions/core';

/**
 * The one way every option of the facade is checked: `undefined` means "not given" (the default
 * applies); anything else, `null` included, must have the documented type, or the call throws
 * `InvalidOptionError` naming the option.
 */

/** An options argument: `undefined` (none) or an object; `null` and other values are refused. */
export function optionsObject<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || (value as unknown) === null) {
    throw new InvalidOptionError(name, value, 'an options object');
  }
  return value;
}

export function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, value, 'a boolean');
  return value;
}

export function integerAtLeast(
  option: string,
  value: unknown,
  min: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(option, value, `an integer >= ${min}`);
  }
  return value;
}

export function optionalIntegerAtLeast(
  option: string,
  value: unknown,
  min: number,
): number | undefined {
  return value === undefined ? undefined : integerAtLeast(option, value, min, min);
}

/** A finite number of at least `min` (fractions allowed). */
export function numberAtLeast(
  option: string,
  value: unknown,
  min: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidOptionError(option, value, `a number >= ${min}`);
  }
  return value;
}

export function optionalFunction<T>(option: string, value: T | undefined): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InvalidOptionError(option, value, 'a function');
  return value;
}

export function optionalObject<T>(option: string, value: T | undefined): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw new InvalidOptionError(option, value, 'an object');
  }
  return value;
}

export function optionalSignal(option: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal))
    throw new InvalidOptionError(option, value, 'an AbortSignal');
  return value;
}

export function optionalNonEmptyString(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionError(option, value, 'a non-empty string');
  }
  return value;
}
