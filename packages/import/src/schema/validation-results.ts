import type { ValidationError, ValidationResult } from '@batchactions/core';

/** Published error categories (core §2.6). */
export type ImportErrorCategory = 'VALIDATION' | 'FORMAT' | 'DUPLICATE' | 'PROCESSING' | 'CUSTOM';

/** A validation error with the published optional keys (category, suggestion, metadata). */
export type ImportValidationError = ValidationError & {
  readonly category?: ImportErrorCategory;
  readonly suggestion?: string;
  readonly metadata?: Record<string, unknown>;
};

/** A validation result with the published optional `parsed` record. */
export type ImportValidationResult = ValidationResult & {
  readonly parsed?: Record<string, unknown>;
};

/** `{ isValid: true, errors: [] }`, plus `parsed` only when given (the key is absent otherwise). */
export function passed(parsed?: Record<string, unknown>): ImportValidationResult {
  return parsed === undefined
    ? { isValid: true, errors: [] }
    : { isValid: true, errors: [], parsed };
}

/** `{ isValid: false, errors }` (same array), plus `parsed` when given. */
export function failed(
  errors: readonly ImportValidationError[],
  parsed?: Record<string, unknown>,
): ImportValidationResult {
  return parsed === undefined ? { isValid: false, errors } : { isValid: false, errors, parsed };
}

/** True when any entry is a hard error (severity absent or `'error'`). */
export function hasHardError(errors: readonly ValidationError[]): boolean {
  return errors.some((error) => error.severity !== 'warning');
}
