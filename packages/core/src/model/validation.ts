/** How serious a validation finding is: `error` makes the record invalid, `warning` keeps it valid. */
export type ErrorSeverity = 'error' | 'warning';
/** Earlier name of {@link ErrorSeverity}, kept as an alias. */
export type ValidationSeverity = ErrorSeverity;

/** What kind of problem a finding reports (free for callers to set; the library sets none). */
export type ErrorCategory = 'VALIDATION' | 'FORMAT' | 'DUPLICATE' | 'PROCESSING' | 'CUSTOM';

/** Machine-readable reason for a validation finding. */
export type ValidationErrorCode =
  | 'REQUIRED'
  | 'TYPE_MISMATCH'
  | 'PATTERN_MISMATCH'
  | 'CUSTOM_VALIDATION'
  | 'UNKNOWN_FIELD'
  | 'DUPLICATE_VALUE'
  | 'EXTERNAL_DUPLICATE'
  | 'HOOK_ERROR'
  /** Addition: a source row the parser could not shape (e.g. a CSV row with too many fields). */
  | 'MALFORMED_ROW';

/** One finding about one field of one record. */
export interface ValidationError {
  /** The field the finding is about (`'_external'` for duplicate-checker findings). */
  readonly field: string;
  /** Human-readable description, e.g. `Field "email" must be a valid email`. */
  readonly message: string;
  readonly code: ValidationErrorCode;
  /** The offending value, when there is one. */
  readonly value?: unknown;
  /** Absent means `'error'`; `'warning'` does not make the record invalid. */
  readonly severity?: ErrorSeverity;
  readonly category?: ErrorCategory;
  /** A hint for the end user. */
  readonly suggestion?: string;
  /** Free-form structured data. */
  readonly metadata?: Record<string, unknown>;
}

/** Result of validating one record. */
export interface ValidationResult {
  /** Informative only: `BatchEngine` decides validity with `hasErrors(errors)`. */
  readonly isValid: boolean;
  readonly errors: readonly ValidationError[];
  /** The transformed record; when present `BatchEngine` hands it on instead of the raw one. */
  readonly parsed?: Record<string, unknown>;
}

/** A passing result; `parsed`, when given, is the transformed record. */
export function validResult(parsed?: Record<string, unknown>): ValidationResult {
  return parsed === undefined
    ? { isValid: true, errors: [] }
    : { isValid: true, errors: [], parsed };
}

/** A failing result carrying `errors` (the same array). */
export function invalidResult(errors: readonly ValidationError[]): ValidationResult {
  return { isValid: false, errors };
}

/** A result built from findings: valid when none of them is an error. */
export function resultFromErrors(errors: readonly ValidationError[]): ValidationResult {
  return { isValid: !hasErrors(errors), errors };
}

/** True for findings that make a record invalid (severity `error` or unset). */
export function isErrorSeverity(error: ValidationError): boolean {
  return error.severity === undefined || error.severity === 'error';
}

/** True when any finding is an error (severity `'error'` or unset). */
export function hasErrors(errors: readonly ValidationError[]): boolean {
  return errors.some(isErrorSeverity);
}

/** The error findings, in order (a new array). */
export function getErrors(errors: readonly ValidationError[]): readonly ValidationError[] {
  return errors.filter(isErrorSeverity);
}

/** The warning findings, in order (a new array). */
export function getWarnings(errors: readonly ValidationError[]): readonly ValidationError[] {
  return errors.filter((e) => e.severity === 'warning');
}
