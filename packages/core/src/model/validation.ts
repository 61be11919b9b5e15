/** How serious a validation finding is: `error` makes the record invalid, `warning` keeps it valid. */
export type ValidationSeverity = 'error' | 'warning';

/** Machine-readable reason for a validation finding. */
export type ValidationErrorCode =
  | 'REQUIRED'
  | 'TYPE_MISMATCH'
  | 'PATTERN_MISMATCH'
  | 'CUSTOM_VALIDATION'
  | 'UNKNOWN_FIELD'
  | 'DUPLICATE_VALUE'
  | 'EXTERNAL_DUPLICATE'
  | 'HOOK_ERROR';

/** One finding about one field of one record. */
export interface ValidationError {
  /** The schema field the finding is about (`''` for record-level findings). */
  readonly field: string;
  /** Human-readable description, e.g. `Field "email" must be a valid email`. */
  readonly message: string;
  readonly code: ValidationErrorCode;
  /** The offending value, when there is one. */
  readonly value?: unknown;
  /** Defaults to `error` when absent. */
  readonly severity?: ValidationSeverity;
}

/** Result of validating one record. */
export interface ValidationResult {
  readonly isValid: boolean;
  readonly errors: readonly ValidationError[];
}

/** A passing result with no findings. */
export function validResult(): ValidationResult {
  return { isValid: true, errors: [] };
}

/** A result built from findings: valid when none of them is an error. */
export function resultFromErrors(errors: readonly ValidationError[]): ValidationResult {
  return { isValid: !errors.some(isErrorSeverity), errors };
}

/** True for findings that make a record invalid (severity `error` or unset). */
export function isErrorSeverity(error: ValidationError): boolean {
  return error.severity !== 'warning';
}
